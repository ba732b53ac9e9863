"""Compare a model configuration with a real event sequence (`escalation compare`).

Four views, each a number a reader can check (docs/comparison.md says how to read them):
the log-likelihood of the real weekly moves under the model with the real history fed in,
beside two baselines; where each real milestone's week falls among simulated runs; the share
of runs ending in the real outcome; and the distance between the real and the simulated
tension paths.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.analysis.baselines import (
    PARAMETERS,
    base_rate_log_probabilities,
    markov_log_probabilities,
)
from sim.analysis.likelihood import TeacherForcing, real_moves, summarize
from sim.core.errors import ConfigError, EventsFileError
from sim.core.folders import display_path
from sim.core.metrics import OUTCOMES, replication_table
from sim.core.model import EscalationModel
from sim.core.moves import ALLIES
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import CompareJobConfig
from sim.experiment.factory import build_model
from sim.experiment.store import write_figure, write_json, write_text
from sim.figures.comparison import make_raster_data, plot_event_raster
from sim.figures.fan import make_fan_data, plot_tension_fan
from sim.history import Event, RealPath, encode, load_events

COMPARISON_JSON = "comparison.json"
COMPARISON_MD = "comparison.md"
FAN_FIGURE = "tension_fan.png"
RASTER_FIGURE = "event_raster.png"
BASELINES = ("base_rates", "markov")


@dataclass(frozen=True)
class Case:
    """A real case on the weekly grid: the scenario over the compared span and its real path."""

    scenario: Scenario
    real: RealPath
    events_path: Path
    events: list[Event]
    left_out: int  # events outside the compared span

    @property
    def weeks(self) -> int:
        """Number of weeks compared."""
        return self.scenario.weeks


def build_case(config: CompareJobConfig) -> Case:
    """Load the scenario and the events file and put the events on the compared span.

    The span is the events file's own (week of its first event to week of its last) unless
    ``scenario.start`` or ``scenario.end`` is set; the state at the start is the scenario's,
    with ``scenario.initial_rungs`` on top. Raises `EventsFileError` when no event of an ally
    falls in the span, `ConfigError` when ``run.weeks`` is set (the span decides the weeks).
    """
    if config.run.weeks is not None:
        raise ConfigError(
            f"run.weeks={config.run.weeks} does not apply to a comparison: the events file (or "
            "scenario.start and scenario.end) sets the compared weeks"
        )
    scenario = load_scenario(config.scenario.name)
    scenario = scenario.with_initial_rungs(dict(config.scenario.initial_rungs))
    path = Path(config.events) if config.events else scenario.events_path
    if path is None:
        raise EventsFileError(
            f"scenario {scenario.name!r} names no events file; give one with events=PATH"
        )
    events = load_events(path)
    first, last = events[0].date, events[-1].date
    scenario = scenario.with_span(
        config.scenario.start or first.isoformat(), config.scenario.end or last.isoformat()
    )
    inside = [e for e in events if 0 <= scenario.week_of(e.date) < scenario.weeks]
    span = f"{scenario.start} to the week of {scenario.end}"
    if not inside:
        raise EventsFileError(
            f"{path}: its events run from {first} to {last}, outside the compared span "
            f"({span}); set scenario.start and scenario.end to cover them, or leave both unset"
        )
    if not any(e.actor in ALLIES for e in inside):
        raise EventsFileError(
            f"{path}: no move of {' or '.join(ALLIES)} falls in the compared span ({span}); "
            "there is nothing to score"
        )
    return Case(scenario, encode(events, scenario), path, events, len(events) - len(inside))


def baseline_log_probabilities(real: RealPath) -> dict[str, np.ndarray]:
    """Each baseline's log-probability of each real move, fitted in sample: (weeks, allies)."""
    moves = real_moves(real)
    return {
        "base_rates": np.stack(
            [base_rate_log_probabilities(moves[:, i]) for i in range(len(ALLIES))], axis=1
        ),
        "markov": np.stack(
            [markov_log_probabilities(moves[:, i]) for i in range(len(ALLIES))], axis=1
        ),
    }


