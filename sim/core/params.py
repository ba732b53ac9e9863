"""The model's parameters: one typed object and the one set of defaults.

`ModelParams` gathers everything that shapes a run apart from the real case and the run's size:
the payoff terms, each ally's decision rule, Washington's policy. A bare `EscalationModel()` and
`escalation run` with no overrides use these very defaults: the Hydra schema
(`sim.experiment.config`) is built from these classes, and each conf preset only lists what it
changes. Every bounded field carries its allowed range as ``metadata["range"]``; `check` tests
them once, at the boundary.

Real-valued fields hold a float, or, in a run whose replications each draw their own value
(an exploration design, posterior draws), an array of shape (R,): `with_values` puts such arrays
in. The core computes with numpy broadcasting, so both work unchanged.
"""

import dataclasses
import math
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

import numpy as np

from sim.core.errors import ConfigError
from sim.core.moves import ALLIES, DOMAINS
from sim.core.rules import RULES, FictitiousPlay, Rule


def bounded(default: Any, low: float, high: float) -> Any:
    """A dataclass field whose value must lie in [low, high]."""
    return field(default=default, metadata={"range": (low, high)})


@dataclass
class PerAlly:
    """One number for Seoul and one for Tokyo."""

    seoul: float = bounded(0.0, 0.0, 100.0)
    tokyo: float = bounded(0.0, 0.0, 100.0)

    def __getitem__(self, actor: str) -> float:
        return getattr(self, actor)


def per_ally(seoul: float, tokyo: float) -> Any:
    """A `PerAlly` field with these defaults."""
    return field(default_factory=partial(PerAlly, seoul, tokyo))


@dataclass
class DomainWeights:
    """How strongly Washington's pressure weighs on a retaliation in each domain."""

    legal: float = bounded(0.3, 0.0, 1.0)
    trade: float = bounded(0.6, 0.0, 1.0)
    security: float = bounded(1.0, 0.0, 1.0)
    diplomatic: float = bounded(0.3, 0.0, 1.0)
    society: float = bounded(0.1, 0.0, 1.0)

    def array(self) -> np.ndarray:
        """The weights in `DOMAINS` order: shape (5,), or (R, 5) when they vary by replication."""
        return np.stack(np.broadcast_arrays(*(getattr(self, d) for d in DOMAINS)), axis=-1)


def prisoners_dilemma() -> dict[str, list[list[float]]]:
    """The default stage game of both allies: a prisoner's dilemma [[R, S], [T, P]]."""
    return {actor: [[3.0, 0.0], [5.0, 1.0]] for actor in ALLIES}


@dataclass
class PayoffParams:
    """Stage games per ally ([[R, S], [T, P]], rows own move, columns the other's) and terms.

    The defaults are the hand-set 2019 values (docs/model.md): a prisoner's dilemma for both;
    Seoul more exposed to Japanese trade measures and more sensitive to US pressure.
    """

    name: str = "gsomia_2019"
    stage: dict[str, Any] = field(default_factory=prisoners_dilemma)
    audience: PerAlly = per_ally(1.5, 1.2)
    economic: PerAlly = per_ally(3.0, 2.0)
    security: PerAlly = per_ally(2.0, 2.0)
    pressure: PerAlly = per_ally(4.0, 2.0)
    cooperation_reward: float = bounded(0.5, 0.0, 100.0)
    persistence: float = bounded(0.0, 0.0, 1.0)
    deadline: float = bounded(0.0, 0.0, 1000.0)
    domains: DomainWeights = field(default_factory=DomainWeights)


class UsPolicyKind(StrEnum):
    """Washington's policies: no pressure, constant pressure, or pressure in reaction."""

    ABSENT = "absent"
    CONSTANT = "constant"
    REACTIVE = "reactive"


US_POLICIES = tuple(kind.value for kind in UsPolicyKind)


@dataclass
class UsPolicy:
    """Washington's policy (a `UsPolicyKind` value) and its levels.

    ``reactive``: ``baseline`` pressure, rising to ``pressure`` once an ally has had a security
    measure in force for more than ``delay`` weeks; ``constant``: ``pressure`` every week.
    """

    policy: str = UsPolicyKind.REACTIVE.value
    pressure: float = bounded(0.6, 0.0, 1.0)
    delay: int = bounded(1, 0, 520)
    baseline: float = bounded(0.1, 0.0, 1.0)

    def calm_level(self) -> float:
        """The pressure of a week Washington does nothing: ``reactive``'s baseline, else 0.

        A real week without a US event is coded abstain (pressure 0); a reactive patron's calm
        weeks sit at its baseline, and must read as abstaining too, not engaging.
        """
        return float(self.baseline) if self.policy == UsPolicyKind.REACTIVE.value else 0.0


@dataclass
class ConductParams:
    """How both sides choose which measure to enact (`sim.core.conduct`).

    ``order``: how strictly enactments follow the escalation order (0: any available measure
    equally likely; large: the mildest available first). ``burst``: the probability that an
    enactment brings a second measure into force the same week.
    """

    order: float = bounded(1.0, 0.0, 20.0)
    burst: float = bounded(0.1, 0.0, 1.0)


