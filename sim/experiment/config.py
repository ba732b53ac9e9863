"""Structured configs: the Hydra schema of every config group, and its validation.

The schema *is* the core's parameter classes (`sim.core.params`, the rules in
`sim.core.rules`): their defaults are the defaults of ``escalation run``, and their range
metadata is what `validate` checks. This module adds what only jobs have: which case to run,
how many replications, the comparison and calibration options.

Hydra checks types and key names when it composes; `to_config` then rejects keys the schema
lacks (``+run.foo=1``), and `validate` checks that every number is finite and in its range, once,
at the boundary, raising `ConfigError` naming the key. What needs the scenario (the weeks within
its span) is checked where the scenario is built (`sim.experiment.factory`).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from sim.core.errors import ConfigError
from sim.core.fitted import fit_file, fit_record, fit_values
from sim.core.folders import display_path
from sim.core.params import (
    ConductParams,
    ModelParams,
    PayoffParams,
    UsPolicy,
    UsPolicyKind,
    bounded,
    check,
    check_ranges,
    lookup,
)
from sim.core.rules import ALIASES, RULES
from sim.core.scenario_yaml import DEFAULT_SCENARIO
from sim.experiment.checks import check_finite, check_keys, check_stage_shape, composition_error

#: The longest horizon a run may have: 100 years of weeks (week counters are 16-bit).
MAX_WEEKS = 5200
MAX_SEED = 2**32 - 1
MAX_REPLICATIONS = 10_000_000


@dataclass
class RunConfig:
    """How a job runs: seed, number of replications, horizon (default: the span), what it keeps."""

    seed: int = bounded(2019, 0, MAX_SEED)
    replications: int = bounded(1000, 1, MAX_REPLICATIONS)
    weeks: Optional[int] = bounded(None, 1, MAX_WEEKS)  # noqa: UP045 (OmegaConf needs Optional)
    trajectories: bool = True
    progress: bool = True
    posterior: bool = False  # give each replication its own draw from the fit's posterior
    follow: bool = True  # play on past the end until every running notice is lifted or lapses
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
    predictive: bool = False  # out-of-sample scores from a short posterior too (rolling, loco)
    predictive_steps: int = bounded(1500, 10, 10_000_000)  # that posterior's emcee steps
    predictive_burn: int = bounded(500, 0, 10_000_000)  # and the steps it discards
    jobs: int = bounded(1, 1, 256)  # rolling origins or left-out cases sampled at once
    loco: bool = False  # leave-one-case-out over calibrate.cases
    cases: list[str] = field(
        default_factory=lambda: [
            "gsomia_2019",
            "thaad_2016",
            "senkaku_2010",
            "australia_2020",
            "scarborough_2012",
            "lithuania_2021",
        ]
    )


@dataclass
class CalibrateJobConfig(CompareJobConfig):
    """`escalation calibrate`: a compare config plus the parameters to fit.

    Each entry of ``params`` is a config key, or ``KEY:LOW:HIGH`` to narrow its bounds.
    """

    params: list[str] = field(default_factory=list)
    calibrate: CalibrateOptions = field(default_factory=CalibrateOptions)


def check_seed(seed: object, where: str = "run.seed") -> int:
    """``seed`` if it is a whole number in [0, `MAX_SEED`], else a `ConfigError` naming ``where``.

    For seeds kept outside a `Config` (a game record's own ``seed``).
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"{where}={seed!r} must be a whole number from 0 to {MAX_SEED}")
    return seed


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


def validate[C: Config](config: C, config_folders: Sequence[str] = ()) -> C:
    """Check finiteness, ranges and cross-field rules; raise `ConfigError` naming a bad key.

    ``config_folders`` are the folders ``hydra.searchpath`` adds, where a fit preset of the
    user's own may be found: a value out of range that the fit sets names the fit's file.
    """
    try:
        check_finite(config)
        check_stage_shape(config.payoffs.stage)
        check_ranges(config)
    except ConfigError as problem:
        raise _from_the_fit(config, problem, config_folders) from None
    check(config.model_params)
    return config


