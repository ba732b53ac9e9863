"""Strict config checks that Hydra does not make, and Hydra's own errors as one line.

Hydra checks key names and types when it composes, but it lets ``+key=value`` add any key to a
node, and NaN or infinity pass wherever a key has no range. These checks close both gaps, and
`composition_error` turns Hydra's and OmegaConf's multi-line messages into one line that names
the key and what is allowed.
"""

import dataclasses
import difflib
import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sim.core.errors import ConfigError
from sim.core.moves import ALLIES


def unknown_keys(node: DictConfig, path: str = "") -> Iterator[tuple[str, list[str]]]:
    """Each key of ``node`` (nested) that its dataclass schema lacks, with the schema's keys.

    Free-form nodes (``scenario.initial_measures``, ``payoffs.stage``) take any key; the
    ``hydra`` node is Hydra's business.
    """
    schema = OmegaConf.get_type(node)
    known = [f.name for f in dataclasses.fields(schema)] if dataclasses.is_dataclass(schema) else []
    for key in node.keys():
        name = f"{path}{key!s}"
        if name == "hydra":
            continue
        if known and key not in known:
            yield name, known
            continue
        child = node._get_node(key)
        if isinstance(child, DictConfig) and not child._is_missing() and not child._is_none():
            yield from unknown_keys(child, f"{name}.")


def unknown_key_message(key: str, known: Sequence[str], sides: Sequence[str] | None = None) -> str:
    """One line: ``key`` is not a config key, with the closest real key or the node's keys.

    ``sides``: the composed case's sides, when known, so that a side's name used as a key is
    answered with that case's own slot.
    """
    parent, _, last = key.rpartition(".")
    close = difflib.get_close_matches(last, known, n=1)
    prefix = f"{parent}." if parent else ""
    if not parent and "seoul" in known and sides and last in sides:
        hint = f"a side's options are set by slot: {slot_words(last, sides, 'SLOT.KEY')}"
    elif not parent and "seoul" in known and last in _side_names():
        hint = (
            "a side's options are set by slot, seoul.KEY for the case's first side and "
            "tokyo.KEY for its second (in thaad_2016, Seoul and Beijing)"
        )
    elif close:
        hint = f"did you mean {prefix}{close[0]}?"
    elif known:
        hint = f"{parent or 'the config'} has " + ", ".join(known)
    else:  # an empty node, such as scenario.initial_measures: add the key with +
        hint = f"{parent} is empty; add the key with +{key}=..."
    shown = key if key.isprintable() else repr(key)  # a key from a file may hold a newline
    return f"{shown} is not a config key; {hint}"


def slot_words(side: str, sides: Sequence[str], setting: str) -> str:
    """``athens is this case's first side, so use seoul.KEY``: the slot a side's name is in.

    ``setting`` is what to write instead, ``SLOT`` standing for the slot (``SLOT.KEY``,
    ``strategy@SLOT=RULE``, ``payoffs.audience.SLOT``); only that word is replaced, so a key
    the user typed is never read as a format string.
    """
    index = list(sides).index(side)
    which = ("first", "second")[index]
    use = re.sub(r"\bSLOT\b", ALLIES[index], setting)
    return f"{side} is this case's {which} side, so use {use}"


def case_sides(overrides: Sequence[str] = (), name: str | None = None) -> tuple[str, ...] | None:
    """The sides of the case that ``name`` or the overrides name (the default case if none).

    None when it does not load: its own error is said where it is used, not here.
    """
    from sim.core.errors import EscalationError
    from sim.core.scenario_yaml import DEFAULT_SCENARIO, load_scenario

    name = _case_named(overrides) or name
    try:
        return tuple(load_scenario(name or DEFAULT_SCENARIO).sides)
    except (EscalationError, OSError):
        return None


