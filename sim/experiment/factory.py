"""A config becomes a case, its real path and a model: the one way every command builds them.

Each builder also checks what needs the scenario: the scenario's files are readable and sane,
its events file lies inside its folder, the run's weeks fit the span, and the model fits in
memory. Every failure is a one-line `EscalationError` naming the file or the key.
"""

import csv
import itertools
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.core.errors import ConfigError, EscalationError, EventsFileError, ScenarioError
from sim.core.fitted import (
    DEFAULT_FIT,
    fit_file,
    fit_record,
    fit_values,
    posterior_draws,
    posterior_file,
)
from sim.core.folders import CONF_DIR, display_path
from sim.core.model import EscalationModel
from sim.core.params import lookup, with_values
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import load_case, load_scenario
from sim.experiment.budget import check_memory
from sim.experiment.config import (
    MAX_WEEKS,
    Config,
    ScenarioConfig,
    check_seed,
    job_folders,
    set_by_hand,
)
from sim.history import Event, RealPath, encode, load_events
from sim.history.event_ids import event_id_warnings

#: What reading a malformed file raises besides our own errors (YAML, encoding, CSV, values).
READ_ERRORS = (
    yaml.YAMLError,
    UnicodeDecodeError,
    csv.Error,
    ValueError,
    TypeError,
    AttributeError,
    OverflowError,
    OSError,
)


def _reason(problem: BaseException) -> str:
    if isinstance(problem, yaml.MarkedYAMLError) and problem.problem_mark is not None:
        return f"line {problem.problem_mark.line + 1}: {problem.problem} (not valid YAML)"
    if isinstance(problem, UnicodeDecodeError):
        return f"not UTF-8 text (byte {problem.start})"
    text = str(problem).strip()
    return text.splitlines()[0] if text else type(problem).__name__


def check_scenario(scenario: Scenario) -> Scenario:
    """Raise `ScenarioError` when the span is longer than a run may be (`MAX_WEEKS`).

    The loader checks the files themselves (keys, values, the events file inside the folder).
    """
    if scenario.weeks > MAX_WEEKS:
        raise ScenarioError(
            f"scenario {scenario.name!r}: the span {scenario.start} to {scenario.end} is "
            f"{scenario.weeks} weeks; a run may span at most {MAX_WEEKS} weeks "
            "(set scenario.start and scenario.end)"
        )
    return scenario


def build_scenario(config: ScenarioConfig) -> Scenario:
    """The scenario a config names, over its span, with its initial measures, checked."""
    try:
        scenario = load_case(config.name, config.start, config.end, dict(config.initial_measures))
    except EscalationError:
        raise
    except READ_ERRORS as problem:
        raise ScenarioError(
            f"scenario {config.name!r}: cannot read scenario.yaml ({_reason(problem)})"
        ) from None
    return check_scenario(scenario)


def read_events(path: str | Path, actors: tuple[str, ...] | None = None) -> list[Event]:
    """`load_events`, with unreadable files (binary, not UTF-8, huge fields) as one line."""
    try:
        return load_events(path) if actors is None else load_events(path, actors)
    except EscalationError:
        raise
    except READ_ERRORS as problem:
        raise EventsFileError(f"{path}: cannot read it ({_reason(problem)})") from None


def load_real(scenario: Scenario, events_path: str | Path | None = None) -> RealPath | None:
    """The real sequence on the scenario's grid, or None when the scenario names no events.

    Warns (`UserWarning`) about event ids the measures and the events file do not share.
    """
    path = events_path or scenario.events_path
    for message in out_of_order(scenario):  # scenario.yaml's own, with or without events
        warnings.warn(message, UserWarning, stacklevel=2)
    if path is None:
        return None
    events = read_events(path, scenario.actors)
    messages = event_id_warnings(scenario, events, str(path))
    if events_path is None:  # the scenario's own file: it should lie inside the scenario
        messages += outside_span(scenario, events, str(path))
        messages += in_force_before(scenario, events)
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=2)
    return encode(events, scenario)


def out_of_order(scenario: Scenario) -> list[str]:
    """A message for each side whose measures are not listed from mildest to harshest.

    The list is the side's escalation order (docs/model.md): a list out of order in 2019's
    case changed its fit until 2026-12-06 (docs/coding.md), without a word from the loader.
    """
    messages = []
    where = display_path(scenario.folder / "scenario.yaml") if scenario.folder else "scenario.yaml"
    for side, repertoire in scenario.measures.items():
        pairs = itertools.pairwise(repertoire.measures)
        first = next(((a, b) for a, b in pairs if b.intensity < a.intensity), None)
        if first is not None:
            a, b = first
            messages.append(
                f"{where}: measures.{side} are not "
                f"listed from mildest to harshest ({a.id} {a.intensity:g} before {b.id} "
                f"{b.intensity:g}); the list is the side's escalation order"
            )
    return messages


