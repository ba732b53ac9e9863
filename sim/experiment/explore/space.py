"""The input space: which config keys vary, over which range or levels.

Ranges come from the schema: every bounded field of the model's parameter classes carries
``metadata["range"]``, so the default space (every bounded real or integer parameter of the
configured model) follows the model when its parameters change. A preset narrows ranges and
adds choice keys (a decision rule, a payoff preset) as categorical inputs. Every mistake is a
`ConfigError` naming the key, raised before any job starts.
"""

import dataclasses
import difflib
import math
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import ConfigError
from sim.core.moves import ALLIES


class InputKind(StrEnum):
    """How an input varies: over a real interval, over integers, or among named levels."""

    REAL = "real"
    INTEGER = "integer"
    CATEGORICAL = "categorical"


@dataclass(frozen=True)
class SchemaField:
    """One leaf of a parameter dataclass: its value and, when bounded, its allowed range."""

    key: str
    value: Any
    bounds: tuple[float, float] | None

    @property
    def kind(self) -> InputKind | None:
        """The input kind this field can be, or None (a flag, a matrix, an optional value)."""
        match self.value:
            case bool():
                return None
            case int():
                return InputKind.INTEGER
            case float():
                return InputKind.REAL
            case str():
                return InputKind.CATEGORICAL
            case _:
                return None


def schema_fields(obj: Any, prefix: str = "") -> dict[str, SchemaField]:
    """Every leaf field of a (nested) parameter dataclass, by dotted key."""
    fields: dict[str, SchemaField] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            fields.update(schema_fields(value, f"{key}."))
        else:
            fields[key] = SchemaField(key, value, f.metadata.get("range"))
    return fields


@dataclass(frozen=True)
class Input:
    """One varied input: a config key, its kind, and its range or levels."""

    key: str
    kind: InputKind
    low: float = 0.0
    high: float = 1.0
    levels: tuple[str, ...] = ()

    def values(self, unit: np.ndarray) -> np.ndarray:
        """Map unit-interval samples (SALib's design) to this input's values."""
        unit = np.asarray(unit, dtype=float)
        match self.kind:
            case InputKind.REAL:
                return self.low + unit * (self.high - self.low)
            case InputKind.INTEGER:
                span = int(self.high) - int(self.low) + 1
                return np.minimum(int(self.low) + np.floor(unit * span), self.high).astype(int)
            case InputKind.CATEGORICAL:
                index = np.minimum(np.floor(unit * len(self.levels)), len(self.levels) - 1)
                return np.asarray(self.levels, dtype=object)[index.astype(int)]
            case other:
                raise ValueError(f"unknown input kind {other!r}")

    def describe(self) -> str:
        """The range or levels in words: ``[0, 3]``, ``0..8``, ``tit_for_tat | grim_trigger``."""
        match self.kind:
            case InputKind.REAL:
                return f"[{self.low:g}, {self.high:g}]"
            case InputKind.INTEGER:
                return f"{int(self.low)}..{int(self.high)}"
            case _:
                return " | ".join(self.levels)


@dataclass(frozen=True)
class InputSpace:
    """The inputs a design varies, in design-column order."""

    inputs: tuple[Input, ...]

    @property
    def names(self) -> list[str]:
        """The config keys, in order."""
        return [i.key for i in self.inputs]

    @property
    def categorical(self) -> list[str]:
        """Keys of the categorical inputs (each combination of levels is a group of points)."""
        return [i.key for i in self.inputs if i.kind == InputKind.CATEGORICAL]

    @property
    def numeric(self) -> list[str]:
        """Keys of the real and integer inputs (they vary within one lockstep model)."""
        return [i.key for i in self.inputs if i.kind != InputKind.CATEGORICAL]

    def problem(self) -> dict:
        """SALib's problem: every input on the unit interval (values are mapped afterwards)."""
        return {
            "num_vars": len(self.inputs),
            "names": self.names,
            "bounds": [[0.0, 1.0]] * len(self.inputs),
        }

    def values(self, unit: np.ndarray) -> pd.DataFrame:
        """Design points in config units, one column per input."""
        return pd.DataFrame({i.key: i.values(unit[:, k]) for k, i in enumerate(self.inputs)})

    def table(self) -> pd.DataFrame:
        """One row per input: key, kind, low, high, levels (for the report and the manifest)."""
        rows = [
            {
                "input": i.key,
                "kind": i.kind.value,
                "range": i.describe(),
                "low": i.low,
                "high": i.high,
            }
            for i in self.inputs
        ]
        return pd.DataFrame(rows)


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """A nested mapping (``{us: {delay: [0, 8]}}``) as dotted keys (``{"us.delay": [0, 8]}``)."""
    if not isinstance(node, dict):
        return {prefix: node}
    flat: dict[str, Any] = {}
    for name, child in node.items():
        flat.update(flatten(child, f"{prefix}.{name}" if prefix else str(name)))
    return flat


def _unknown(key: str, where: str, known: list[str], sides: Sequence[str] = ()) -> ConfigError:
    from sim.experiment.checks import _side_names, slot_words

    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    parts = key.split(".")
    named = [p for p in parts if p in sides and p not in ALLIES]  # the case's side, not a slot
    if named:
        suggested = ".".join("SLOT" if p == named[0] else p for p in parts)
        hint = f" (a side's inputs are named by slot: {slot_words(named[0], sides, suggested)})"
    elif key.split(".")[0] in _side_names() - {"seoul", "tokyo"} or any(
        part in _side_names() - {"seoul", "tokyo"} for part in key.split(".")[1:]
    ):
        hint = (
            " (a side's inputs are named by slot: seoul for the case's first side, tokyo for "
            "its second, e.g. tokyo.signal for Beijing in thaad_2016)"
        )
    return ConfigError(f"{where}: {key} is not a parameter of this model{hint}")


