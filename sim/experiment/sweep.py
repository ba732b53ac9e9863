"""Sweeps: check every cell before any job starts, then aggregate the finished cells.

A sweep is a Hydra multirun: each job is one cell that runs R replications in-process and
writes its own folder (``N/``) under the sweep folder. `SweepCallback` validates all cells when
the multirun starts, and when it ends writes ``sweep.parquet`` (one row per cell) and the
figures; `aggregate_sweep` does the same from disk for ``escalation plot``.
"""

import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.core.errors import ConfigError, EscalationError
from sim.core.metrics import OUTCOMES
from sim.core.scenario_yaml import load_scenario
from sim.experiment.store import SUMMARY, write_parquet

SWEEP_TABLE = "sweep.parquet"
CELLS_ENV = "ESCALATION_SWEEP_CELLS"
Z95 = 1.959963984540054
MILESTONE_QUANTILES = {"q10": 0.1, "median": 0.5, "q90": 0.9}


def wilson_interval(successes: np.ndarray, trials: np.ndarray, z: float = Z95):
    """Wilson score interval for binomial proportions (Wilson 1927), elementwise."""
    successes = np.asarray(successes, dtype=float)
    trials = np.asarray(trials, dtype=float)
    p = successes / trials
    denominator = 1 + z**2 / trials
    centre = (p + z**2 / (2 * trials)) / denominator
    half = z / denominator * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2))
    return centre - half, centre + half


def sweep_cells(config: DictConfig) -> list[list[str]]:
    """The override list of every cell, in job order, as Hydra's basic sweeper makes them."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    params = OmegaConf.select(config, "hydra.sweeper.params") or {}
    arguments = [f"{key}={value}" for key, value in params.items()]
    arguments += list(OmegaConf.select(config, "hydra.overrides.task") or [])
    overrides = OverridesParser.create().parse_overrides(arguments)
    return BasicSweeper.split_arguments(overrides, None)[0]


def check_cells(config: DictConfig, config_name: str) -> int:
    """Compose and validate every cell; raise `ConfigError` naming the first bad one."""
    from hydra import compose

    from sim.experiment.config import to_config
    from sim.experiment.factory import build_scenario

    cells = sweep_cells(config)
    for number, overrides in enumerate(cells):
        try:
            build_scenario(to_config(compose(config_name, overrides=overrides)).scenario)
        except (EscalationError, HydraException) as problem:
            detail = str(problem).splitlines()[0]
            raise ConfigError(
                f"sweep cell {number} ({' '.join(overrides)}): {detail}; no job was started"
            ) from None
    return len(cells)


def cell_label(hydra_config: Any) -> str:
    """``"[cell 3/11] "`` in a multirun job, ``""`` in a single run."""
    if str(hydra_config.mode) != "RunMode.MULTIRUN":
        return ""
    total = os.environ.get(CELLS_ENV)
    return (
        f"[cell {hydra_config.job.num + 1}/{total}] "
        if total
        else f"[cell {hydra_config.job.num + 1}] "
    )


class SweepCallback(Callback):
    """Hydra callback: validate all cells at the start of a multirun, aggregate at its end."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Fail before any job starts when a cell's config is invalid."""
        try:
            total = check_cells(config, kwargs.get("config_name") or "config")
        except ConfigError as problem:
            print(f"error: {problem}", file=sys.stderr)
            sys.exit(2)
        os.environ[CELLS_ENV] = str(total)
        print(
            f"sweep: {total} cells of {config.run.replications} replications -> "
            f"{config.hydra.sweep.dir}",
            flush=True,
        )

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write sweep.parquet and the figures from the finished cells."""
        folder = Path(config.hydra.sweep.dir)
        table, figures = aggregate_sweep(folder)
        print(f"sweep: {len(table)} cells aggregated into {folder / SWEEP_TABLE}")
        for path in figures:
            print(f"  figure: {path}")


def _parse_override(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    return key.lstrip("+~"), yaml.safe_load(value) if value else None


def cell_folders(sweep_dir: Path) -> list[Path]:
    """Finished cell folders (with a summary) of a sweep, in job order."""
    folders = [p for p in Path(sweep_dir).iterdir() if p.is_dir() and p.name.isdigit()]
    return [p for p in sorted(folders, key=lambda p: int(p.name)) if (p / SUMMARY).is_file()]


def read_cells(sweep_dir: Path) -> list[dict]:
    """Each finished cell's number, overrides, summary and replication table."""
    import json

    cells = []
    for folder in cell_folders(sweep_dir):
        overrides_file = folder / ".hydra" / "overrides.yaml"
        overrides = yaml.safe_load(overrides_file.read_text()) if overrides_file.exists() else []
        cells.append(
            {
                "cell": int(folder.name),
                "overrides": dict(_parse_override(o) for o in overrides),
                "summary": json.loads((folder / SUMMARY).read_text()),
                "replications": pd.read_parquet(folder / "replications.parquet"),
            }
        )
    return cells