def likelihood_report(model: np.ndarray, baselines: dict[str, np.ndarray]) -> dict:
    """Log-likelihood of the model and the baselines, and the model's gain over the better one.

    ``model`` and each baseline are (weeks, allies) arrays of log-probabilities. The gain is in
    nats per actor-week: (model total - better baseline total) / (weeks x allies).
    """
    scores = {"model": summarize(model)} | {k: summarize(v) for k, v in baselines.items()}
    better = max(baselines, key=lambda k: scores[k]["total"])
    cells = model.shape[0] * model.shape[1]
    scores["better_baseline"] = better
    scores["gain_nats_per_actor_week"] = (
        scores["model"]["total"] - scores[better]["total"]
    ) / cells
    scores["gain_per_actor"] = {
        b: {a: scores["model"]["per_actor"][a] - scores[b]["per_actor"][a] for a in ALLIES}
        for b in baselines
    }
    return scores


def milestone_report(scenario: Scenario, real: RealPath, table: pd.DataFrame) -> list[dict]:
    """For each milestone: the real week, its percentile among simulated weeks, the never share.

    The percentile is the share of runs (where the milestone happens) whose week is earlier
    than the real one, plus half the share with the same week. A simulated peak of pressure
    counts only when the pressure was ever above 0.
    """
    rows = []
    for m in scenario.milestones:
        weeks = table[m.column].astype("Float64")
        if m.kind == "peak_pressure":
            weeks = weeks.mask(table["peak_pressure"] <= 0)
        happened = weeks.dropna().to_numpy(dtype=float)
        real_week = real.milestones.get(m.id)
        percentile = None
        if real_week is not None and happened.size:
            below = float((happened < real_week).sum())
            ties = float((happened == real_week).sum())
            percentile = (below + ties / 2) / happened.size
        rows.append(
            {
                "id": m.id,
                "label": m.label,
                "real_week": real_week,
                "real_date": None
                if real_week is None
                else scenario.week_start(real_week).isoformat(),
                "percentile": percentile,
                "never_share": 1 - happened.size / len(weeks) if len(weeks) else None,
                "simulated_median_week": float(np.median(happened)) if happened.size else None,
                "simulated_q05_week": float(np.quantile(happened, 0.05)) if happened.size else None,
                "simulated_q95_week": float(np.quantile(happened, 0.95)) if happened.size else None,
            }
        )
    return rows