def _from_the_fit(
    config: Config, problem: ConfigError, config_folders: Sequence[str]
) -> ConfigError:
    """``problem``, naming the fit's file when the value out of range is the fit's own."""
    key, _, value = problem.problem.partition(" ")[0].partition("=")
    path = fit_file(config.fit, config_folders)
    try:
        fitted = fit_values(config.fit, path) if config.fit != "none" else {}
    except ConfigError:  # no such file: the preset is not one we can read
        fitted = {}
    try:
        given = float(value)
        same = key in fitted and (
            fitted[key] == given or (math.isnan(fitted[key]) and math.isnan(given))
        )
    except ValueError:  # not a single number
        return problem
    if not same:
        return problem
    bounds = lookup(config, key)[0].metadata.get("range")
    return ConfigError(
        f"{problem.problem.split(';')[0]}, as the fit {config.fit!r} sets it "
        f"({display_path(path)})",
        advice="correct that file or run `escalation calibrate` again, or set it on the "
        "command line" + (f", e.g. {key}={bounds[0]}" if bounds else ""),
    )


def config_folders(hydra_node: Any) -> list[str]:
    """The folders Hydra composed from (``conf/`` and any ``hydra.searchpath`` entry).

    A relative entry is taken from the folder the command started in (``hydra.runtime.cwd``),
    as Hydra took it: a job with ``hydra.job.chdir=true`` runs elsewhere.
    """
    sources = OmegaConf.select(hydra_node, "runtime.config_sources", default=None) or []
    started = OmegaConf.select(hydra_node, "runtime.cwd", default=None) or ""
    return [str(Path(started, s.path)) for s in sources if s.schema == "file"]


def to_config(cfg: DictConfig, folders: Sequence[str] | None = None) -> Config:
    """Turn a composed Hydra config into validated dataclass objects.

    ``folders`` are the config folders it was composed from (`config_folders`); inside a
    Hydra job they are read from the job's own Hydra config.
    """
    from omegaconf.errors import OmegaConfBaseException

    check_keys(cfg)
    try:
        config = OmegaConf.to_object(cfg)
    except OmegaConfBaseException as problem:  # missing values and bad types
        raise composition_error(problem) from None
    if not isinstance(config, Config):
        raise ConfigError(  # e.g. a result folder's .hydra/config.yaml given as --config-path
            f"the configuration is a {type(config).__name__}, not one of escalation's own configs; "
            "to repeat a run, give its overrides again (its .hydra/overrides.yaml lists them)"
        )
    return validate(config, job_folders() if folders is None else folders)


def job_folders() -> list[str]:
    """`config_folders` of the running Hydra job, or none outside one."""
    from hydra.core.hydra_config import HydraConfig

    return config_folders(HydraConfig.get()) if HydraConfig.initialized() else []


def job_config(cfg: DictConfig, command: str) -> Config:
    """`to_config` inside the Hydra job of ``escalation COMMAND``, with its overrides checked.

    An override the command would not read is refused (`sim.experiment.unread`).
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.experiment.unread import check_read

    config = to_config(cfg)
    hydra = HydraConfig.get()
    check_read(config, list(hydra.overrides.task), command, hydra.mode == RunMode.MULTIRUN)
    return config


def compose_config(
    overrides: Sequence[str] = (), config_name: str = "config", with_hydra: bool = False
) -> DictConfig:
    """Compose the Hydra config tree with command-line style overrides, without running.

    ``config_name`` is the primary config: ``config`` (a run), ``compare`` or ``calibrate``;
    ``with_hydra`` keeps Hydra's own node (folders, sweeper, launcher).
    """
    from hydra import compose, initialize_config_dir

    from sim.core.folders import CONF_DIR

    register()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name, overrides=list(overrides), return_hydra_config=with_hydra)


def load_config(overrides: Sequence[str] = (), config_name: str = "config") -> Config:
    """Compose and validate; any error, Hydra's included, is a one-line `ConfigError`."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.experiment.checks import check_overrides

    check_overrides(overrides)
    try:
        cfg = compose_config(overrides, config_name)
    except (HydraException, OmegaConfBaseException) as problem:
        raise composition_error(problem, overrides) from None
    return to_config(cfg)


