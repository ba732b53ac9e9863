"""The parameters a fit varies: config keys with bounds, and the box they span.

A fit names config keys (``seoul.activity``, ``payoffs.audience.tokyo``); each key's bounds are
the range its schema field declares (``metadata["range"]``), optionally narrowed with
``KEY:LOW:HIGH``, and ``KEY:LOW:HIGH:log`` searches a positive key on a log10 scale (its prior
is then log-uniform): the right scale for a weight that may matter at 0.1 or at 50.
``KEY+TWIN`` (with the same bounds and scale after it) ties two keys: one fitted value sets both,
e.g. ``seoul.provocation+tokyo.provocation:0.001:10:log`` gives both sides one provocation
hazard, one parameter instead of two.

A fit works in *coordinates* (the value, or its log10); `Space.apply` turns a matrix of
coordinates (one column per replication) into per-replication model parameters, so one model
run scores a whole population, and `Space.values` turns coordinates back into values.
"""

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.core.errors import ConfigError
from sim.core.params import ModelParams, lookup, real_keys, with_values

#: Config groups whose keys do not enter the likelihood, and why.
NOT_FITTED = {
    "us": "the patron's weekly pressure is replayed from the events file, so us.* does not "
    "enter the likelihood",
    "run": "run.* sets how the job runs, not the model",
    "scenario": "scenario.* sets the case, not the model's parameters",
    "conduct": "conduct.* is fitted on its own, from the acts given the moves "
    "(sim.analysis.conduct_fit)",
}
CONDUCT_FIELDS = ("signal", "lift")


@dataclass(frozen=True)
class Parameter:
    """A config key being fitted, with its bounds (values) and its scale."""

    key: str
    low: float
    high: float
    log: bool = False
    twins: tuple[str, ...] = ()  # keys tied to this one: they take its value

    @property
    def width(self) -> float:
        """High minus low."""
        return self.high - self.low

    @property
    def name(self) -> str:
        """The key with the keys tied to it, as a params entry writes them (``A+B``)."""
        return "+".join((self.key, *self.twins))

    def coordinate(self, value: np.ndarray | float) -> np.ndarray:
        """The search coordinate of a value: the value, or its log10."""
        return np.log10(value) if self.log else np.asarray(value, dtype=float)

    def value(self, coordinate: np.ndarray | float) -> np.ndarray:
        """The value at a search coordinate."""
        return 10.0 ** np.asarray(coordinate) if self.log else np.asarray(coordinate, dtype=float)

    def at_bound(self, value: float, tolerance: float = 1e-3) -> bool:
        """Whether ``value`` sits within ``tolerance`` x the width of a bound (in coordinates)."""
        c, low, high = (float(self.coordinate(v)) for v in (value, self.low, self.high))
        return min(c - low, high - c) <= tolerance * (high - low)


def parse_entry(entry: str) -> tuple[str, tuple[float, float] | None, bool]:
    """Read one entry: ``KEY``, ``KEY:LOW:HIGH`` or ``KEY:LOW:HIGH:log``."""
    parts = str(entry).strip().split(":")
    if len(parts) == 1 and parts[0]:
        return parts[0], None, False
    if len(parts) in (3, 4) and (len(parts) == 3 or parts[3] == "log"):
        try:
            return parts[0], (float(parts[1]), float(parts[2])), len(parts) == 4
        except ValueError:
            pass
    raise ConfigError(
        f"params: {entry!r} is not KEY, KEY:LOW:HIGH or KEY:LOW:HIGH:log (e.g. seoul.activity, "
        "seoul.activity:0.01:0.9 or payoffs.audience.seoul:0.01:100:log)"
    )


def entry_text(key: str, low: float, high: float, log: bool, twins: tuple[str, ...] = ()) -> str:
    """The ``params`` entry that `parse_entry` reads back: ``KEY[+TWIN]:LOW:HIGH[:log]``.

    A fit's record keeps its entries in this form, so that a later refit (the rolling
    forecasts of `escalation compare`) searches the same box on the same scale.
    """
    return f"{'+'.join((key, *twins))}:{low!r}:{high!r}" + (":log" if log else "")


def fittable_keys(params: ModelParams) -> list[str]:
    """Every real-valued parameter that enters the moves' likelihood."""
    keys = real_keys(params)
    return [
        k
        for k in keys
        if k.split(".")[0] not in NOT_FITTED and k.split(".")[-1] not in CONDUCT_FIELDS
    ]


def _parameter(
    params: ModelParams, key: str, narrowed: tuple[float, float] | None, log: bool
) -> Parameter:
    head = key.split(".")[0]
    if head in NOT_FITTED:
        raise ConfigError(f"params: {key!r} cannot be fitted: {NOT_FITTED[head]}")
    if key.split(".")[-1] in CONDUCT_FIELDS:
        raise ConfigError(f"params: {key!r} cannot be fitted here: {NOT_FITTED['conduct']}")
    try:
        field, value = lookup(params, key)
    except KeyError:
        raise ConfigError(
            f"params: {key!r} is not a parameter of this configuration; parameters that can "
            f"be fitted: {', '.join(fittable_keys(params))}"
        ) from None
    if isinstance(value, bool) or not isinstance(value, float):
        kind = "an integer" if isinstance(value, int) else "not a real number"
        raise ConfigError(f"params: {key}={value!r} is {kind}; only real numbers can be fitted")
    allowed = field.metadata.get("range")
    if narrowed is not None:
        low, high = narrowed
        if not low < high:
            raise ConfigError(f"params: {key}:{low:g}:{high:g} needs LOW < HIGH")
        if allowed is not None and not allowed[0] <= low < high <= allowed[1]:
            raise ConfigError(
                f"params: the bounds {key}:{low:g}:{high:g} go beyond the allowed range "
                f"[{allowed[0]}, {allowed[1]}]; bounds can only narrow it"
            )
    elif allowed is not None:
        low, high = float(allowed[0]), float(allowed[1])
    else:
        raise ConfigError(f"params: {key} has no allowed range; give one as {key}:LOW:HIGH")
    if log and low <= 0:
        raise ConfigError(f"params: {key} on a log scale needs LOW > 0, got {low:g}")
    return Parameter(key, float(low), float(high), log)


