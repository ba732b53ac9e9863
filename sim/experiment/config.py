"""Structured configs: the dataclasses behind every Hydra config group, and their validation.

Hydra checks types and key names when it composes; `validate` then checks ranges and
cross-field rules once, at the boundary, and raises `ConfigError` naming the key.
"""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field, make_dataclass
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from sim.core.errors import ConfigError
from sim.core.moves import ALLIES
from sim.core.rules import RULES, Rule

US_POLICIES = ("absent", "constant", "reactive")


def bounded(default: Any, low: float, high: float) -> Any:
    """A dataclass field whose value must lie in [low, high]."""
    return field(default=default, metadata={"range": (low, high)})


@dataclass
class RunConfig:
    """How a job runs: seed, number of replications, horizon, what it keeps."""

    seed: int = 2019
    replications: int = bounded(1000, 1, 10_000_000)
    weeks: Optional[int] = None  # noqa: UP045 (OmegaConf needs typing.Optional)
    trajectories: bool = True
    progress: bool = True


@dataclass
class ScenarioConfig:
    """Which real case to run, over which span, from which state."""

    name: str = "gsomia_2019"
    start: Optional[str] = None  # noqa: UP045
    end: Optional[str] = None  # noqa: UP045
    initial_rungs: dict[str, str] = field(default_factory=dict)


@dataclass
class PerAlly:
    """One number for Seoul and one for Tokyo."""

    seoul: float = bounded(0.0, 0.0, 100.0)
    tokyo: float = bounded(0.0, 0.0, 100.0)


def per_ally(seoul: float, tokyo: float) -> Any:
    """A `PerAlly` field default."""
    return field(default_factory=lambda: PerAlly(seoul, tokyo))


@dataclass
class DomainWeights:
    """How strongly Washington's pressure weighs on a retaliation in each domain."""

    legal: float = bounded(0.3, 0.0, 1.0)
    trade: float = bounded(0.6, 0.0, 1.0)
    security: float = bounded(1.0, 0.0, 1.0)
    diplomatic: float = bounded(0.3, 0.0, 1.0)
    society: float = bounded(0.1, 0.0, 1.0)


def _pd() -> dict[str, list[list[float]]]:
    return {actor: [[3.0, 0.0], [5.0, 1.0]] for actor in ALLIES}


@dataclass
class PayoffsConfig:
    """Stage games per ally ([[R, S], [T, P]], rows own move, columns the other's) and terms.

    The equations are in docs/model.md.
    """

    name: str = "prisoners_dilemma"
    stage: dict[str, Any] = field(default_factory=_pd)  # checked by `validate`
    audience: PerAlly = per_ally(1.0, 1.0)
    economic: PerAlly = per_ally(2.0, 1.0)
    security: PerAlly = per_ally(2.0, 1.0)
    pressure: PerAlly = per_ally(4.0, 2.0)
    cooperation_reward: float = bounded(0.5, 0.0, 100.0)
    domains: DomainWeights = field(default_factory=DomainWeights)


@dataclass
class StrategyConfig:
    """A decision rule for one ally, with the behaviour every rule shares."""

    rule: str = MISSING
    noise: float = bounded(0.02, 0.0, 1.0)
    activity: float = bounded(0.25, 0.0, 1.0)
    memory: int = bounded(4, 1, 520)


@dataclass
class UsConfig:
    """Washington's policy: ``absent``, ``constant`` pressure, or ``reactive`` pressure."""

    policy: str = "reactive"
    pressure: float = bounded(0.6, 0.0, 1.0)
    delay: int = bounded(1, 0, 520)
    baseline: float = bounded(0.1, 0.0, 1.0)


@dataclass
class Config:
    """The whole configuration of one job (one sweep cell)."""

    scenario: ScenarioConfig = MISSING
    payoffs: PayoffsConfig = MISSING
    seoul: Any = MISSING
    tokyo: Any = MISSING
    us: UsConfig = MISSING
    run: RunConfig = field(default_factory=RunConfig)


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
    conf_dir: Optional[str] = None  # noqa: UP045 (default: the checkout's conf/)
    intervals: bool = True
    starts: int = bounded(1, 1, 50)  # optimiser starts: the config's values, then seeded draws


