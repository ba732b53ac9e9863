"""One job: simulate R replications of a validated config, stream the results, resume.

A job writes its folder's files as it goes (replication and trajectory tables in Parquet row
groups, one block of replications at a time, so memory stays bounded), then the fan chart,
then ``summary.json`` last. A folder whose summary records the same `RunIdentity` and whose
files all have their recorded sizes is complete and kept; any other folder is cleared of the
files a job writes before the job starts again, so it never mixes two runs.
"""

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException
from tqdm.auto import tqdm

from sim import __version__
from sim.core.errors import ConfigError
from sim.core.metrics import outcome_shares, replication_table
from sim.core.moves import ALLIES
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import load_scenario
from sim.experiment.blocks import Block, TensionFan, block_spans, simulate_blocks
from sim.experiment.config import Config, parameter_source
from sim.experiment.factory import build_scenario, drawn_values, horizon, load_real
from sim.experiment.identity import config_hash, run_identity
from sim.experiment.store import (
    SUMMARY,
    ParquetStream,
    remove_leftovers,
    write_figure,
    write_json,
    write_parquet,
)
from sim.figures.fan import make_fan_data, plot_tension_fan
from sim.history import RealPath
from sim.reports.run import RealOutcomes, RunIdentity, RunSummary, SimulatedOutcomes

REPLICATIONS = "replications.parquet"
TRAJECTORIES = "trajectories.parquet"
FAN = "tension_fan.parquet"
FAN_FIGURE = "tension_fan.png"
#: Every file a job writes (a rerun removes them all before it starts).
DRAWS = "posterior_draws.parquet"  # with run.posterior=true: each replication's fitted values
OUTPUTS = (SUMMARY, REPLICATIONS, TRAJECTORIES, FAN, FAN_FIGURE, DRAWS)


def summary_columns(scenario: Scenario, follow: bool) -> list[str]:
    """The replication-table columns the summary needs, kept for every replication."""
    sides = [f"first_retaliation_{a}" for a in scenario.sides]
    settled = ["outcome_settled"] if follow else []
    return ["outcome", *settled, "notice_week", "peak_tension", *sides]


def show_progress(config: Config) -> bool:
    """Whether a job shows a progress bar: when asked, and when it is long enough to need one."""
    return config.run.progress and config.run.replications >= 1000


def _median_week(values: pd.Series) -> float | None:
    clean = values.dropna()
    return float(np.median(clean)) if len(clean) else None


def simulated_outcomes(table: pd.DataFrame, sides: tuple[str, ...]) -> SimulatedOutcomes:
    """Outcome shares and medians of a replication table (`summary_columns` suffice)."""
    settled = table["outcome_settled"] if "outcome_settled" in table else None
    return SimulatedOutcomes(
        outcome_shares=outcome_shares(table["outcome"]),
        outcome_shares_settled=None if settled is None else outcome_shares(settled),
        median_first_retaliation_week={
            a: _median_week(table[f"first_retaliation_{a}"]) for a in sides
        },
        share_never_retaliating={
            a: float(table[f"first_retaliation_{a}"].isna().mean()) for a in sides
        },
        share_noticed=float(table["notice_week"].notna().mean()),
        share_terminated=float((table["outcome"] == "terminated").mean()),
        median_peak_tension=float(table["peak_tension"].median()),
    )


def real_outcomes(real: RealPath | None) -> RealOutcomes | None:
    """The real path's values beside the simulated ones."""
    if real is None:
        return None
    return RealOutcomes(
        outcome=real.outcome,
        first_retaliation_week=dict(real.first_retaliation),
        noticed=real.noticed,
        terminated=real.outcome == "terminated",
        peak_tension=round(float(real.tension.max()), 12),
        milestones=dict(real.milestones),
    )


def run_real(config: Config, scenario: Scenario) -> RealPath | None:
    """The real path over the weeks a run lasts: ``run.weeks`` cuts it as ``scenario.end`` does.

    Uncut, a 10-week run's summary set its runs beside the whole of 2019 (the notice of week
    42, the peak of the year) while its fan chart showed the 10 weeks.
    """
    weeks = horizon(config, scenario)
    if weeks == scenario.weeks:
        return load_real(scenario)
    return load_real(replace(scenario, end=scenario.week_start(weeks - 1)))


