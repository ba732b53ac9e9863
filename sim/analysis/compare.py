"""Compare a model configuration with a real event sequence (`escalation compare`).

Views, each a number a reader can check (docs/comparison.md says how to read them): the
log-likelihood of the real acts under the model with the real history fed in, beside four
baselines fitted on the same data (or on ``train_events``), each with its parameter count, AIC
and BIC; where each real milestone's week falls among free runs; the share of runs ending in
the real outcome; the distance between the real and simulated tension paths and the band's
coverage; the real counts and burstiness of the moves beside the runs'; optionally the rolling-
origin forecasts (`compare.rolling=true`: the model refitted at every origin, minutes).
"""

import csv
import dataclasses
import time
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.analysis.baselines import MoveData
from sim.analysis.case import Case, build_case, load_case_events
from sim.analysis.conduct_fit import act_log_probabilities, fit_conduct
from sim.analysis.forecast import first_origin, rolling_origin
from sim.analysis.insample import InSample, baseline_rows, make_row, split_when
from sim.analysis.predictive import (
    count_checks,
    milestone_checks,
    outcome_probability,
    path_check,
)
from sim.analysis.results import ComparisonReport
from sim.analysis.space import Space
from sim.core.errors import ConfigError, EventsFileError
from sim.core.fitted import fit_record
from sim.core.folders import CONF_DIR, display_path
from sim.core.metrics import replication_table
from sim.core.model import EscalationModel
from sim.core.moves import ALLIES
from sim.core.params import ModelParams
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import CompareJobConfig, job_folders, parameter_source
from sim.experiment.factory import build_model


@dataclass
class Comparison:
    """A finished comparison: the case, the simulated runs, and the typed report."""

    case: Case
    model: EscalationModel
    table: pd.DataFrame
    fan: pd.DataFrame
    model_moves: np.ndarray  # (weeks, sides) log-probabilities of the real moves
    baseline_moves: dict[str, np.ndarray]
    report: ComparisonReport


def model_acts(params: ModelParams, case: Case) -> float:
    """Log-likelihood of the real acts given their moves under the config's own conduct."""
    total = 0.0
    for side, slot in zip(case.scenario.sides, ALLIES, strict=True):
        rule = params.strategy(slot)
        values = act_log_probabilities(
            case.scenario.measures[side],
            case.real,
            side,
            case.scenario.initial.get(side, 0),
            rule.signal,
            rule.lift,
            params.conduct.order,
            params.conduct.burst,
            notice=case.scenario.notice,
        )
        total += float(np.maximum(values, np.log(np.finfo(float).tiny)).sum())
    return total


def model_parameters(config: CompareJobConfig) -> int:
    """The model's parameter count: the count the fit ``fit=NAME`` records; 0 for fit=none.

    A value of the fit set by hand on the command line leaves the count as it is: the other
    values were still chosen on the data (and that one with them in view). The count once
    fell to 0 for any such value and for any fit but the default, which flattered the model
    (AIC 226.0 where the fit's own is 250.0).
    """
    if config.fit == "none":
        return 0
    record = fit_record(config.fit, job_folders())
    if record is None:
        raise ConfigError(
            f"the fit {config.fit!r} has no record ({config.fit}.json beside its preset) that "
            "counts its parameters: run `escalation calibrate` again to write it"
        )
    return int(record["parameters"])


#: Fewer training weeks than this for ``train_events`` draw a warning.
TRAIN_WEEKS = 8


def load_training(config: CompareJobConfig, case: Case) -> Case:
    """The sequence ``train_events`` names, coded for fitting the baselines.

    An events file inside another case's folder (a ``scenario.yaml`` beside it, in a folder
    other than the compared case's, whatever its name) is that case: its own actors, measures
    and span, its sides matched to the compared case's by position, as leave-one-case-out
    trains on the other cases. Any other file is read as a sequence of the compared case, on
    the compared span.
    """
    path = Path(config.train_events or "")
    if path.is_dir():  # as `events=` says it
        raise EventsFileError(f"train_events: {path} is a folder; give the events file in it")
    if not path.is_file():  # named, as `events=` and `train_events=` both read events files
        raise EventsFileError(f"train_events: no events file at {path}")
    beside = path.parent / "scenario.yaml"
    compared = case.scenario.folder
    if beside.is_file() and (compared is None or path.parent.resolve() != compared.resolve()):
        folder = str(path.parent.resolve())  # another folder, even under the same case name
        other = load_scenario(folder)
        start, end = other.start.isoformat(), other.end.isoformat()
        return load_case_events(folder, path, start, end, role="training")
    s = config.scenario
    return load_case_events(s.name, path, s.start, s.end, role="training")