def _case_named(overrides: Sequence[str]) -> str | None:
    """The case the overrides choose, read as Hydra reads them.

    ``scenario.name=PATH`` wins over ``scenario=PRESET`` (the preset is composed first); a
    sweep's values are left out.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    chosen: dict[str, str] = {}
    for text in overrides:
        try:
            parsed = parser.parse_override(text)
        except HydraException:  # said where the override is read
            continue
        key = parsed.key_or_group
        if key in ("scenario", "scenario.name") and not parsed.is_sweep_override():
            if not parsed.is_delete():
                chosen[key] = str(parsed.value())
    return chosen.get("scenario.name") or chosen.get("scenario")


def _side_names() -> set[str]:
    """The sides the shipped cases name (``beijing``, ``canberra``): slots, not config keys."""
    from sim.core.errors import ScenarioError
    from sim.core.scenario_yaml import known_scenarios, load_scenario

    names: set[str] = set()
    for name in known_scenarios():
        try:
            names |= set(load_scenario(name).sides)
        except ScenarioError:  # a broken case is reported where it is used, not here
            continue
    return names


def check_keys(cfg: DictConfig) -> None:
    """Raise `ConfigError` for the first key the schema does not have (e.g. ``+run.foo=1``)."""
    for key, known in unknown_keys(cfg):
        name = OmegaConf.select(cfg, "scenario.name", default=None)
        raise ConfigError(unknown_key_message(key, known, case_sides(name=name)))


def _not_finite(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        return not bool(np.all(np.isfinite(value)))
    return False


def check_finite(obj: Any, path: str = "") -> None:
    """Raise `ConfigError` naming the first NaN or infinite number anywhere in ``obj``."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items: Iterator[tuple[str, Any]] = (
            (f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)
        )
    elif isinstance(obj, dict):
        items = ((str(k), v) for k, v in obj.items())
    elif isinstance(obj, list | tuple):
        items = ((f"{i}", v) for i, v in enumerate(obj))
    else:
        return
    for name, value in items:
        key = f"{path}.{name}" if path else name
        if _not_finite(value):
            raise ConfigError(f"{key}={value} is not a finite number; give a finite value")
        check_finite(value, key)


def check_stage_shape(stage: Any) -> None:
    """Raise `ConfigError` unless each stage game is a 2x2 list of numbers.

    The core's `check` tests the values; this catches shapes it cannot take apart (a number
    where a matrix belongs).
    """
    if not isinstance(stage, dict):
        raise ConfigError(f"payoffs.stage must map each ally to a 2x2 matrix, got {stage!r}")
    for actor, matrix in stage.items():
        rows = matrix if isinstance(matrix, list) else None
        if rows is None or not all(isinstance(row, list) for row in rows):
            raise ConfigError(
                f"payoffs.stage.{actor} must be a 2x2 matrix of finite numbers [[R, S], [T, P]] "
                f"(rows: own cooperate, retaliate; columns: the other's), got {matrix!r}"
            )


def _first_line(problem: BaseException) -> str:
    text = str(problem).strip()
    return text.splitlines()[0].strip() if text else type(problem).__name__


#: What a typed config value must be, in words, by OmegaConf's name for its type.
TYPE_WORDS = {
    "Integer": "a whole number (e.g. 1000)",
    "Float": "a number (e.g. 0.5)",
    "bool": "true or false",
}


def _known_keys(cause: Any) -> list[str]:
    """The keys of the node an unknown key was looked up in.

    Its schema's, or a free-form node's own (``explore.ranges.seoul``, filled by a preset).
    """
    schema = getattr(cause, "object_type", None)
    if dataclasses.is_dataclass(schema):
        return [f.name for f in dataclasses.fields(schema)]
    node = getattr(cause, "parent_node", None)
    return [str(k) for k in node.keys()] if isinstance(node, DictConfig) else []