def summarize(
    config: Config,
    scenario: Scenario,
    identity: RunIdentity,
    table: pd.DataFrame,
    real: RealPath | None,
    timings: dict[str, float],
) -> RunSummary:
    """The numbers a reader wants first, simulated beside real, with the run's provenance."""
    return RunSummary(
        scenario=scenario.name,
        start=scenario.start.isoformat(),
        weeks=horizon(config, scenario),
        replications=config.run.replications,
        seed=config.run.seed,
        version=__version__,
        config_hash=config_hash(config),
        identity=identity,
        rules={  # per side by name, like the other per-side values: slot i is sides[i]
            side: config.model_params.strategy(slot).rule
            for side, slot in zip(scenario.sides, ALLIES, strict=True)
        },
        fit=config.fit,
        parameters=parameter_source(config),
        us_policy=config.us.policy,
        us_pressure=float(config.us.pressure),
        patron_presses=list(scenario.pressed),
        patron=scenario.patron,
        patron_alarm={
            "domains": list(scenario.alarm.domains),
            "sides": list(scenario.alarm.sides),
        },
        notice_label=scenario.notice.label if scenario.notice else None,
        simulated=simulated_outcomes(table, scenario.sides),
        real=real_outcomes(real),
        blocks=len(block_spans(config.run.replications)),
        timings_s=timings,
    )


def numbered(table: pd.DataFrame, start: int) -> pd.DataFrame:
    """A block's table with its replications numbered from ``start``."""
    if start:
        table["replication"] = (table["replication"] + start).astype(np.int32)
    return table


@dataclass
class RunResult:
    """A job run in memory: its replication table, tension fan, real path and summary."""

    replications: pd.DataFrame
    fan: pd.DataFrame
    real: RealPath | None
    summary: RunSummary
    blocks: list[Block]


def simulate(config: Config) -> RunResult:
    """Run one job in memory (no files); for tests, notebooks and benchmarks."""
    t0 = time.perf_counter()
    scenario = build_scenario(config.scenario)
    fan = TensionFan(horizon(config, scenario))  # a bad run.weeks: one line, before warnings
    real = run_real(config, scenario)
    t1 = time.perf_counter()
    blocks = list(simulate_blocks(config, scenario, fan))
    tables = [numbered(replication_table(b.model), b.start) for b in blocks]
    table = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    timings = {"setup": round(t1 - t0, 4), "simulate": round(time.perf_counter() - t1, 4)}
    identity = run_identity(config, scenario)
    summary = summarize(config, scenario, identity, table, real, timings)
    return RunResult(table, fan.table(blocks[0].model.dates), real, summary, blocks)


def read_summary(folder: Path) -> RunSummary:
    """The folder's ``summary.json``; raise `ConfigError` when it is missing or malformed."""
    path = Path(folder) / SUMMARY
    try:
        return RunSummary.from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise ConfigError(f"{folder} holds no {SUMMARY}: the run did not finish") from None
    except (ValueError, UnicodeDecodeError) as problem:
        detail = str(problem).splitlines()[0] if str(problem) else type(problem).__name__
        raise ConfigError(f"{path} is not a run summary ({detail}); run the job again") from None


def run_scenario(folder: Path, summary: RunSummary) -> str:
    """The scenario a finished run ran, as `load_scenario` takes it: a name or a folder.

    ``summary.json`` holds the case's name, which names no shipped folder when the case was
    given by path (``scenario.name=/tmp/cases/x``); the run's resolved config (``.hydra``)
    holds what it ran, a relative path read from the folder the run was started in.
    """
    hydra = Path(folder) / ".hydra"
    try:
        name = str(OmegaConf.load(hydra / "config.yaml").scenario.name)
        cwd = OmegaConf.load(hydra / "hydra.yaml").hydra.runtime.cwd
    except (OSError, ValueError, AttributeError, KeyError, OmegaConfBaseException):
        return summary.scenario
    if os.sep not in name and not Path(name).is_absolute():
        return name
    return str(Path(cwd) / name) if cwd else name


def check_files(folder: Path, summary: RunSummary, redrawn: tuple[str, ...] = ()) -> None:
    """Raise `ConfigError` unless every file the summary lists has its recorded size.

    Files in ``redrawn`` (figures about to be drawn again) may be missing.
    """
    for name, size in summary.files.items():
        if name in redrawn:
            continue
        file = Path(folder) / name
        if not file.is_file():
            raise ConfigError(f"{folder} lacks {name}, which its {SUMMARY} lists; run it again")
        if file.stat().st_size != size:
            raise ConfigError(
                f"{folder}/{name} has {file.stat().st_size} bytes, but its {SUMMARY} recorded "
                f"{size}: the folder mixes two runs; run the job again"
            )


@dataclass(frozen=True)
class Resume:
    """What a folder holds for a job: a complete run of it, or why it must run (again)."""

    complete: RunSummary | None
    reasons: tuple[str, ...]