def outside_span(scenario: Scenario, events: list[Event], source: str) -> list[str]:
    """A message for events dated outside the span scenario.yaml declares (they are ignored).

    Events outside a span narrowed on the command line are meant to be left out; outside the
    declared span they were dropped without a word.
    """
    declared = load_scenario(str(scenario.folder or scenario.name))
    outside = [e for e in events if not 0 <= declared.week_of(e.date) < declared.weeks]
    if not outside:
        return []
    return [
        f"{source}, line {outside[0].line}: {len(outside)} event(s) dated outside the span of "
        f"scenario.yaml ({declared.start} to {declared.end}), the first {outside[0].date}, "
        "are ignored; widen start or end there, or remove them"
    ]


def in_force_before(scenario: Scenario, events: list[Event]) -> list[str]:
    """A message when events before a later ``scenario.start`` left measures in force.

    Started later on the command line, a run put none of them in force, so its real column
    read "never" for measures 2019 had long enacted; `scenario.initial_measures` says what was.
    """
    state: dict[str, dict[str, bool]] = {side: {} for side in scenario.measures}
    for event in (e for e in events if e.date < scenario.start and e.actor in state):
        for measure in scenario.measures[event.actor].measures:
            if event.move in measure.events or event.move in measure.lifted_by:
                state[event.actor][measure.id] = event.move in measure.events
    missing = {
        side: [
            m
            for m, on in found.items()
            if on and not scenario.initial.get(side, 0) & scenario.measures[side].mask([m])
        ]
        for side, found in state.items()
    }
    given = " ".join(
        f"+scenario.initial_measures.{side}=[{','.join(ids)}]"
        for side, ids in missing.items()
        if ids
    )
    if not given:
        return []
    return [
        f"events before scenario.start ({scenario.start}) put measures in force that are not "
        f"in force at the start; if they were, add {given}"
    ]


def horizon(config: Config, scenario: Scenario) -> int:
    """The weeks a run of ``config`` lasts: ``run.weeks``, at most the scenario's span."""
    weeks = config.run.weeks
    if weeks is None:
        return scenario.weeks
    if weeks > scenario.weeks:
        raise ConfigError(
            f"run.weeks={weeks} is beyond the scenario's span: it has {scenario.weeks} weeks at "
            f"most ({scenario.start} to {scenario.end})",
            advice="lower run.weeks or set scenario.end",
        )
    return weeks


def build_model(
    config: Config, scenario: Scenario | None = None, **changes: Any
) -> EscalationModel:
    """The model a config describes, seeded with ``run.seed``.

    ``changes`` replace `EscalationModel` keyword arguments taken from ``run`` (replications,
    weeks, keep_trajectories, rng) or add others (track, forcing). Raises `ConfigError` when
    the weeks exceed the span, a seed is out of range, or the model would not fit in memory.
    """
    scenario = scenario or build_scenario(config.scenario)
    arguments = {
        "replications": config.run.replications,
        "weeks": horizon(config, scenario),
        "keep_trajectories": config.run.trajectories,
        "rng": config.run.seed,
        **changes,
    }
    if arguments["weeks"] is None:
        arguments["weeks"] = scenario.weeks
    if isinstance(arguments["rng"], int):  # a seed given apart from the config (a game's)
        check_seed(arguments["rng"], "seed")
    check_memory(arguments["replications"], arguments["weeks"], arguments["keep_trajectories"])
    if config.run.posterior:
        config = posterior_config(config)
    return EscalationModel(scenario=scenario, params=config.model_params, **arguments)


#: The random stream posterior draws come from: ``SeedSequence(run.seed, spawn_key=(it,))``,
#: apart from the model's own draws and from the streams of blocks (`sim.experiment.blocks`).
POSTERIOR_STREAM = 1 << 31