def swept_keys(cells: list[dict], sweep_dir: Path) -> list[str]:
    """Override keys whose value differs between cells (or the sweeper's keys for one cell)."""
    keys: list[str] = []
    for cell in cells:
        keys += [k for k in cell["overrides"] if k not in keys]
    varying = [k for k in keys if len({repr(c["overrides"].get(k)) for c in cells}) > 1]
    if varying or not (Path(sweep_dir) / "multirun.yaml").exists():
        return varying
    params = (
        OmegaConf.select(OmegaConf.load(Path(sweep_dir) / "multirun.yaml"), "hydra.sweeper.params")
        or {}
    )
    return [k for k in keys if k in params]


def cell_row(cell: dict, keys: list[str], milestones: list) -> dict:
    """One row of sweep.parquet: the swept values, outcome shares with intervals, timings."""
    table = cell["replications"]
    n = len(table)
    row: dict[str, Any] = {"cell": cell["cell"]}
    row.update({key: cell["overrides"].get(key) for key in keys})
    row["replications"] = n
    counts = table["outcome"].astype(str).value_counts()
    for outcome in OUTCOMES:
        k = int(counts.get(outcome, 0))
        lo, hi = wilson_interval(k, n)
        row[f"p_{outcome}"] = k / n
        row[f"p_{outcome}_lo"] = float(lo)
        row[f"p_{outcome}_hi"] = float(hi)
    for milestone in milestones:
        weeks = table[milestone.column].dropna().astype(float)
        for name, q in MILESTONE_QUANTILES.items():
            row[f"{milestone.id}_{name}"] = float(np.quantile(weeks, q)) if len(weeks) else np.nan
        row[f"{milestone.id}_never"] = 1 - len(weeks) / n
    return row


def sweep_table(cells: list[dict], keys: list[str]) -> pd.DataFrame:
    """sweep.parquet's content: one row per cell, in job order."""
    scenario = load_scenario(cells[0]["summary"]["scenario"])
    rows = [cell_row(cell, keys, list(scenario.milestones)) for cell in cells]
    return pd.DataFrame(rows)


def aggregate_sweep(sweep_dir: Path) -> tuple[pd.DataFrame, list[Path]]:
    """Write sweep.parquet and the figures of a sweep folder; return the table and figures."""
    from sim.figures.sweep import draw_sweep_figures

    sweep_dir = Path(sweep_dir)
    cells = read_cells(sweep_dir)
    if not cells:
        raise ConfigError(f"{sweep_dir} holds no finished cell (no N/{SUMMARY})")
    keys = swept_keys(cells, sweep_dir)
    table = sweep_table(cells, keys)
    write_parquet(table, sweep_dir / SWEEP_TABLE)
    figures = draw_sweep_figures(table, keys, cells, sweep_dir)
    return table, figures