def default_config(overrides: Sequence[str] = (), config_name: str = "config") -> Config:
    """The default configuration as validated objects (tests, notebooks, the web page)."""
    return load_config(overrides, config_name)


def config_from_dict(data: Any) -> Config:
    """Rebuild a validated `Config` from its `dataclasses.asdict` form (e.g. a game record).

    The stored form is checked like fresh input: OmegaConf merges it onto the schema (so an
    unknown key or a wrong type is an error naming the key), then `validate` checks every
    number. Raises `ConfigError`.
    """
    from omegaconf.errors import OmegaConfBaseException

    if not isinstance(data, dict):
        raise ConfigError(f"a stored configuration must be a mapping, not {type(data).__name__}")
    rules = {}
    for ally in ("seoul", "tokyo"):
        node = data.get(ally)
        name = node.get("rule") if isinstance(node, dict) else None
        if not isinstance(name, str) or name not in RULES:
            raise ConfigError(
                f"{ally}.rule={name!r} in a stored configuration is not a decision rule; "
                f"known rules: {', '.join(RULES)}"
            )
        rules[ally] = RULES[name]()
    schema = Config(
        scenario=ScenarioConfig(),
        payoffs=PayoffParams(),
        seoul=rules["seoul"],
        tokyo=rules["tokyo"],
        us=UsPolicy(),
        conduct=ConductParams(),
        fit="none",
        run=RunConfig(),
    )
    try:
        merged = OmegaConf.merge(OmegaConf.structured(schema), data)
    except OmegaConfBaseException as problem:
        raise ConfigError(f"a stored configuration: {composition_error(problem)}") from None
    if not isinstance(merged, DictConfig):
        raise ConfigError("a stored configuration must be a mapping")
    return to_config(merged)


def set_by_hand(config: Config, folders: Sequence[str] | None = None) -> list[str]:
    """The fit's keys that ``config`` gives another value than the fit's, as ``key=value``.

    The fit is looked up in ``folders`` (default: the Hydra job's config folders).
    """
    if config.fit == "none":
        return []
    folders = job_folders() if folders is None else folders
    try:
        fitted = fit_values(config.fit, fit_file(config.fit, folders))
    except ConfigError:  # no such file: nothing to set apart from
        return []
    given = {key: lookup(config, key)[1] for key in sorted(fitted)}
    return [f"{key}={value:.12g}" for key, value in given.items() if float(value) != fitted[key]]


def fitted_under(config: Config) -> str | None:
    """The fit's rules (``first/second``) when ``config`` runs it under others, else None.

    Values fitted under one decision rule mean something else under another (a tournament
    sweep, a `seoul.rule` override): the runs' parameters then say so.
    """
    if config.fit == "none":
        return None
    try:
        record = fit_record(config.fit, job_folders())
    except ConfigError:  # no such fit: nothing to compare with
        return None
    fitted = (record or {}).get("rules") or {}
    ours = {"seoul": config.seoul.rule, "tokyo": config.tokyo.rule}
    if all(fitted.get(side, rule) == rule for side, rule in ours.items()):
        return None
    return "/".join(str(fitted.get(side, rule)) for side, rule in ours.items())


def parameter_source(config: Config) -> str:
    """Where the simulated runs' parameters come from, in words (a run's or a comparison's)."""
    if config.fit == "none":
        return "hand-set"
    if config.run.posterior:
        source = "posterior draws, one per replication"
    else:
        changed = ", ".join(set_by_hand(config))
        source = f"point estimate, {changed} set by hand" if changed else "point estimate"
    rules = fitted_under(config)
    return f"{source}, fitted under other rules: {rules}" if rules else source