@dataclass
class ModelParams:
    """Everything that shapes a run apart from the case and the run's size.

    ``seoul`` and ``tokyo`` are the decision rules of a case's first and second side: Seoul and
    Tokyo in 2019 (a case names its sides in its scenario file).
    """

    payoffs: PayoffParams = field(default_factory=PayoffParams)
    seoul: Rule = field(default_factory=FictitiousPlay)
    tokyo: Rule = field(default_factory=FictitiousPlay)
    us: UsPolicy = field(default_factory=UsPolicy)
    conduct: ConductParams = field(default_factory=ConductParams)

    def strategy(self, actor: str) -> Rule:
        """The decision rule (with its parameters) of ``actor``."""
        return getattr(self, actor)


def _values_in_range(value: Any, low: float, high: float) -> bool:
    values = np.asarray(value, dtype=float)
    return bool(np.all(np.isfinite(values)) and np.all((values >= low) & (values <= high)))


def check_ranges(obj: Any, path: str = "") -> None:
    """Raise `ConfigError` for the first bounded field of ``obj`` (nested) out of its range."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{path}.{f.name}" if path else f.name
        if dataclasses.is_dataclass(value):
            check_ranges(value, key)
        elif "range" in f.metadata and value is not None:
            low, high = f.metadata["range"]
            if not _values_in_range(value, low, high):
                raise ConfigError(
                    f"{key}={value} is outside the allowed range [{low}, {high}]",
                    advice=f"set it on the command line, e.g. {key}={low}",
                )


def check_stage(stage: dict[str, Any]) -> None:
    """Raise `ConfigError` unless ``stage`` holds a finite 2x2 matrix for each ally."""
    missing = [a for a in ALLIES if a not in stage]
    if missing:
        raise ConfigError(f"payoffs.stage lacks a matrix for {', '.join(missing)}")
    for actor, matrix in stage.items():
        if actor not in ALLIES:
            raise ConfigError(f"payoffs.stage.{actor}: {actor!r} is not one of {ALLIES}")
        numbers = all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for row in (matrix if isinstance(matrix, list) else [])
            for v in (row if isinstance(row, list) else [None])
        )
        if not numbers or len(matrix) != 2 or any(len(row) != 2 for row in matrix):
            raise ConfigError(
                f"payoffs.stage.{actor} must be a 2x2 matrix of finite numbers [[R, S], [T, P]] "
                f"(rows: own cooperate, retaliate; columns: the other's), got {matrix}"
            )


def check(params: ModelParams) -> ModelParams:
    """Check ranges, the stage games, the rules and the US policy; raise `ConfigError`."""
    check_ranges(params)
    check_stage(params.payoffs.stage)
    for actor in ALLIES:
        strategy = params.strategy(actor)
        if not isinstance(strategy, Rule) or RULES.get(strategy.rule) is not type(strategy):
            raise ConfigError(
                f"{actor}.rule={getattr(strategy, 'rule', strategy)!r} is not a decision rule; "
                f"choose strategy@{actor}= one of {', '.join(RULES)}"
            )
    if params.us.policy not in set(UsPolicyKind):
        raise ConfigError(
            f"us.policy={params.us.policy!r} is not a policy; "
            f"choose one of {', '.join(UsPolicyKind)}"
        )
    return params


def lookup(obj: Any, key: str) -> tuple[dataclasses.Field, Any]:
    """The dataclass field a dotted ``key`` names in ``obj``, and its value.

    Raises `KeyError` naming the first part of the key that does not exist.
    """
    parts = key.split(".")
    for depth, name in enumerate(parts):
        fields = (
            {f.name: f for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj) else {}
        )
        if name not in fields:
            raise KeyError(".".join(parts[: depth + 1]))
        value = getattr(obj, name)
        if depth == len(parts) - 1:
            return fields[name], value
        obj = value
    raise KeyError(key)


def with_values[T](obj: T, values: dict[str, Any]) -> T:
    """``obj`` with each dotted key set to its value (a float, or an array over replications).

    Returns a new object; ``obj`` is untouched.
    """

    def put(node: Any, parts: list[str], value: Any) -> Any:
        if len(parts) == 1:
            return dataclasses.replace(node, **{parts[0]: value})
        child = put(getattr(node, parts[0]), parts[1:], value)
        return dataclasses.replace(node, **{parts[0]: child})

    for key, value in values.items():
        lookup(obj, key)
        obj = put(obj, key.split("."), value)
    return obj


def real_keys(obj: Any, prefix: str = "") -> list[str]:
    """Every real-valued (float) field of ``obj``, nested, as dotted keys."""
    keys = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            keys += real_keys(value, f"{prefix}{f.name}.")
        elif isinstance(value, float):
            keys.append(f"{prefix}{f.name}")
    return keys