def training_file(config: CompareJobConfig, case: Case) -> str | None:
    """``train_events``, or None when it is unset or names the compared file itself.

    A file holding any row compared (a copy of the case, the case it was cut from) is refused:
    baselines fitted on it have seen what they are scored on, and the report would call them
    out of sample. The compared file itself (by path or by content) fitted the baselines as if
    trained elsewhere (smoothed), scored them unlike the default in-sample fit, and dropped
    the report's note that the baselines are in sample; it now means the default, and says so.
    """
    train = config.train_events
    if not train:
        return None
    training, whole = event_rows(train), event_rows(case.events_path)
    first, last = case.scenario.start, case.scenario.week_start(case.scenario.weeks - 1)
    compared = {row for row in whole if first <= row[0] < last + WEEK}  # the span's rows
    if Path(train).resolve() == Path(case.events_path).resolve() or training == whole:
        warnings.warn(
            f"train_events={train} is the compared file: the baselines are fitted on it in "
            "sample, as without train_events",
            UserWarning,
            stacklevel=2,
        )
        return None
    shared = sorted(compared & training)
    if shared:  # a copy of the case, its parent case, ...: the baselines saw what they score
        day, actor, move = shared[0]
        raise ConfigError(
            f"train_events={train} holds {len(shared)} of the {len(compared)} rows compared "
            f"(the earliest: {day} {actor} {move}), so baselines fitted on it are not out of "
            "sample; give the events of another case, or drop train_events to fit them on "
            "the compared events, in sample"
        )
    return train


WEEK = timedelta(days=7)