def _tied(
    params: ModelParams, entry_key: str, narrowed: tuple[float, float] | None, log: bool
) -> Parameter:
    """The parameter of ``KEY`` or ``KEY+TWIN[+...]``: each twin checked as a key of its own."""
    key, *twins = entry_key.split("+")
    if "" in (key, *twins):
        raise ConfigError(
            f"params: {entry_key!r} ties an empty key; write KEY+TWIN, e.g. "
            "seoul.provocation+tokyo.provocation:0.001:10:log"
        )
    parameter = _parameter(params, key, narrowed, log)
    for twin in twins:
        try:
            _parameter(params, twin, (parameter.low, parameter.high), log)
        except ConfigError as error:
            raise ConfigError(f"{error} (tied to {key}, whose bounds it takes)") from None
    return dataclasses.replace(parameter, twins=tuple(twins))


@dataclass(frozen=True)
class Space:
    """The box of fitted parameters over a base configuration."""

    base: ModelParams
    parameters: tuple[Parameter, ...]

    @classmethod
    def of(cls, base: ModelParams, entries: list[str]) -> "Space":
        """Resolve ``entries`` (keys, or ``KEY:LOW:HIGH``) against ``base``'s schema."""
        if not entries:
            raise ConfigError("params is empty: name the parameters to fit, e.g. params=[...]")
        parsed = [parse_entry(e) for e in entries]
        names = [n for k, _, _ in parsed for n in k.split("+")]
        repeated = sorted({k for k in names if names.count(k) > 1})
        if repeated:
            raise ConfigError(f"params names {', '.join(repeated)} more than once")
        return cls(base, tuple(_tied(base, k, bounds, log) for k, bounds, log in parsed))

    @property
    def keys(self) -> list[str]:
        """The fitted keys, in order."""
        return [p.key for p in self.parameters]

    @property
    def tied(self) -> tuple[tuple[str, str], ...]:
        """Each tied key and the fitted key whose value it takes."""
        return tuple((t, p.key) for p in self.parameters for t in p.twins)

    def with_twins(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` of the fitted keys, with each tied key given its key's value."""
        twins = {t: values[p.key] for p in self.parameters for t in p.twins if p.key in values}
        return values | twins

    @property
    def low(self) -> np.ndarray:
        """Lower bounds, in coordinates."""
        return np.array([float(p.coordinate(p.low)) for p in self.parameters])

    @property
    def high(self) -> np.ndarray:
        """Upper bounds, in coordinates."""
        return np.array([float(p.coordinate(p.high)) for p in self.parameters])

    def __len__(self) -> int:
        return len(self.parameters)

    def values(self, coordinates: np.ndarray) -> np.ndarray:
        """Values at coordinates of shape (k,) or (k, R)."""
        coordinates = np.asarray(coordinates, dtype=float)
        return np.stack([p.value(c) for p, c in zip(self.parameters, coordinates, strict=True)])

    def coordinates(self, values: np.ndarray) -> np.ndarray:
        """Coordinates of values of shape (k,) or (k, R)."""
        values = np.asarray(values, dtype=float)
        return np.stack([p.coordinate(v) for p, v in zip(self.parameters, values, strict=True)])

    def apply(self, coordinates: np.ndarray) -> ModelParams:
        """Parameters at each column of ``coordinates`` (k, R): per-replication arrays."""
        values = self.values(coordinates)
        if values.ndim == 1:
            columns = dict(zip(self.keys, map(float, values), strict=True))
        else:
            columns = {k: values[i] for i, k in enumerate(self.keys)}
        return with_values(self.base, self.with_twins(columns))

    def start(self) -> np.ndarray:
        """The base configuration's values of the fitted keys."""
        return np.array([float(lookup(self.base, k)[1]) for k in self.keys])

    def at_bound(self, values: np.ndarray, tolerance: float = 1e-3) -> list[bool]:
        """Whether each value sits within ``tolerance`` x width of a bound (in coordinates)."""
        return [
            p.at_bound(float(v), tolerance) for p, v in zip(self.parameters, values, strict=True)
        ]

    def with_base(self, base: ModelParams) -> "Space":
        """The same box over another base configuration."""
        return dataclasses.replace(self, base=base)


def values_of(space: Space, values: np.ndarray) -> dict[str, Any]:
    """The fitted keys and values as a dict (tied keys not included: `Space.with_twins`)."""
    return {k: float(v) for k, v in zip(space.keys, values, strict=True)}
