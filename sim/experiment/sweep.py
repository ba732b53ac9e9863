"""Sweep aggregation: the cells of one launch into ``sweep.parquet`` and its figures.

Each cell of a sweep is a job that writes its own folder (``N/``). `aggregate_sweep` reads the
launch's manifest (`sim.experiment.cells`) and aggregates exactly its cells, each checked to be
complete and of the identity the manifest recorded; a cell that is missing, unfinished or
stale is an error, never a silent row. Each cell becomes a `SweepCell`, whose `row` is one row
of ``sweep.parquet`` (columns documented in docs/sweeps.md).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import ConfigError
from sim.core.metrics import OUTCOMES, wilson_interval
from sim.core.scenario import Milestone
from sim.core.scenario_yaml import load_scenario
from sim.experiment.cells import ManifestCell, override_values, read_manifest
from sim.experiment.job import REPLICATIONS, check_files, read_summary, run_scenario
from sim.experiment.store import write_parquet
from sim.reports.run import RunSummary

SWEEP_TABLE = "sweep.parquet"
MILESTONE_QUANTILES = {"q10": 0.1, "median": 0.5, "q90": 0.9}


@dataclass(frozen=True)
class OutcomeShare:
    """An outcome's share among a cell's replications, with its 95% Wilson interval."""

    p: float
    lo: float
    hi: float


@dataclass(frozen=True)
class MilestoneWeeks:
    """When a milestone happens in a cell: week quantiles among runs where it happens."""

    q10: float
    median: float
    q90: float
    never: float


@dataclass(frozen=True)
class SweepCell:
    """One cell's row of ``sweep.parquet``: swept values, outcome shares, milestone weeks."""

    cell: int
    values: dict[str, Any]
    replications: int
    outcomes: dict[str, OutcomeShare]
    milestones: dict[str, MilestoneWeeks]
    settled: dict[str, OutcomeShare] | None = None  # runs followed until their notice settled

    def row(self) -> dict[str, Any]:
        """The flat row: ``cell``, swept keys, ``replications``, ``p_*``, milestone columns.

        With followed runs (`run.follow`), ``p_settled_*`` give the shares once every notice
        running at the end was lifted or lapsed (no ``pending``).
        """
        row: dict[str, Any] = {"cell": self.cell, **self.values, "replications": self.replications}
        settled = {f"settled_{k}": v for k, v in (self.settled or {}).items() if k != "pending"}
        for outcome, share in {**self.outcomes, **settled}.items():
            row[f"p_{outcome}"] = share.p
            row[f"p_{outcome}_lo"] = share.lo
            row[f"p_{outcome}_hi"] = share.hi
        for name, weeks in self.milestones.items():
            for column in ("q10", "median", "q90", "never"):
                row[f"{name}_{column}"] = getattr(weeks, column)
        return row


def outcome_shares(table: pd.DataFrame, column: str = "outcome") -> dict[str, OutcomeShare]:
    """Each outcome's share with its Wilson interval, in `OUTCOMES` order."""
    n = len(table)
    counts = table[column].astype(str).value_counts()
    shares = {}
    for outcome in OUTCOMES:
        k = int(counts.get(outcome, 0))
        lo, hi = wilson_interval(k, n)
        shares[outcome] = OutcomeShare(k / n, float(lo), float(hi))
    return shares


def milestone_weeks(table: pd.DataFrame, milestone: Milestone) -> MilestoneWeeks:
    """A milestone's week quantiles and the share of runs where it never happens."""
    weeks = table[milestone.column].dropna().astype(float)
    q = {
        name: float(np.quantile(weeks, level)) if len(weeks) else np.nan
        for name, level in MILESTONE_QUANTILES.items()
    }
    return MilestoneWeeks(never=1 - len(weeks) / len(table), **q)


def sweep_cell(
    entry: ManifestCell, keys: list[str], table: pd.DataFrame, milestones: list[Milestone]
) -> SweepCell:
    """The typed row of one cell from its manifest entry and replication table."""
    values = override_values(entry.overrides)
    return SweepCell(
        cell=entry.cell,
        values={key: values.get(key) for key in keys},
        replications=len(table),
        outcomes=outcome_shares(table),
        milestones={m.id: milestone_weeks(table, m) for m in milestones},
        settled=outcome_shares(table, "outcome_settled") if "outcome_settled" in table else None,
    )


@dataclass
class FinishedCell:
    """A finished cell on disk: its manifest entry, summary and replication table."""

    entry: ManifestCell
    summary: RunSummary
    replications: pd.DataFrame
    scenario: str  # the case as the cell ran it: a name, or the folder it was given by

    def figure_input(self) -> dict[str, Any]:
        """The form the sweep figures read (`sim.figures.sweep`)."""
        return {
            "summary": self.summary.to_dict(),
            "replications": self.replications,
            "scenario": self.scenario,
        }


def read_cell(sweep_dir: Path, entry: ManifestCell) -> FinishedCell:
    """Cell ``entry`` of the sweep folder, checked complete and of the launch's identity."""
    folder = Path(sweep_dir) / str(entry.cell)
    label = f"cell {entry.cell} ({' '.join(entry.overrides)})"
    try:
        summary = read_summary(folder)
        check_files(folder, summary)
    except ConfigError as problem:
        raise ConfigError(f"{label} is not finished: {problem}") from None
    if summary.identity.cell != entry.identity:
        raise ConfigError(
            f"{label} holds another run than this sweep's (identity {summary.identity.cell}, "
            f"expected {entry.identity}); run the sweep's command again to recompute it"
        )
    replications = pd.read_parquet(folder / REPLICATIONS)
    return FinishedCell(entry, summary, replications, run_scenario(folder, summary))


@dataclass
class SweepResult:
    """An aggregated sweep: the table, the figures written, the folders left out."""

    table: pd.DataFrame
    figures: list[Path]
    ignored: list[Path]


#: The figures `draw_sweep_figures` may draw (an optimising search's threshold.png is not one).
SWEEP_FIGURES = (
    "outcomes_by_*.png",
    "reached_by_*.png",
    "heatmap_*.png",
    "tournament.png",
    "milestones.png",
)


def aggregate_sweep(sweep_dir: Path) -> SweepResult:
    """Write sweep.parquet and the figures of the launch the manifest names."""
    from sim.figures.sweep import draw_sweep_figures

    sweep_dir = Path(sweep_dir)
    manifest = read_manifest(sweep_dir)
    cells = [read_cell(sweep_dir, entry) for entry in manifest.cells]
    if not cells:
        raise ConfigError(f"{sweep_dir}: the manifest names no cell")
    milestones = list(load_scenario(cells[0].scenario).milestones)
    rows = [sweep_cell(c.entry, manifest.keys, c.replications, milestones).row() for c in cells]
    table = pd.DataFrame(rows)
    write_parquet(table, sweep_dir / SWEEP_TABLE)
    figure_cells = [c.figure_input() for c in cells]
    for pattern in SWEEP_FIGURES:  # drawn by an earlier version, as `plot` redraws
        for stale in sweep_dir.glob(pattern):
            stale.unlink()
    figures = draw_sweep_figures(table, manifest.keys, figure_cells, sweep_dir)
    named = {str(c.cell) for c in manifest.cells}
    ignored = sorted(
        (p for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit() and p.name not in named),
        key=lambda p: int(p.name),
    )
    return SweepResult(table, figures, ignored)