def composition_error(problem: Exception, overrides: Sequence[str] = ()) -> ConfigError:
    """One line for an error Hydra or OmegaConf raised while composing or merging a config.

    ``overrides``: the command's, when it composed them, so that a side's name used where a
    slot goes is answered with the case they name.
    """
    from hydra.errors import MissingConfigException
    from omegaconf.errors import (
        ConfigAttributeError,
        ConfigKeyError,
        MissingMandatoryValue,
        OmegaConfBaseException,
    )

    cause = problem.__cause__ if problem.__cause__ is not None else problem
    context = problem.__context__
    if not isinstance(problem, OmegaConfBaseException) and isinstance(
        context, OmegaConfBaseException
    ):  # Hydra's report of a preset's own error, which it names
        cause = context
    where = re.match(r"In '([^']+)':", str(problem))
    within = f"{where.group(1)}: " if where and where.group(1) != "config" else ""
    if isinstance(problem, MissingConfigException):
        options = list(getattr(problem, "options", None) or [])
        detail = _first_line(problem).removeprefix("In 'config': ")
        choose = f"; choose one of {', '.join(options)}" if options else ""
        if "'scenario/" in detail:  # scenario=PATH looks for a preset, not a folder
            choose += "; a scenario folder elsewhere is given as scenario.name=PATH"
        return ConfigError(f"{detail}{choose}")
    if isinstance(cause, ConfigKeyError | ConfigAttributeError) and cause.full_key:
        key = str(cause.full_key)
        sides = case_sides(overrides) if overrides else None
        return ConfigError(within + unknown_key_message(key, _known_keys(cause), sides))
    if isinstance(cause, MissingMandatoryValue) and cause.full_key:  # e.g. `~us` on the line
        key = str(cause.full_key)
        return ConfigError(
            f"{within}{key} has no value, and every job needs one (did ~{key} remove it?); set "
            f"{key}=OPTION or the keys under it instead: escalation run --help lists both"
        )
    if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
        key, first = getattr(cause, "full_key", ""), _first_line(cause)
        kind = re.search(r"could not be converted to (\w+)|is not a valid (bool)", first)
        takes = TYPE_WORDS.get(kind.group(1) or kind.group(2)) if kind else None
        advice = f"; {key} takes {takes}" if takes else ""
        if "does not support deletion" in first:  # `~run.seed` on the line
            advice = f"; every job has {key}: set it instead ({key}=VALUE)"
        if "is not a ListConfig, list or tuple" in first:  # `params=seoul.activity`
            first, advice = "it takes a list", f", in brackets: '{key}=[A,B]'"
        return ConfigError(f"{within}{key}: {first}{advice}")
    slot = re.match(r"Could not override '(strategy@[^']*|strategy)'", _first_line(problem))
    side = slot.group(1).removeprefix("strategy@") if slot else ""
    sides = case_sides(overrides) if slot and overrides else None
    if slot and sides and side in sides:
        return ConfigError(
            f"{slot.group(1)}: a rule is set by slot: "
            + slot_words(side, sides, "strategy@SLOT=RULE")
        )
    if slot:  # rules go by slot, whatever the case's sides are called
        return ConfigError(
            f"{slot.group(1)}: a rule is set by slot, strategy@seoul=RULE for the case's first "
            "side and strategy@tokyo=RULE for its second (in thaad_2016, Seoul and Beijing)"
        )
    preset = re.match(r"Could not override '(experiment|explore)'", _first_line(problem))
    if preset:  # groups that are no default of the command: added, or another command's
        return ConfigError(PRESET_ADVICE[preset.group(1)])
    return ConfigError(_first_line(problem))


#: What to do when a preset group is overridden where it is no default.
PRESET_ADVICE = {
    "experiment": (
        "experiment=NAME: a preset is added, not picked: +experiment=NAME, with -m for the "
        "sweep presets (escalation run -m +experiment=us_pressure)"
    ),
    "explore": (
        "explore=NAME: the exploration presets are escalation explore's "
        "(escalation explore explore=morris)"
    ),
}


def file_error(problem: Exception) -> ConfigError | None:
    """One line for a file the user can fix (not YAML, a full disk), or None for anything else."""
    import errno

    from yaml import YAMLError

    if isinstance(problem, YAMLError):
        return yaml_error(problem)
    if isinstance(problem, OSError) and problem.errno == errno.ENOSPC:
        where = f" while writing {problem.filename}" if problem.filename else ""
        return ConfigError(
            f"the disk is full{where}",
            advice="free some space, or write elsewhere (hydra.run.dir=PATH, hydra.sweep.dir=PATH)",
        )
    return None


def yaml_error(problem: Exception) -> ConfigError:
    """One line for a config or preset file that is not valid YAML, naming file and line."""
    mark = getattr(problem, "problem_mark", None)
    where = f"{mark.name}, line {mark.line + 1}" if mark is not None else "a config file"
    what = getattr(problem, "problem", None) or _first_line(problem)
    return ConfigError(f"{where}: not valid YAML ({what}); correct the file")


def check_overrides(overrides: Sequence[str]) -> None:
    """Raise `ConfigError` naming the first override Hydra's grammar cannot read."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    for text in overrides:
        try:
            parsed = parser.parse_override(text)
        except HydraException as problem:  # the parser raises HydraException itself
            raise ConfigError(
                f"cannot read the override {text!r} ({_first_line(problem)}); "
                "write key=value, e.g. us.pressure=0.8"
            ) from None
        if parsed.key_or_group == "hydra.searchpath" and not parsed.is_sweep_override():
            check_search_path(parsed.value())


def check_search_path(entries: object) -> None:
    """Raise `ConfigError` for a ``hydra.searchpath`` folder that does not exist.

    Hydra only warns ("is not available") and then cannot find the preset looked for there,
    an error that names the preset, not the folder.
    """
    for entry in entries if isinstance(entries, list) else [entries]:
        text = str(entry)
        if text.startswith("file://") and not Path(text.removeprefix("file://")).is_dir():
            raise ConfigError(
                f"hydra.searchpath: {text.removeprefix('file://')} is not a folder",
                advice="give the folder that holds fit/ (the calibrate.conf_dir a fit was "
                "written with), as file://FOLDER",
            )
