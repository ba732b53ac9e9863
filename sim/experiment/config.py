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
    ConductParams,
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
from sim.core.rules import ALIASES, RULES
from sim.core.scenario_yaml import DEFAULT_SCENARIO


@dataclass
class RunConfig:
    """How a job runs: seed, number of replications, horizon, what it keeps."""

    seed: int = 2019
    replications: int = bounded(1000, 1, 10_000_000)
    weeks: Optional[int] = None  # noqa: UP045 (OmegaConf needs typing.Optional)
    trajectories: bool = True
    progress: bool = True
    posterior: bool = False  # give each replication its own draw from the fit's posterior
    objective: Optional[str] = None  # noqa: UP045 (what a run returns: sim.experiment.objective)


@dataclass
class ScenarioConfig:
    """Which real case to run, over which span, from which state."""

    name: str = DEFAULT_SCENARIO
    start: Optional[str] = None  # noqa: UP045
    end: Optional[str] = None  # noqa: UP045
    initial_measures: dict[str, Any] = field(default_factory=dict)  # side -> measure id(s)


@dataclass
class Config:
    """The whole configuration of one job (one sweep cell)."""

    scenario: ScenarioConfig = MISSING
    payoffs: PayoffParams = MISSING
    seoul: Any = MISSING  # a rule of `sim.core.rules`, chosen with strategy@seoul=NAME
    tokyo: Any = MISSING
    us: UsPolicy = MISSING
    conduct: ConductParams = MISSING  # the `conduct` group (its `default`), then the fit's values
    fit: str = MISSING  # the fit applied, set by the `fit` group's preset: conf/fit/<fit>.yaml
    run: RunConfig = field(default_factory=RunConfig)

    @property
    def model_params(self) -> ModelParams:
        """The model's parameters: payoffs, both decision rules, the patron, the conduct."""
        return ModelParams(
            payoffs=self.payoffs,
            seoul=self.seoul,
            tokyo=self.tokyo,
            us=self.us,
            conduct=self.conduct,
        )


@dataclass
class CompareOptions:
    """How `escalation compare` shows the comparison and what it adds."""

    samples: int = bounded(6, 0, 50)  # simulated runs drawn under the real one in the raster
    rolling: bool = False  # rolling-origin forecasts (refits the model at every origin: minutes)
    origin: str = "2019-05-06"  # the first origin of the rolling forecasts


@dataclass
class CompareJobConfig(Config):
    """`escalation compare`: a model config and the real sequence to hold it against.

    ``events`` is an events file (default: the scenario's); the compared span is the file's
    first to last week unless ``scenario.start``/``scenario.end`` are set. ``train_events``
    is the events file the baselines are fitted on (default: the one compared), so that
    scoring an unseen case is out of sample for the baselines too.
    """

    events: Optional[str] = None  # noqa: UP045
    train_events: Optional[str] = None  # noqa: UP045
    compare: CompareOptions = field(default_factory=CompareOptions)


@dataclass
class CalibrateOptions:
    """How `escalation calibrate` fits, what it adds, and where it writes the fit."""

    fit: str = "gsomia_2019"  # the fit's name: conf/fit/<fit>.yaml, .json, .posterior.parquet
    conf_dir: Optional[str] = None  # noqa: UP045 (default: the shipped conf/)
    write: bool = True  # write the fit into the config tree (it becomes the default model)
    popsize: int = bounded(15, 5, 200)  # differential evolution: members per parameter
    maxiter: int = bounded(300, 1, 100_000)  # differential evolution: generations at most
    posterior: bool = True  # sample the posterior (emcee) after the ML fit
    walkers: int = bounded(32, 8, 4096)
    steps: int = bounded(1500, 10, 10_000_000)
    burn: int = bounded(500, 0, 10_000_000)
    thin: int = bounded(5, 1, 10_000)
    rolling: bool = False  # rolling-origin forecasts (refits at every origin)
    origin: str = "2019-05-06"  # the first origin of the rolling forecasts
    loco: bool = False  # leave-one-case-out over calibrate.cases
    cases: list[str] = field(default_factory=lambda: ["gsomia_2019", "thaad_2016", "senkaku_2010"])


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
    for alias, name in ALIASES.items():
        cs.store(group="strategy", name=alias, node=RULES[name])
    for policy in UsPolicyKind:
        cs.store(group="us", name=policy.value, node=UsPolicy(policy=policy.value))
    cs.store(group="conduct", name="default", node=ConductParams)


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
            conduct=ConductParams(**data.get("conduct", {})),
            fit=str(data.get("fit", "none")),
            run=RunConfig(**data["run"]),
        )
    except (KeyError, TypeError) as problem:
        raise ConfigError(f"a stored configuration is incomplete or malformed: {problem}") from None
    return validate(config)