@dataclass
class CalibrateJobConfig(CompareJobConfig):
    """`escalation calibrate`: a compare config plus the parameters to fit.

    Each entry of ``params`` is a config key, or ``KEY:LOW:HIGH`` to narrow its bounds.
    """

    params: list[str] = field(default_factory=list)
    calibrate: CalibrateOptions = field(default_factory=CalibrateOptions)


def _strategy_config(rule: type[Rule]) -> type[StrategyConfig]:
    """A config dataclass for one rule: the shared fields plus the rule's parameters."""
    params = []
    for f in dataclasses.fields(rule):
        if not f.init:
            continue
        meta = {"range": rule.ranges[f.name]} if f.name in rule.ranges else {}
        params.append((f.name, f.type, field(default=f.default, metadata=meta)))
    camel = "".join(part.title() for part in rule.name.split("_"))
    return make_dataclass(
        f"{camel}Config",
        [("rule", str, field(default=rule.name)), *params],
        bases=(StrategyConfig,),
        module=__name__,
    )


STRATEGY_CONFIGS: dict[str, type[StrategyConfig]] = {
    name: _strategy_config(rule) for name, rule in RULES.items()
}
globals().update({cls.__name__: cls for cls in STRATEGY_CONFIGS.values()})  # picklable by name


def register() -> None:
    """Register the schema and the strategy and US options in Hydra's ConfigStore."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(name="base_compare", node=CompareJobConfig)
    cs.store(name="base_calibrate", node=CalibrateJobConfig)
    for name, cls in STRATEGY_CONFIGS.items():
        cs.store(group="strategy", name=name, node=cls)
    for policy in US_POLICIES:
        cs.store(group="us", name=policy, node=UsConfig(policy=policy))


def _check_ranges(obj: Any, path: str) -> None:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{path}.{f.name}" if path else f.name
        if dataclasses.is_dataclass(value):
            _check_ranges(value, key)
        elif "range" in f.metadata and value is not None:
            low, high = f.metadata["range"]
            if not low <= value <= high:
                raise ConfigError(
                    f"{key}={value} is outside the allowed range [{low}, {high}]; "
                    f"set it on the command line, e.g. {key}={low}"
                )


def _check_stage(payoffs: PayoffsConfig) -> None:
    missing = [a for a in ALLIES if a not in payoffs.stage]
    if missing:
        raise ConfigError(f"payoffs.stage lacks a matrix for {', '.join(missing)}")
    for actor, matrix in payoffs.stage.items():
        if actor not in ALLIES:
            raise ConfigError(f"payoffs.stage.{actor}: {actor!r} is not one of {ALLIES}")
        numbers = all(
            isinstance(v, int | float) and not isinstance(v, bool)
            for row in (matrix if isinstance(matrix, list) else [])
            for v in (row if isinstance(row, list) else [None])
        )
        if not numbers or len(matrix) != 2 or any(len(row) != 2 for row in matrix):
            raise ConfigError(
                f"payoffs.stage.{actor} must be a 2x2 matrix [[R, S], [T, P]] (rows: own "
                f"cooperate, retaliate; columns: the other's), got {matrix}"
            )


def validate(config: Config) -> Config:
    """Check ranges and cross-field rules; raise `ConfigError` naming the first bad key."""
    _check_ranges(config, "")
    for actor in ALLIES:
        strategy = getattr(config, actor)
        if strategy.rule not in RULES:
            raise ConfigError(
                f"{actor}.rule={strategy.rule!r} is not a decision rule; "
                f"choose strategy@{actor}= one of {', '.join(RULES)}"
            )
    if config.us.policy not in US_POLICIES:
        raise ConfigError(
            f"us.policy={config.us.policy!r} is not a policy; "
            f"choose one of {', '.join(US_POLICIES)}"
        )
    _check_stage(config.payoffs)
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
            payoffs=PayoffsConfig(**payoffs),
            seoul=STRATEGY_CONFIGS[data["seoul"]["rule"]](**data["seoul"]),
            tokyo=STRATEGY_CONFIGS[data["tokyo"]["rule"]](**data["tokyo"]),
            us=UsConfig(**data["us"]),
            run=RunConfig(**data["run"]),
        )
    except (KeyError, TypeError) as problem:
        raise ConfigError(f"a stored configuration is incomplete or malformed: {problem}") from None
    return validate(config)