def dtw_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Dynamic time warping distance (Sakoe & Chiba 1978), without a window.

    The least total |a_i - b_j| along a monotone alignment of the two series.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    cost = np.abs(a[:, None] - b[None, :])
    total = np.full((len(a) + 1, len(b) + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        row, previous = total[i], total[i - 1]
        for j in range(1, len(b) + 1):
            row[j] = cost[i - 1, j - 1] + min(previous[j], row[j - 1], previous[j - 1])
    return float(total[-1, -1])


def path_report(real_tension: np.ndarray, fan: pd.DataFrame) -> dict:
    """Distance between the real tension path and the simulated median path, and band coverage.

    ``rmse`` is the root mean square of the weekly differences, ``dtw`` the dynamic time
    warping distance (total absolute difference along the best alignment; ``dtw_per_week``
    divides it by the weeks), ``band_coverage`` the share of weeks in which the real tension
    lies within the simulated 5-95% band.
    """
    median = fan["q50"].to_numpy()
    inside = (real_tension >= fan["q05"].to_numpy() - 1e-12) & (
        real_tension <= fan["q95"].to_numpy() + 1e-12
    )
    dtw = dtw_distance(real_tension, median)
    return {
        "rmse": float(np.sqrt(np.mean((real_tension - median) ** 2))),
        "dtw": dtw,
        "dtw_per_week": dtw / len(median),
        "band_coverage": float(inside.mean()),
    }


def simulate_case(config: CompareJobConfig, case: Case) -> EscalationModel:
    """Run ``run.replications`` free (unforced) replications over the compared span."""
    model = build_model(config, case.scenario, weeks=None, keep_trajectories=True)
    return model.run()


@dataclass
class Comparison:
    """A finished comparison: the case, the simulated runs, the report and its timings."""

    case: Case
    model: EscalationModel
    table: pd.DataFrame
    fan: pd.DataFrame
    report: dict


def compare(config: CompareJobConfig, case: Case | None = None) -> Comparison:
    """Score ``config`` against the real sequence and simulate it over the same span."""
    t0 = time.perf_counter()
    case = case or build_case(config)
    scorer = TeacherForcing(case.scenario, case.real)
    model_scores = scorer.log_probabilities(config)
    likelihood = likelihood_report(model_scores, baseline_log_probabilities(case.real))
    t1 = time.perf_counter()
    model = simulate_case(config, case)
    table = replication_table(model)
    fan = model.recorder.fan_table(model.dates)
    t2 = time.perf_counter()
    outcome_shares = table["outcome"].value_counts(normalize=True).reindex(OUTCOMES, fill_value=0)
    report = {
        "scenario": case.scenario.name,
        "events": display_path(case.events_path),
        "start": case.scenario.start.isoformat(),
        "end": case.scenario.end.isoformat(),
        "weeks": case.weeks,
        "initial_rungs": {
            a: case.scenario.ladders[a].rung_name(case.scenario.initial_rungs.get(a, 0))
            for a in ALLIES
        },
        "events_left_out": case.left_out,
        "replications": config.run.replications,
        "seed": config.run.seed,
        "version": __version__,
        "rules": {a: getattr(config, a).rule for a in ALLIES},
        "loglik": likelihood,
        "gain_nats_per_actor_week": likelihood["gain_nats_per_actor_week"],
        "baseline_parameters_per_actor": PARAMETERS,
        "weekly_log_probabilities": {
            "model": {a: model_scores[:, i].tolist() for i, a in enumerate(ALLIES)},
        },
        "milestones": milestone_report(case.scenario, case.real, table),
        "outcome": case.real.outcome,
        "outcome_probability": float(outcome_shares[case.real.outcome]),
        "outcome_shares": {k: float(v) for k, v in outcome_shares.items()},
        "path": path_report(case.real.tension, fan),
        "timings_s": {"likelihood": round(t1 - t0, 4), "simulate": round(t2 - t1, 4)},
    }
    return Comparison(case, model, table, fan, report)


def _number(value: object, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def likelihood_rows(loglik: dict) -> list[tuple[str, ...]]:
    """Rows of the likelihood table: model and baselines, per actor, total, per actor-week."""
    rows = [("", *ALLIES, "total", "per actor-week")]
    for name in ("model", *BASELINES):
        score = loglik[name]
        rows.append(
            (
                name.replace("_", " "),
                *(f"{score['per_actor'][a]:.2f}" for a in ALLIES),
                f"{score['total']:.2f}",
                f"{score['per_actor_week']:.4f}",
            )
        )
    return rows


def markdown_table(rows: list[tuple[str, ...]]) -> str:
    """A Markdown table from a header row and body rows."""
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def text_table(rows: list[tuple[str, ...]]) -> str:
    """A plain-text table with aligned columns (first column left, the rest right)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        )
        for row in rows
    )


def milestone_rows(milestones: list[dict]) -> list[tuple[str, ...]]:
    """Rows of the milestone table."""
    rows = [("milestone", "real week", "real date", "percentile", "never", "sim. median")]
    for m in milestones:
        rows.append(
            (
                m["label"],
                _number(m["real_week"]),
                m["real_date"] or "never",
                "—" if m["percentile"] is None else f"{m['percentile']:.0%}",
                "—" if m["never_share"] is None else f"{m['never_share']:.0%}",
                _number(m["simulated_median_week"], 1),
            )
        )
    return rows


def format_comparison(report: dict, folder: Path | None = None) -> str:
    """The plain-text table `escalation compare` prints."""
    loglik = report["loglik"]
    path = report["path"]
    lines = [
        f"{report['scenario']}: real sequence {report['events']} ({report['weeks']} weeks from "
        f"{report['start']}) against {report['replications']} runs (seed {report['seed']}, rules "
        f"{report['rules']['seoul']}/{report['rules']['tokyo']})",
        "",
        "log-likelihood of the real moves (teacher forcing)",
        text_table(likelihood_rows(loglik)),
        f"gain over the better baseline ({loglik['better_baseline'].replace('_', ' ')}): "
        f"{report['gain_nats_per_actor_week']:+.4f} nats per actor-week",
        "",
        text_table(milestone_rows(report["milestones"])),
        "",
        f"real outcome {report['outcome']}: probability {report['outcome_probability']:.1%} "
        "among the runs",
        f"tension path: RMSE {path['rmse']:.3f}, DTW {path['dtw']:.3f} "
        f"({path['dtw_per_week']:.4f} per week), real path inside the 5-95% band "
        f"{path['band_coverage']:.0%} of weeks",
    ]
    if report["events_left_out"]:
        lines.append(f"note: {report['events_left_out']} events fall outside the span, left out")
    if folder is not None:
        lines.append(f"results: {folder}")
    return "\n".join(lines)


def comparison_markdown(report: dict) -> str:
    """``comparison.md``: the report as Markdown, with its figures."""
    loglik = report["loglik"]
    path = report["path"]
    gains = loglik["gain_per_actor"]
    shares = ", ".join(f"{k} {v:.1%}" for k, v in report["outcome_shares"].items())
    initial = ", ".join(f"{a}: {r}" for a, r in report["initial_rungs"].items())
    return f"""# Comparison with the real sequence: {report["scenario"]}

Events file `{report["events"]}`, {report["weeks"]} weeks from {report["start"]} (week of the
last: {report["end"]}); rungs in force at the start: {initial}. Model: rules
{report["rules"]["seoul"]} (Seoul) and {report["rules"]["tokyo"]} (Tokyo),
{report["replications"]} simulated runs, seed {report["seed"]}, version {report["version"]}.
How to read each number: docs/comparison.md.

## Likelihood of the real moves (teacher forcing)

Log-likelihood in nats (higher is better); Washington's pressure is replayed, not scored.

{markdown_table(likelihood_rows(loglik))}

Gain over the better baseline ({loglik["better_baseline"].replace("_", " ")}):
**{report["gain_nats_per_actor_week"]:+.4f} nats per actor-week**. Per actor, model minus
base rates: {", ".join(f"{a} {v:+.2f}" for a, v in gains["base_rates"].items())}; model minus
Markov: {", ".join(f"{a} {v:+.2f}" for a, v in gains["markov"].items())}.

## Milestones

Percentile: where the real week falls among the runs in which the milestone happens (50% is
the middle; near 0% the real one came early, near 100% late). Never: share of runs without it.

{markdown_table(milestone_rows(report["milestones"]))}

## Outcome

The real outcome, `{report["outcome"]}`, has probability **{report["outcome_probability"]:.1%}**
among the runs ({shares}).

## Tension path

RMSE between the real path and the simulated median: {path["rmse"]:.3f}; dynamic time warping
distance {path["dtw"]:.3f} ({path["dtw_per_week"]:.4f} per week); the real path lies inside the
simulated 5-95% band in {path["band_coverage"]:.0%} of weeks.

![tension fan with the real path]({FAN_FIGURE})

![event raster: the real sequence above sampled runs]({RASTER_FIGURE})
"""


def write_comparison(result: Comparison, folder: Path, samples: int) -> Path:
    """Write the figures, ``comparison.md`` and (last) ``comparison.json`` into ``folder``."""
    folder = Path(folder)
    case = result.case
    fan = plot_tension_fan(make_fan_data(result.fan, case.scenario, case.real))
    write_figure(fan, folder / FAN_FIGURE)
    recorder = result.model.recorder
    raster = make_raster_data(case.scenario, case.real, recorder.move, recorder.pressure, samples)
    write_figure(plot_event_raster(raster), folder / RASTER_FIGURE)
    write_text(comparison_markdown(result.report), folder / COMPARISON_MD)
    write_json(result.report, folder / COMPARISON_JSON)
    return folder


def run_comparison(config: CompareJobConfig, folder: Path) -> Comparison:
    """`escalation compare`: build the case, compare, write the files."""
    result = compare(config)
    write_comparison(result, folder, config.compare.samples)
    return result
