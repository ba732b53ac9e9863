"""A config becomes a case and a model: the one way every command builds them."""

from typing import Any

from sim.core.model import EscalationModel
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import load_case
from sim.experiment.config import Config, ScenarioConfig


def build_scenario(config: ScenarioConfig) -> Scenario:
    """The scenario a config names, over its span, with its initial rungs."""
    return load_case(config.name, config.start, config.end, dict(config.initial_rungs))


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
    return EscalationModel(
        scenario=scenario or build_scenario(config.scenario),
        params=config.model_params,
        **arguments,
    )
