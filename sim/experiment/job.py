"""One job: build the model from a validated config, run R replications, write the results."""

import hashlib
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim import __version__
from sim.core.metrics import OUTCOMES, replication_table
from sim.core.model import EscalationModel
from sim.core.moves import ALLIES
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import Config
from sim.experiment.factory import build_model, build_scenario
from sim.experiment.store import SUMMARY, write_figure, write_json, write_parquet
from sim.figures.fan import make_fan_data, plot_tension_fan
from sim.history import RealPath, real_path

REPLICATIONS = "replications.parquet"
TRAJECTORIES = "trajectories.parquet"
FAN = "tension_fan.parquet"
FAN_FIGURE = "tension_fan.png"


def config_hash(config: Config) -> str:
    """Short SHA-256 of the resolved config, ignoring nothing but key order."""
    text = json.dumps(asdict(config), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class RunResult:
    """A finished job's tables, its real path and its summary."""

    model: EscalationModel
    replications: pd.DataFrame
    fan: pd.DataFrame
    real: RealPath | None
    summary: dict


def _median_week(values: pd.Series) -> float | None:
    clean = values.dropna()
    return float(np.median(clean)) if len(clean) else None


def summarize(
    config: Config,
    model: EscalationModel,
    table: pd.DataFrame,
    real: RealPath | None,
    timings: dict,
) -> dict:
    """The numbers a reader wants first, simulated beside real, as a JSON-ready dict."""
    shares = table["outcome"].value_counts(normalize=True).reindex(OUTCOMES, fill_value=0.0)
    simulated = {
        "outcome_shares": {k: float(v) for k, v in shares.items()},
        "median_first_retaliation_week": {
            a: _median_week(table[f"first_retaliation_{a}"]) for a in model.case.sides
        },
        "share_never_retaliating": {
            a: float(table[f"first_retaliation_{a}"].isna().mean()) for a in model.case.sides
        },
        "share_noticed": float(table["notice_week"].notna().mean()),
        "share_terminated": float((table["outcome"] == "terminated").mean()),
        "median_peak_tension": float(table["peak_tension"].median()),
    }
    observed = None
    if real is not None:
        observed = {
            "outcome": real.outcome,
            "first_retaliation_week": real.first_retaliation,
            "noticed": real.noticed,
            "terminated": real.outcome == "terminated",
            "peak_tension": round(float(real.tension.max()), 12),
            "milestones": real.milestones,
        }
    return {
        "scenario": model.case.name,
        "start": model.case.start.isoformat(),
        "weeks": model.weeks,
        "replications": model.replications,
        "seed": config.run.seed,
        "version": __version__,
        "config_hash": config_hash(config),
        "rules": {a: getattr(config, a).rule for a in ALLIES},
        "fit": config.fit,
        "parameters": "posterior draws, one per replication"
        if config.run.posterior
        else ("point estimate" if config.fit != "none" else "hand-set"),
        "notice_label": model.case.notice.label if model.case.notice else None,
        "us_policy": config.us.policy,
        "us_pressure": config.us.pressure,
        "simulated": simulated,
        "real": observed,
        "timings_s": timings,
    }


def show_progress(config: Config) -> bool:
    """Whether a job shows a progress bar: when asked, and when it is long enough to need one."""
    return config.run.progress and config.run.replications >= 1000


def simulate(config: Config) -> RunResult:
    """Run one job in memory (no files): the model, its tables and summary."""
    t0 = time.perf_counter()
    scenario = build_scenario(config.scenario)
    real = real_path(scenario) if scenario.events_path else None
    model = build_model(config, scenario)
    t1 = time.perf_counter()
    weeks = range(model.weeks)
    for _ in tqdm(weeks, desc="weeks", unit="wk", disable=not show_progress(config)):
        model.step()
    t2 = time.perf_counter()
    table = replication_table(model)
    fan = model.recorder.fan_table(model.dates)
    timings = {"setup": round(t1 - t0, 4), "simulate": round(t2 - t1, 4)}
    summary = summarize(config, model, table, real, timings)
    return RunResult(model, table, fan, real, summary)


def write_results(result: RunResult, folder: Path) -> Path:
    """Write a job's files into ``folder``; ``summary.json`` goes last, marking completion."""
    t0 = time.perf_counter()
    folder = Path(folder)
    write_parquet(result.replications, folder / REPLICATIONS)
    if result.model.recorder.keep:
        write_parquet(result.model.recorder.table(result.model), folder / TRAJECTORIES)
    write_parquet(result.fan, folder / FAN)
    figure = plot_tension_fan(make_fan_data(result.fan, result.model.case, result.real))
    write_figure(figure, folder / FAN_FIGURE)
    result.summary["timings_s"]["write"] = round(time.perf_counter() - t0, 4)
    result.summary["files"] = {
        p.name: p.stat().st_size
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix in (".parquet", ".png")
    }
    write_json(result.summary, folder / SUMMARY)
    return folder


def completed_summary(folder: Path, config: Config) -> dict | None:
    """The summary of a finished job in ``folder`` for this very config, else None.

    A job counts as finished when its summary exists, was made from a config with the same
    hash, and every file it lists is present with the size it had when written.
    """
    path = Path(folder) / SUMMARY
    if not path.is_file():
        return None
    try:
        summary = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    if summary.get("config_hash") != config_hash(config):
        return None
    files = summary.get("files") or {}
    for name, size in files.items():
        file = Path(folder) / name
        if not file.is_file() or file.stat().st_size != size:
            return None
    return summary


def redraw_run(folder: Path) -> Path:
    """Redraw a finished run's fan chart from its tension_fan.parquet and summary."""
    from sim.core.errors import ConfigError

    folder = Path(folder)
    if not (folder / SUMMARY).is_file() or not (folder / FAN).is_file():
        raise ConfigError(f"{folder} is neither a sweep nor a finished run (no {SUMMARY})")
    summary = json.loads((folder / SUMMARY).read_text())
    scenario = load_scenario(summary["scenario"]).with_span(summary["start"])
    scenario = replace(scenario, end=scenario.week_start(summary["weeks"] - 1))
    real = real_path(scenario) if scenario.events_path else None
    fan = pd.read_parquet(folder / FAN)
    return write_figure(plot_tension_fan(make_fan_data(fan, scenario, real)), folder / FAN_FIGURE)


def _fmt(value: object) -> str:
    if value is None:
        return "never"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def format_summary(summary: dict, folder: Path | None = None) -> str:
    """A short plain-text table: simulated distribution beside the real 2019 values."""
    sim, real = summary["simulated"], summary["real"] or {}
    rows = [("outcome", "simulated share", "real")]
    for outcome, share in sim["outcome_shares"].items():
        mark = "<- real" if real.get("outcome") == outcome else ""
        rows.append((f"  {outcome}", f"{share:.1%}", mark))
    for a in sim["median_first_retaliation_week"]:
        rows.append(
            (
                f"median week of {a}'s first retaliation",
                _fmt(sim["median_first_retaliation_week"][a]),
                _fmt(real.get("first_retaliation_week", {}).get(a)),
            )
        )
    label = summary.get("notice_label") or "agreement"
    rows.append(
        (f"{label} put on notice", f"{sim['share_noticed']:.1%}", _fmt(real.get("noticed")))
    )
    rows.append(
        (f"{label} terminated", f"{sim['share_terminated']:.1%}", _fmt(real.get("terminated")))
    )
    rows.append(
        ("median peak tension", _fmt(sim["median_peak_tension"]), _fmt(real.get("peak_tension")))
    )
    width = max(len(r[0]) for r in rows)
    lines = [
        f"{summary['scenario']}: {summary['replications']} replications x {summary['weeks']} weeks"
        f" from {summary['start']} (seed {summary['seed']}, rules "
        f"{summary['rules']['seoul']}/{summary['rules']['tokyo']}, US {summary['us_policy']})",
    ]
    lines += [f"{a:<{width}}  {b:>15}  {c}" for a, b, c in rows]
    if folder is not None:
        lines.append(f"results: {folder}")
    return "\n".join(lines)