def event_rows(path: str | Path) -> set[tuple[date, str, str]]:
    """The ``(date, actor, move)`` of each row of an events file; none if it cannot be read.

    A file that cannot be read is refused later, with its own line, by whatever reads it.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            rows = list(csv.DictReader(file))
        return {(date.fromisoformat(r["date"]), r["actor"], r["move"]) for r in rows}
    except (OSError, UnicodeDecodeError, csv.Error, KeyError, TypeError, ValueError):
        return set()


def score_in_sample(config: CompareJobConfig, case: Case) -> tuple:
    """The in-sample table and the baselines' weekly scores.

    The model is the config's; the baselines (and the conduct they share) are fitted on
    ``train_events`` when given, else on the compared sequence itself.
    """
    params = config.model_params
    scored = case.episode().score(params)
    model_moves = scored.moves[:, 0]
    train = case
    if case.weeks < TRAIN_WEEKS:  # the Markov chain's 22 parameters fitted on 2 side-weeks
        warnings.warn(
            f"{display_path(case.events_path)} covers {case.weeks} week(s) from "
            f"{case.scenario.start}: the model is scored and the baselines are fitted on very "
            "little data",
            UserWarning,
            stacklevel=2,
        )
    if config.train_events:
        train = load_training(config, case)
        if train.weeks < TRAIN_WEEKS:
            warnings.warn(
                f"train_events={config.train_events} covers {train.weeks} week(s) from "
                f"{train.scenario.start}: the baselines are fitted on very little data",
                UserWarning,
                stacklevel=2,
            )
    conduct = fit_conduct((train.episode(),))
    if train is not case:  # the baselines score the compared acts, under the conduct of train
        conduct = dataclasses.replace(conduct, loglik=model_acts(conduct.apply(params), case))
    data = MoveData.of(case.real, case.scenario)
    train_data = data if train is case else MoveData.of(train.real, train.scenario)
    rows, scores = baseline_rows(data, train_data, conduct, case.scenario.sides)
    model = make_row(
        "model",
        model_moves,
        model_acts(params, case),
        model_parameters(config),
        case.scenario.sides,
        split_when(scored.hold[:, 0], data),
    )
    return InSample(model, rows), model_moves, scores


def simulate_case(config: CompareJobConfig, case: Case) -> EscalationModel:
    """Run ``run.replications`` free replications over the compared span.

    Runs whose notice is still running at the end are followed until it is lifted or lapses
    (`EscalationModel.follow_notices`), so the outcome is reported without censoring too.
    """
    model = build_model(config, case.scenario, weeks=None, keep_trajectories=True)
    return model.run().follow_notices()


def rolling_space(config: CompareJobConfig, record: dict | None) -> Space | None:
    """What ``compare.rolling`` refits at each origin: the keys and boxes of the chosen fit.

    ``record`` is that fit's, as `compare` read it for its report (None for fit=none). The
    hand-set model refits the default fit's keys from its own values (for a while it had
    no space, and its rolling forecasts were left out without a word); None when there is no
    fit record to take them from.
    """
    searched = record if config.fit != "none" else fit_record()
    return None if searched is None else fitted_space(config.model_params, searched)


def fitted_space(params: ModelParams, record: dict) -> Space:
    """The search space the fit of ``record`` was made in, for refitting at rolling origins.

    The record keeps its ``params`` entries with their boxes and scales, so the refits
    search what `escalation calibrate calibrate.rolling=true` searches and give its scores.
    A record written before it kept them has only its keys (and ties): their schema ranges,
    on a linear scale, are the fallback.
    """
    if "params" in record:
        return Space.of(params, list(record["params"]))
    tied = record.get("tied", {})
    return Space.of(
        params, [k + "".join(f"+{t}" for t, of in tied.items() if of == k) for k in record["keys"]]
    )


def fitted_events(record: dict) -> Path:
    """The events file a fit was made on, as its record names it (else its case's own)."""
    named = record.get("events")
    if named is None:
        return load_scenario(record["scenario"]).events_path or Path()
    path = Path(named)
    return path if path.is_absolute() else CONF_DIR.parent / path


def checked_case(config: CompareJobConfig) -> tuple[Case, CompareJobConfig]:
    """The compared case, and the config with its checked ``train_events``.

    The compared file's warnings are held until the training file has passed its checks, so
    that an error in either is the one line the user sees.
    """
    with warnings.catch_warnings(record=True) as held:
        warnings.simplefilter("always")
        case = build_case(config)
        config = dataclasses.replace(config, train_events=training_file(config, case))
    for caught in held:
        warnings.warn_explicit(caught.message, caught.category, caught.filename, caught.lineno)
    return case, config


def compare(config: CompareJobConfig) -> Comparison:
    """Score ``config`` against the real sequence and simulate it over the same span."""
    t0 = time.perf_counter()
    case, config = checked_case(config)
    origin = None
    if config.compare.rolling:
        origin = first_origin(case.scenario, config.compare.origin, "compare.origin")
    table_in, model_moves, baselines = score_in_sample(config, case)
    t1 = time.perf_counter()
    model = simulate_case(config, case)
    table = replication_table(model)
    fan = model.recorder.fan_table(model.dates)
    t2 = time.perf_counter()
    forecasts = None
    record = fit_record(config.fit, job_folders()) if config.fit != "none" else None
    space = rolling_space(config, record)
    if origin is not None and space is not None:
        forecasts = rolling_origin(space, case.episode(), origin, config.run.seed)
    probability, shares = outcome_probability(table, case.real.outcome)
    settled, settled_shares = outcome_probability(table, case.real.outcome, "outcome_settled")
    sides = case.scenario.sides
    moves = {s: model.recorder.move[s].T for s in sides}
    report = ComparisonReport(
        scenario=case.scenario.name,
        events=display_path(case.events_path),
        train_events=display_path(config.train_events) if config.train_events else None,
        start=case.scenario.start.isoformat(),
        end=case.scenario.end.isoformat(),
        weeks=case.weeks,
        sides=sides,
        pressed=case.scenario.pressed,
        patron=case.scenario.patron,
        notice=case.scenario.notice.label if case.scenario.notice else None,
        fitted_on=record["scenario"] if record else None,
        fit=config.fit if record else None,
        own_events=record is None or case.holds_events_of(fitted_events(record)),
        fitted_events=None if record is None else display_path(fitted_events(record)),
        parameters=parameter_source(config),
        us_policy=config.us.policy,
        us_pressure=float(config.us.pressure),
        initial={
            s: case.scenario.measures[s].ids_in_force(case.scenario.initial.get(s, 0))
            for s in sides
        },
        events_left_out=case.left_out,
        replications=config.run.replications,
        seed=config.run.seed,
        version=__version__,
        rules={slot: config.model_params.strategy(slot).rule for slot in ALLIES},
        in_sample=table_in,
        milestones=milestone_checks(case.scenario, case.real, table),
        outcome=case.real.outcome,
        outcome_probability=probability,
        outcome_shares=shares,
        outcome_probability_settled=settled,
        outcome_shares_settled=settled_shares,
        path=path_check(case.real.tension, fan),
        counts=count_checks(case.real, sides, moves),
        forecasts=forecasts,
        weekly_model=model_moves,
        timings={"likelihood": round(t1 - t0, 4), "simulate": round(t2 - t1, 4)},
    )
    return Comparison(case, model, table, fan, model_moves, baselines, report)