def posterior_config(config: Config, folders: Sequence[str] | None = None) -> Config:
    """``config`` with each replication's fitted values drawn from the fit's posterior.

    The posterior holds every value the fit estimated, the conduct's included
    (`sim.analysis.posterior`), so each replication gets a whole draw.

    Draws are taken with replacement out of ``<fit>.posterior.parquet`` beside the fit's preset
    (in ``conf/fit`` or a ``hydra.searchpath`` folder: ``folders``, default the Hydra job's,
    as `sim.experiment.config.config_folders` gives them), from a stream
    of ``run.seed``, once for the whole run (so blocks of a large run share one set of draws);
    keys not in the posterior keep the config's values. A fitted key given another value is
    refused (the draws would replace it while the saved config showed it). The result has
    ``run.posterior`` off: its parameters are already the draws.
    """
    if config.fit == "none":
        raise ConfigError(
            "run.posterior=true draws from a fit's posterior, and fit=none runs the hand-set "
            "values, which have none; drop one of the two"
        )
    folders = job_folders() if folders is None else folders
    draws = posterior_draws(config.fit, folders)
    if draws is None:
        where = posterior_file(config.fit, folders)
        how = "escalation calibrate"
        if config.fit != DEFAULT_FIT:
            how += f" calibrate.fit={config.fit}"
        if where.parent.parent.resolve() != CONF_DIR.resolve():  # a fit of one's own
            how += f" calibrate.conf_dir={where.parent.parent}"
        raise ConfigError(
            f"run.posterior=true needs posterior draws of the fit {config.fit!r} "
            f"({display_path(where)}); run `{how}` with calibrate.posterior=true (the default) "
            "and the options the fit was made with first"
        )
    if (fit_record(config.fit, folders) or {}).get("posterior_converged") is False:
        warnings.warn(
            f"the posterior of the fit {config.fit!r} did not converge (its calibration said "
            "so): the runs draw from chains that may not be a posterior; run `escalation "
            "calibrate` again with longer chains (calibrate.steps)",
            UserWarning,
            stacklevel=2,
        )
    fitted = set(fit_values(config.fit, fit_file(config.fit, folders)))
    if set(draws.columns) != fitted:
        raise ConfigError(
            f"{display_path(posterior_file(config.fit, folders))} is not the posterior of the fit "
            f"{config.fit!r}: it samples {', '.join(sorted(draws.columns))}, the fit sets "
            f"{', '.join(sorted(fitted))}",
            advice="run `escalation calibrate` again with calibrate.posterior=true",
        )
    check_draws(draws, config, posterior_file(config.fit, folders))
    overridden = set_by_hand(config, folders)
    if overridden:  # the draws would replace the value given, and the config misdescribe the run
        raise ConfigError(
            f"run.posterior=true draws every value of the fit {config.fit!r} from its "
            f"posterior, so {', '.join(overridden)} would not be used: drop run.posterior=true "
            "to run the value given, or drop the value to run the posterior"
        )
    stream = np.random.SeedSequence(config.run.seed, spawn_key=(POSTERIOR_STREAM,))
    rows = np.random.default_rng(stream).integers(len(draws), size=config.run.replications)
    drawn = with_values(config, {k: draws[k].to_numpy()[rows] for k in draws.columns})
    return replace(drawn, run=replace(drawn.run, posterior=False))


def check_draws(draws: pd.DataFrame, config: Config, path: Path) -> None:
    """Raise `ConfigError` naming ``path`` unless every draw is a number in its key's range.

    Checked whole, before any run: an empty file, a column of text or a draw out of range
    had ended in a traceback, or only when a seed happened to draw the bad row.
    """
    where = display_path(path)
    advice = "restore it, or run `escalation calibrate` again"
    if draws.empty:
        raise ConfigError(f"{where} holds no posterior draws", advice=advice)
    for key in draws.columns:
        column = draws[key]
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            raise ConfigError(f"{where}: the draws of {key} are not numbers", advice=advice)
        values = column.to_numpy(dtype=float)
        if not np.isfinite(values).all():
            raise ConfigError(f"{where}: a draw of {key} is missing or not finite", advice=advice)
        low, high = lookup(config, key)[0].metadata.get("range", (-np.inf, np.inf))
        if values.min() < low or values.max() > high:
            raise ConfigError(
                f"{where}: draws of {key} from {values.min():.6g} to {values.max():.6g} leave "
                f"its allowed range [{low}, {high}]",
                advice=advice,
            )


def drawn_values(config: Config) -> pd.DataFrame:
    """The fitted values each replication of a ``run.posterior`` run draws, one row each.

    A run's folder keeps them (`sim.experiment.job.DRAWS`): rewriting the fit's posterior file
    changes what the same command draws, and the run's config says only which fit it drew from.
    """
    drawn = posterior_config(config)
    size = config.run.replications
    values = {
        key: np.broadcast_to(np.asarray(lookup(drawn, key)[1]), size)
        for key in sorted(fit_values(config.fit, fit_file(config.fit, job_folders())))
    }
    return pd.DataFrame({"replication": np.arange(size), **values})
