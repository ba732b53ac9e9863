"""A config becomes a case, its real path and a model: the one way every command builds them.

Each builder also checks what needs the scenario: the scenario's files are readable and sane,
its events file lies inside its folder, the run's weeks fit the span, and the model fits in
memory. Every failure is a one-line `EscalationError` naming the file or the key.
"""

import csv
import math
import warnings
from pathlib import Path
from typing import Any

import yaml

from sim.core.errors import ConfigError, EscalationError, EventsFileError, ScenarioError
from sim.core.model import EscalationModel
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import load_case
from sim.event_ids import event_id_warnings
from sim.experiment.budget import check_memory
from sim.experiment.config import MAX_WEEKS, Config, ScenarioConfig, check_seed
from sim.history import Event, RealPath, encode, load_events

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
    """Raise `ScenarioError` for values the loader takes but the model cannot run on."""
    where = f"scenario {scenario.name!r}"
    lapse = scenario.notice.lapse_weeks
    if not isinstance(lapse, int) or isinstance(lapse, bool) or lapse < 1:
        raise ScenarioError(f"{where}: outcome.lapse_weeks={lapse!r} must be a whole number >= 1")
    for actor, ladder in scenario.ladders.items():
        for rung in ladder.rungs:
            if not math.isfinite(rung.intensity) or rung.intensity < 0:
                raise ScenarioError(
                    f"{where}: ladders.{actor} rung {rung.id!r} has intensity {rung.intensity}; "
                    "give a finite number >= 0"
                )
    if scenario.weeks > MAX_WEEKS:
        raise ScenarioError(
            f"{where}: the span {scenario.start} to {scenario.end} is {scenario.weeks} weeks; "
            f"a run may span at most {MAX_WEEKS} weeks (set scenario.start and scenario.end)"
        )
    events, folder = scenario.events_path, scenario.folder
    if events is not None and folder is not None:
        if not Path(events).resolve().is_relative_to(Path(folder).resolve()):
            raise ScenarioError(
                f"{where}: its events file must lie inside the scenario folder {folder}; "
                "copy the file there and name it in scenario.yaml by its file name"
            )
    return scenario


def build_scenario(config: ScenarioConfig) -> Scenario:
    """The scenario a config names, over its span, with its initial rungs, checked."""
    try:
        scenario = load_case(config.name, config.start, config.end, dict(config.initial_rungs))
    except EscalationError:
        raise
    except READ_ERRORS as problem:
        raise ScenarioError(
            f"scenario {config.name!r}: cannot read scenario.yaml ({_reason(problem)})"
        ) from None
    return check_scenario(scenario)


def read_events(path: str | Path) -> list[Event]:
    """`load_events`, with unreadable files (binary, not UTF-8, huge fields) as one line."""
    try:
        return load_events(path)
    except EscalationError:
        raise
    except READ_ERRORS as problem:
        raise EventsFileError(f"{path}: cannot read it ({_reason(problem)})") from None


def load_real(scenario: Scenario, events_path: str | Path | None = None) -> RealPath | None:
    """The real sequence on the scenario's grid, or None when the scenario names no events.

    Warns (`UserWarning`) about event ids the ladders and the events file do not share.
    """
    path = events_path or scenario.events_path
    if path is None:
        return None
    events = read_events(path)
    for message in event_id_warnings(scenario, events, str(path)):
        warnings.warn(message, UserWarning, stacklevel=2)
    return encode(events, scenario)


def horizon(config: Config, scenario: Scenario) -> int:
    """The weeks a run of ``config`` lasts: ``run.weeks``, at most the scenario's span."""
    weeks = config.run.weeks
    if weeks is None:
        return scenario.weeks
    if weeks > scenario.weeks:
        raise ConfigError(
            f"run.weeks={weeks} is beyond the scenario's span: it has {scenario.weeks} weeks at "
            f"most ({scenario.start} to {scenario.end}); lower run.weeks or set scenario.end"
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
    return EscalationModel(scenario=scenario, params=config.model_params, **arguments)
