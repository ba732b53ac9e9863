"""Structured configs: the Hydra schema of every config group, and its validation.

The schema *is* the core's parameter classes (`sim.core.params`, the rules in
`sim.core.rules`): their defaults are the defaults of ``escalation run``, and their range
metadata is what `validate` checks. This module adds what only jobs have: which case to run,
how many replications, the comparison and calibration options.

Hydra checks types and key names when it composes; `validate` then checks ranges and
cross-field rules once, at the boundary, and raises `ConfigError` naming the key.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from sim.core.errors import ConfigError
from sim.core.params import (
    DomainWeights,
    ModelParams,
    PayoffParams,
    PerAlly,
    UsPolicy,
    UsPolicyKind,
    bounded,
    check,
    check_ranges,
)
from sim.core.rules import RULES
from sim.core.scenario_yaml import DEFAULT_SCENARIO


@dataclass
class RunConfig:
    """How a job runs: seed, number of replications, horizon, what it keeps."""

    seed: int = 2019
    replications: int = bounded(1000, 1, 10_000_000)
    weeks: Optional[int] = None  # noqa: UP045 (OmegaConf needs typing.Optional)
    trajectories: bool = True
    progress: bool = True
    objective: Optional[str] = None  # noqa: UP045 (what a run returns: sim.experiment.objective)


@dataclass
class ScenarioConfig:
    """Which real case to run, over which span, from which state."""

    name: str = DEFAULT_SCENARIO
    start: Optional[str] = None  # noqa: UP045
    end: Optional[str] = None  # noqa: UP045
    initial_rungs: dict[str, str] = field(default_factory=dict)


@dataclass
class Config:
    """The whole configuration of one job (one sweep cell)."""

    scenario: ScenarioConfig = MISSING
    payoffs: PayoffParams = MISSING
    seoul: Any = MISSING  # a rule of `sim.core.rules`, chosen with strategy@seoul=NAME
    tokyo: Any = MISSING
    us: UsPolicy = MISSING
    run: RunConfig = field(default_factory=RunConfig)

    @property
    def model_params(self) -> ModelParams:
        """The model's parameters: payoffs, both decision rules, Washington's policy."""
        return ModelParams(payoffs=self.payoffs, seoul=self.seoul, tokyo=self.tokyo, us=self.us)


@dataclass
class CompareOptions:
    """How `escalation compare` shows the comparison."""

    samples: int = bounded(6, 0, 50)  # simulated runs drawn under the real one in the raster


@dataclass
class CompareJobConfig(Config):
    """`escalation compare`: a model config and the real sequence to hold it against.

    ``events`` is an events file (default: the scenario's); the compared span is the file's
    first to last week unless ``scenario.start``/``scenario.end`` are set.
    """

    events: Optional[str] = None  # noqa: UP045
    compare: CompareOptions = field(default_factory=CompareOptions)


@dataclass
class CalibrateOptions:
    """How `escalation calibrate` fits: hold-out cut-off, preset, intervals, starts."""

    cutoff: Optional[str] = "2019-08-22"  # noqa: UP045
    preset: str = "calibrated_2019"
    conf_dir: Optional[str] = None  # noqa: UP045 (default: the shipped conf/)
    intervals: bool = True
    starts: int = bounded(1, 1, 50)  # optimiser starts: the config's values, then seeded draws


@dataclass
class CalibrateJobConfig(CompareJobConfig):
    """`escalation calibrate`: a compare config plus the parameters to fit.

    Each entry of ``params`` is a config key, or ``KEY:LOW:HIGH`` to narrow its bounds.
    """

    params: list[str] = field(default_factory=list)
    calibrate: CalibrateOptions = field(default_factory=CalibrateOptions)


def register() -> None:
    """Register the schema and the strategy and US options in Hydra's ConfigStore."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(name="base_compare", node=CompareJobConfig)
    cs.store(name="base_calibrate", node=CalibrateJobConfig)
    for name, rule in RULES.items():
        cs.store(group="strategy", name=name, node=rule)
    for policy in UsPolicyKind:
        cs.store(group="us", name=policy.value, node=UsPolicy(policy=policy.value))


def validate[C: Config](config: C) -> C:
    """Check ranges and cross-field rules; raise `ConfigError` naming the first bad key."""
    check_ranges(config)
    check(config.model_params)
    return config


def to_config(cfg: DictConfig) -> Config:
    """Turn a composed Hydra config into validated dataclass objects."""
    try:
        config = OmegaConf.to_object(cfg)
    except Exception as problem:  # OmegaConf reports missing values and bad types here
        raise ConfigError(f"configuration is incomplete or mistyped: {problem}") from None
    return validate(config)


def compose_config(overrides: Sequence[str] = (), config_name: str = "config") -> DictConfig:
    """Compose the Hydra config tree with command-line style overrides, without running.

    ``config_name`` is the primary config: ``config`` (a run), ``compare`` or ``calibrate``.
    """
    from hydra import compose, initialize_config_dir

    from sim.core.folders import CONF_DIR

    register()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name, overrides=list(overrides))


def default_config(overrides: Sequence[str] = (), config_name: str = "config") -> Config:
    """The default configuration as validated objects (tests, notebooks, the web page)."""
    return to_config(compose_config(overrides, config_name))


def config_from_dict(data: dict) -> Config:
    """Rebuild a validated `Config` from its `dataclasses.asdict` form (e.g. a game record)."""
    try:
        payoffs = dict(data["payoffs"])
        for key in ("audience", "economic", "security", "pressure"):
            payoffs[key] = PerAlly(**payoffs[key])
        payoffs["domains"] = DomainWeights(**payoffs["domains"])
        config = Config(
            scenario=ScenarioConfig(**data["scenario"]),
            payoffs=PayoffParams(**payoffs),
            seoul=RULES[data["seoul"]["rule"]](**data["seoul"]),
            tokyo=RULES[data["tokyo"]["rule"]](**data["tokyo"]),
            us=UsPolicy(**data["us"]),
            run=RunConfig(**data["run"]),
        )
    except (KeyError, TypeError) as problem:
        raise ConfigError(f"a stored configuration is incomplete or malformed: {problem}") from None
    return validate(config)
