"""A config becomes a case and a model: the one way every command builds them."""

from typing import Any

import numpy as np

from sim.core.errors import ConfigError
from sim.core.fitted import posterior_draws
from sim.core.model import EscalationModel
from sim.core.params import ModelParams, with_values
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import load_case
from sim.experiment.config import Config, ScenarioConfig


def build_scenario(config: ScenarioConfig) -> Scenario:
    """The scenario a config names, over its span, with its initial rungs."""
    return load_case(config.name, config.start, config.end, dict(config.initial_measures))


def build_model(
    config: Config, scenario: Scenario | None = None, **changes: Any
) -> EscalationModel:
    """The model a config describes, seeded with ``run.seed``.

    ``changes`` replace `EscalationModel` keyword arguments taken from ``run`` (replications,
    weeks, keep_trajectories, rng) or add others (track, forcing).
    """
    arguments = {
        "replications": config.run.replications,
        "weeks": config.run.weeks,
        "keep_trajectories": config.run.trajectories,
        "rng": config.run.seed,
        **changes,
    }
    scenario = scenario or build_scenario(config.scenario)
    params = config.model_params
    if config.run.posterior:
        params = posterior_params(config, arguments["replications"], arguments["rng"])
    return EscalationModel(scenario=scenario, params=params, **arguments)


def posterior_params(config: Config, replications: int, seed: object) -> ModelParams:
    """The config's parameters with each replication's fitted keys drawn from the posterior.

    Draws are taken with replacement, from a generator seeded by the run's seed, out of
    ``conf/fit/<fit>.posterior.parquet``; keys not in the posterior keep the config's values.
    """
    draws = posterior_draws(config.fit) if config.fit != "none" else None
    if draws is None:
        raise ConfigError(
            f"run.posterior=true needs posterior draws of the fit {config.fit!r} "
            f"(conf/fit/{config.fit}.posterior.parquet); run `escalation calibrate` first"
        )
    rng = np.random.default_rng(seed if isinstance(seed, int) else None)
    rows = rng.integers(len(draws), size=replications)
    return with_values(config.model_params, {k: draws[k].to_numpy()[rows] for k in draws.columns})