def _range(key: str, given: Any, field: SchemaField) -> tuple[float, float]:
    """The checked range of a numeric key: the preset's, inside the schema's bounds."""
    if given is None:
        if field.bounds is None:
            raise ConfigError(
                f"explore.inputs: {key} has no bounds in the schema; give it a range, "
                f"explore.ranges.{key}=[LOW,HIGH]"
            )
        return float(field.bounds[0]), float(field.bounds[1])
    numbers = isinstance(given, list | tuple) and len(given) == 2
    if not numbers or not all(isinstance(v, int | float) and math.isfinite(v) for v in given):
        raise ConfigError(f"explore.ranges.{key}={given} must be [LOW, HIGH], two finite numbers")
    low, high = float(given[0]), float(given[1])
    if not low < high:
        raise ConfigError(f"explore.ranges.{key}=[{low:g}, {high:g}] needs LOW < HIGH")
    if field.bounds is not None and (low < field.bounds[0] or high > field.bounds[1]):
        raise ConfigError(
            f"explore.ranges.{key}=[{low:g}, {high:g}] is outside the schema's bounds "
            f"[{field.bounds[0]:g}, {field.bounds[1]:g}] of {key}"
        )
    if field.kind == InputKind.INTEGER and not (low.is_integer() and high.is_integer()):
        raise ConfigError(f"explore.ranges.{key}=[{low:g}, {high:g}]: {key} is an integer")
    return low, high


def _levels(key: str, given: Any, choices: dict[str, list[str]]) -> tuple[str, ...]:
    if not isinstance(given, list | tuple) or len(given) < 2:
        raise ConfigError(f"explore.levels.{key}={given} must list at least two levels")
    unknown = [str(v) for v in given if str(v) not in choices[key]]
    if unknown:
        raise ConfigError(
            f"explore.levels.{key}: {', '.join(unknown)} is not a level of {key}; "
            f"choose among {', '.join(choices[key])}"
        )
    return tuple(dict.fromkeys(str(v) for v in given))


def build_space(
    schema: Any,
    inputs: list[str] | None,
    exclude: list[str],
    ranges: dict[str, Any],
    levels: dict[str, Any],
    choices: dict[str, list[str]],
    optional: AbstractSet[str] = frozenset(),
    sides: Sequence[str] = (),
) -> InputSpace:
    """The input space of a parameter object ``schema`` under a preset's options.

    ``inputs`` (None: every bounded number) names the inputs; with it, ``ranges`` only set
    the named inputs' ranges, so a preset's ranges for other keys add nothing. ``levels``
    always add their categorical inputs.

    ``choices`` maps each key that names a choice (a config group) to its levels; only those
    keys can be categorical inputs. ``optional`` holds keys that exist under other choices
    (another decision rule's parameters): a preset's range for one of them is left unused
    rather than refused, so one preset serves every rule. ``sides``: the case's two sides,
    so that a side's name given for its slot is answered with the slot it has.

    Raises:
        ConfigError: naming the first unknown key, range outside the schema's bounds,
            categorical key given a range, numeric key given levels, or a space of fewer
            than two inputs.
    """
    fields = schema_fields(schema)
    known = list(fields)
    ranges = {k: v for k, v in flatten(ranges).items() if k in fields or k not in optional}
    levels = flatten(levels)
    for key in [*(inputs or []), *exclude, *ranges, *levels]:
        if key not in fields:
            raise _unknown(key, "explore", known, sides)
    for key in ranges:
        if fields[key].kind == InputKind.CATEGORICAL or key in choices:
            shown = ", ".join(choices.get(key, [])) or "named values"
            raise ConfigError(
                f"explore.ranges.{key}: {key} is categorical (one of {shown}); "
                f"give it levels, explore.levels.{key}=[A,B], not a range"
            )
        if fields[key].kind is None:
            raise ConfigError(f"explore.ranges.{key}: {key} is not a number that can vary")
    for key in levels:
        if key not in choices:
            raise ConfigError(
                f"explore.levels.{key}: {key} is not a choice key; give a number a range, "
                f"explore.ranges.{key}=[LOW,HIGH] (choice keys: {', '.join(choices)})"
            )
    if inputs is None:
        keys = [
            k
            for k, f in fields.items()
            if f.kind in (InputKind.REAL, InputKind.INTEGER) and f.bounds is not None
        ]
        keys += [k for k in ranges if k not in keys]
    else:  # only these: the ranges narrow them, and add no input of their own
        keys = list(dict.fromkeys(inputs))
    keys += [k for k in levels if k not in keys]
    chosen = []
    for key in (k for k in keys if k not in exclude):
        field = fields[key]
        if key in choices:
            if key not in levels:
                raise ConfigError(
                    f"explore.inputs: {key} is categorical; give its levels, "
                    f"explore.levels.{key}=[A,B]"
                )
            chosen.append(
                Input(key, InputKind.CATEGORICAL, levels=_levels(key, levels[key], choices))
            )
        elif field.kind in (InputKind.REAL, InputKind.INTEGER):
            low, high = _range(key, ranges.get(key), field)
            chosen.append(Input(key, field.kind, low, high))
        else:
            raise ConfigError(f"explore.inputs: {key} is not a number or a choice; it cannot vary")
    if not chosen:
        raise ConfigError("explore: the input space is empty; name inputs in explore.inputs")
    if len(chosen) == 1:  # the feature scores, PRIM and the surface need two
        key = chosen[0].key
        raise ConfigError(
            f"explore: {key} is the only input; an exploration varies two or more. For one key "
            f"sweep it instead: escalation run -m {key}=..."
        )
    return InputSpace(tuple(chosen))