def resume_state(folder: Path, identity: RunIdentity) -> Resume:
    """Whether ``folder`` already holds this very run, complete; else what differs."""
    if not (Path(folder) / SUMMARY).exists():
        return Resume(None, ())
    try:
        summary = read_summary(folder)
        check_files(folder, summary)
    except ConfigError as problem:
        return Resume(None, (str(problem),))
    changed = identity.differences(summary.identity)
    if changed:
        return Resume(None, (f"{', '.join(changed)} changed since it was computed",))
    return Resume(summary, ())


def clear(folder: Path) -> None:
    """Remove a job's files (the summary first) and leftover temporary files from ``folder``."""
    for name in OUTPUTS:
        (Path(folder) / name).unlink(missing_ok=True)
    remove_leftovers(folder)


def run_into(
    config: Config,
    folder: Path,
    scenario: Scenario | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> RunSummary:
    """Run the job into ``folder`` (cleared first), streaming tables; the summary goes last.

    ``progress(total, blocks)`` makes a tqdm-like bar over ``total`` weeks, summed over the
    run's blocks of replications.
    """
    t0 = time.perf_counter()
    folder = Path(folder)
    scenario = scenario or build_scenario(config.scenario)
    weeks = horizon(config, scenario)  # a bad run.weeks: one line, before warnings
    real = run_real(config, scenario)
    identity = run_identity(config, scenario)
    clear(folder)
    fan = TensionFan(weeks)
    kept: list[pd.DataFrame] = []
    blocks = len(block_spans(config.run.replications))
    bar = progress(blocks * weeks, blocks) if progress else None
    t1 = time.perf_counter()
    try:
        with ParquetStream(folder / REPLICATIONS) as table_file:
            with ParquetStream(folder / TRAJECTORIES) as paths_file:
                for block in simulate_blocks(config, scenario, fan, bar):
                    table = numbered(replication_table(block.model), block.start)
                    table_file.write(table)
                    kept.append(table[summary_columns(scenario, config.run.follow)])
                    if config.run.trajectories:
                        trajectories = block.model.recorder.table(block.model)
                        paths_file.write(numbered(trajectories, block.start))
                    dates = block.model.dates
                    del block, table
    finally:  # an interruption too: the bar ends its line before the error is said
        if bar is not None:
            bar.close()  # type: ignore[attr-defined]
    t2 = time.perf_counter()
    fan_table = fan.table(dates)
    write_parquet(fan_table, folder / FAN)
    table = pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]
    summary = summarize(config, scenario, identity, table, real, {})
    fan_data = make_fan_data(fan_table, scenario, real, summary.caption())
    write_figure(plot_tension_fan(fan_data), folder / FAN_FIGURE)
    summary.timings_s = {
        "setup": round(t1 - t0, 4),
        "simulate": round(t2 - t1, 4),
        "write": round(time.perf_counter() - t2, 4),
    }
    written = [REPLICATIONS, FAN, FAN_FIGURE] + ([TRAJECTORIES] if config.run.trajectories else [])
    if config.run.posterior:
        written.append(DRAWS)
        write_parquet(drawn_values(config), folder / DRAWS)
    summary.files = {name: (folder / name).stat().st_size for name in sorted(written)}
    write_json(summary.to_dict(), folder / SUMMARY)
    return summary


def progress_bar(total: int, blocks: int = 1, label: str = "") -> object:
    """A tqdm bar over ``total`` weeks, summed over the run's ``blocks`` of replications.

    ``label`` (a sweep cell's ``[cell k/N] ``) heads it: a parallel launcher's cells draw
    their bars on one terminal line by turns, which read as one bar jumping back and forth.
    """
    weeks = "weeks" if blocks == 1 else f"weeks of {blocks} blocks"
    return tqdm(total=total, desc=label + weeks, unit="wk")


def redraw_run(folder: Path) -> Path:
    """Redraw a finished run's fan chart from its tension_fan.parquet and summary."""
    folder = Path(folder)
    summary = read_summary(folder)
    check_files(folder, summary, redrawn=(FAN_FIGURE,))
    if FAN not in summary.files:
        raise ConfigError(f"{folder} is not a run folder: its {SUMMARY} lists no {FAN}")
    scenario = load_scenario(run_scenario(folder, summary)).with_span(summary.start)
    scenario = replace(scenario, end=scenario.week_start(summary.weeks - 1))
    real = load_real(scenario)
    try:
        fan = pd.read_parquet(folder / FAN)
    except (OSError, ValueError) as problem:
        raise ConfigError(f"{folder / FAN} cannot be read ({problem}); run the job again") from None
    fan_data = make_fan_data(fan, scenario, real, summary.caption())
    figure = write_figure(plot_tension_fan(fan_data), folder / FAN_FIGURE)
    summary.files[FAN_FIGURE] = figure.stat().st_size
    write_json(summary.to_dict(), folder / SUMMARY)
    return figure
