"""The schema of `escalation explore`: what to vary, how to sample it, what to measure.

`ExploreJobConfig` is a whole model config (`Config`, so every ``escalation run`` override
works and sets the values of what is not varied) plus the ``explore`` node. Presets under
``conf/explore/`` set that node; ``conf/explore.yaml`` is the app's primary config.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Optional

from hydra.core.config_store import ConfigStore

from sim.core.params import bounded
from sim.experiment.config import Config


class DesignMethod(StrEnum):
    """How design points are drawn (SALib): Sobol/Saltelli, Morris trajectories, Latin hypercube."""

    SOBOL = "sobol"
    MORRIS = "morris"
    LATIN = "latin"


class ModelKind(StrEnum):
    """What a design point is evaluated with: the escalation model, or a test function."""

    ESCALATION = "escalation"
    ISHIGAMI = "ishigami"


OUTCOMES = ("p_terminated", "p_real", "peak_tension", "weeks_to_notice", "pressure_effect")
#: Outcomes that follow the case's notice: constant (0, 1 or the horizon) in a case without an
#: outcome rule, so such a case leaves them out.
NEEDS_NOTICE = ("p_terminated", "p_real", "weeks_to_notice", "pressure_effect")


@dataclass
class DesignOptions:
    """The design: method, base size ``n`` and method options.

    ``n`` is Saltelli's base sample (a power of two; ``n x (D + 2)`` points, or
    ``n x (2D + 2)`` with ``second_order``), the number of Morris trajectories
    (``n x (D + 1)`` points), or the number of Latin-hypercube points.
    """

    method: str = DesignMethod.SOBOL.value
    n: int = bounded(1024, 2, 1_048_576)
    second_order: bool = False
    levels: int = bounded(4, 2, 64)  # Morris grid levels (even)


@dataclass
class PressureEffectOptions:
    """The two US-pressure levels whose P(terminated) difference is the pressure effect."""

    low: float = bounded(0.0, 0.0, 1.0)
    high: float = bounded(1.0, 0.0, 1.0)


@dataclass
class PrimOptions:
    """Scenario discovery: which design points are of interest, and how PRIM peels.

    A point is of interest when ``outcome`` is at least ``threshold`` (``above``) or below it.
    The reported box is the densest on the peeling trajectory whose coverage is at least
    ``min_coverage``.
    """

    outcome: str = "p_terminated"
    threshold: float = 0.5
    above: bool = True
    peel_alpha: float = bounded(0.05, 0.001, 0.5)
    min_coverage: float = bounded(0.5, 0.0, 1.0)


@dataclass
class ExploreOptions:
    """What `escalation explore` varies, how, and what it measures.

    ``inputs`` lists config keys (null: every bounded parameter of the configured model);
    ``ranges`` narrows a key's range below the schema's bounds (``[low, high]``, nested by the
    key's parts as on the command line: ``explore.ranges.us.delay=[0,8]``); ``levels`` makes a
    choice key (``seoul.rule``, ``payoffs.name``, ``us.policy``) an input with these levels.
    """

    model: str = ModelKind.ESCALATION.value
    inputs: Optional[list[str]] = None  # noqa: UP045 (OmegaConf needs typing.Optional)
    exclude: list[str] = field(default_factory=list)
    ranges: dict[str, Any] = field(default_factory=dict)
    levels: dict[str, Any] = field(default_factory=dict)
    design: DesignOptions = field(default_factory=DesignOptions)
    replications: int = bounded(100, 1, 1_000_000)  # per design point
    chunks: int = bounded(8, 1, 100_000)  # Hydra jobs the design is split into
    chunk: int = -1  # the chunk this job evaluates (set by the sweeper)
    batch: int = bounded(40_000, 1, 10_000_000)  # most replications in one lockstep model
    outcomes: list[str] = field(default_factory=lambda: list(OUTCOMES))
    pressure_effect: PressureEffectOptions = field(default_factory=PressureEffectOptions)
    prim: PrimOptions = field(default_factory=PrimOptions)
    bootstrap: int = bounded(200, 10, 100_000)  # resamples behind every index interval
    confidence: float = bounded(0.95, 0.5, 0.999)


@dataclass
class ExploreJobConfig(Config):
    """`escalation explore`: a model config plus what to explore around it."""

    explore: ExploreOptions = field(default_factory=ExploreOptions)


def register_explore() -> None:
    """Register the schema of `escalation explore` in Hydra's ConfigStore."""
    ConfigStore.instance().store(name="base_explore", node=ExploreJobConfig)
