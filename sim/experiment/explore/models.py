"""What a design point is evaluated with: the escalation model, or the Ishigami test function.

An evaluator knows its parameter schema (where the input space's ranges come from), its
choice keys (inputs that pick a config-group option, so they cannot vary inside one model run),
its outcomes, and how to evaluate a block of design points that share those choices. The
design, the chunks, the jobs and the analyses are the same for every evaluator: the Ishigami
function goes through the very code path the model does, which is what lets its analytic
indices check the pipeline.
"""

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from SALib.test_functions import Ishigami

from sim.core.errors import ConfigError
from sim.core.folders import CONF_DIR
from sim.core.metrics import replication_table
from sim.core.model import EscalationModel
from sim.core.params import UsPolicyKind, bounded, with_values
from sim.core.rules import RULES
from sim.experiment.config import Config
from sim.experiment.explore.options import NEEDS_NOTICE, OUTCOMES, ExploreOptions, ModelKind
from sim.experiment.factory import build_scenario
from sim.history import real_path


class Evaluator(Protocol):
    """Evaluates design points that share their categorical levels."""

    choices: dict[str, str]  # choice key -> the config group that sets it

    def schema(self, config: Config) -> Any:
        """The parameter object whose bounded fields are the inputs."""
        ...

    def levels(self) -> dict[str, list[str]]:
        """The levels each choice key can take."""
        ...

    def optional(self) -> set[str]:
        """Keys that exist only under other choices (a preset may narrow them unused)."""
        ...

    def outcomes(self, config: Config) -> list[str]:
        """Outcomes this evaluator can measure for ``config``."""
        ...

    def left_out(self, config: Config) -> dict[str, str]:
        """Outcomes ``config``'s case cannot give, each with the reason (one line)."""
        ...

    def notice(self, config: Config) -> str | None:
        """What ``config``'s notice threatens, as reports name it (GSOMIA); None: no notice."""
        ...

    def evaluate(
        self, config: Config, values: pd.DataFrame, seed: np.random.SeedSequence
    ) -> pd.DataFrame:
        """One row of outcomes per row of ``values`` (the numeric inputs of each point)."""
        ...


def block_means(values: np.ndarray, replications: int) -> np.ndarray:
    """Mean of each consecutive block of ``replications`` values (one block per design point)."""
    return np.asarray(values, dtype=float).reshape(-1, replications).mean(axis=1)


def points_per_batch(options: ExploreOptions) -> int:
    """Design points in one lockstep batch: at most ``options.batch`` replications in all."""
    return max(1, options.batch // options.replications)


@dataclass
class EscalationEvaluator:
    """The escalation model: each design point is a block of replications in one lockstep run.

    Outcomes per point: P(terminated); P(the real outcome) when the case has real events;
    mean peak tension; the mean week of the notice, a run that never gives notice counting as
    the horizon (a restricted mean); and the US-pressure effect, P(terminated) at pressure
    ``high`` minus at ``low``, both runs drawing the same random numbers as the point's own
    run (common random numbers: the same seed, the same number of replications).
    """

    options: ExploreOptions
    choices = {
        "payoffs.name": "payoffs",
        "seoul.rule": "strategy@seoul",
        "tokyo.rule": "strategy@tokyo",
        "us.policy": "us",
    }

    def schema(self, config: Config) -> Any:
        """The model's parameters."""
        return config.model_params

    def levels(self) -> dict[str, list[str]]:
        """Payoff presets on disk, decision rules, US policies."""
        presets = sorted(p.stem for p in (CONF_DIR / "payoffs").glob("*.yaml"))
        rules = list(RULES)
        policies = [p.value for p in UsPolicyKind]
        return {
            "payoffs.name": presets,
            "seoul.rule": rules,
            "tokyo.rule": rules,
            "us.policy": policies,
        }

    def optional(self) -> set[str]:
        """Parameters of every decision rule, for either ally."""
        return {
            f"{ally}.{name}"
            for ally in ("seoul", "tokyo")
            for rule in RULES.values()
            for name in rule.__dataclass_fields__
        }

    def outcomes(self, config: Config) -> list[str]:
        """All outcomes; P(real outcome) only when the case has a real event sequence.

        A case without an outcome rule has none of the outcomes that follow a notice
        (`left_out`): they would be constant.
        """
        scenario = build_scenario(config.scenario)
        real = scenario.events_path is not None
        left_out = self.left_out(config)
        return [o for o in OUTCOMES if (o != "p_real" or real) and o not in left_out]

    def left_out(self, config: Config) -> dict[str, str]:
        """The outcomes that follow a notice, when the case has no outcome rule."""
        scenario = build_scenario(config.scenario)
        if scenario.notice is not None:
            return {}
        reason = f"{scenario.name} has no outcome rule (no agreement is put on notice)"
        return dict.fromkeys(NEEDS_NOTICE, reason)

    def notice(self, config: Config) -> str | None:
        """The case's notice label (its ``outcome.label``), or None without an outcome rule."""
        rule = build_scenario(config.scenario).notice
        return rule.label if rule is not None else None

    def evaluate(
        self, config: Config, values: pd.DataFrame, seed: np.random.SeedSequence
    ) -> pd.DataFrame:
        """Run the points in batches of at most ``options.batch`` replications."""
        scenario = build_scenario(config.scenario)
        real = real_path(scenario).outcome if scenario.events_path else None
        per_batch = points_per_batch(self.options)
        starts = range(0, len(values), per_batch)
        seeds = seed.spawn(len(starts))
        wanted = [o for o in self.options.outcomes if o in self.outcomes(config)]
        parts = [
            self._batch(config, scenario, values.iloc[s : s + per_batch], batch_seed, real, wanted)
            for s, batch_seed in zip(starts, seeds, strict=True)
        ]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    @staticmethod
    def _run(config, scenario, params, replications: int, seed) -> pd.DataFrame:
        """One lockstep model of ``replications`` runs; its per-replication table."""
        model = EscalationModel(
            scenario,
            params,
            replications=replications,
            weeks=config.run.weeks,
            keep_trajectories=False,
            rng=np.random.default_rng(seed),
        )
        return replication_table(model.run())

    def _batch(self, config, scenario, values, seed, real, wanted) -> pd.DataFrame:
        """Outcomes ``wanted`` of one batch of points: the model run, the pressure-effect runs."""
        reps = self.options.replications
        total = len(values) * reps
        columns = {key: np.repeat(values[key].to_numpy(), reps) for key in values.columns}
        params = with_values(config.model_params, columns)
        table = self._run(config, scenario, params, total, seed)
        weeks = config.run.weeks or scenario.weeks
        out = {}
        if "p_terminated" in wanted or "pressure_effect" in wanted:
            out["p_terminated"] = block_means(table["outcome"] == "terminated", reps)
        if "p_real" in wanted and real is not None:
            out["p_real"] = block_means(table["outcome"] == real, reps)
        if "peak_tension" in wanted:
            out["peak_tension"] = block_means(table["peak_tension"], reps)
        if "weeks_to_notice" in wanted:
            notice = table["notice_week"].astype("Float64").fillna(weeks).to_numpy(float)
            out["weeks_to_notice"] = block_means(notice, reps)
        if "pressure_effect" in wanted:
            effect = self.options.pressure_effect
            at = {}
            for name, level in (("low", effect.low), ("high", effect.high)):
                shifted = with_values(params, {"us.pressure": level})
                run = self._run(config, scenario, shifted, total, seed)
                terminated = run["outcome"] == "terminated"
                at[name] = block_means(terminated, reps)
            out["pressure_effect"] = at["high"] - at["low"]
        return pd.DataFrame({o: out[o] for o in wanted if o in out})


@dataclass
class IshigamiInputs:
    """The Ishigami-Homma function's three inputs, each uniform on [-pi, pi]."""

    x1: float = bounded(0.0, -math.pi, math.pi)
    x2: float = bounded(0.0, -math.pi, math.pi)
    x3: float = bounded(0.0, -math.pi, math.pi)


#: The Ishigami function's inputs, in its argument order.
ISHIGAMI_X = ("x1", "x2", "x3")


ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
"""Analytic indices for a = 7, b = 0.1 (Ishigami & Homma 1990; Saltelli et al. 2008, ch. 4)."""


@dataclass
class IshigamiEvaluator:
    """The Ishigami-Homma test function (SALib's), whose Sobol indices are known exactly."""

    options: ExploreOptions
    choices: dict[str, str] = field(default_factory=dict)

    def schema(self, config: Config) -> Any:
        """Three inputs on [-pi, pi]."""
        return IshigamiInputs()

    def levels(self) -> dict[str, list[str]]:
        """No choice keys."""
        return {}

    def optional(self) -> set[str]:
        """No keys that exist only under other choices."""
        return set()

    def outcomes(self, config: Config) -> list[str]:
        """The function's value, ``y``."""
        return ["y"]

    def left_out(self, config: Config) -> dict[str, str]:
        """Nothing: ``y`` is always measured."""
        return {}

    def notice(self, config: Config) -> str | None:
        """No notice."""
        return None

    def evaluate(
        self, config: Config, values: pd.DataFrame, seed: np.random.SeedSequence
    ) -> pd.DataFrame:
        """f(x) = sin x1 + 7 sin^2 x2 + 0.1 x3^4 sin x1, with every input at its design value.

        An input left out of the exploration (``explore.inputs``) stays at 0.
        """
        rows = len(values)
        x = np.column_stack([values[k] if k in values else np.zeros(rows) for k in ISHIGAMI_X])
        return pd.DataFrame({"y": Ishigami.evaluate(x)})


def evaluator(options: ExploreOptions) -> Evaluator:
    """The evaluator ``options.model`` names."""
    match options.model:
        case ModelKind.ESCALATION:
            return EscalationEvaluator(options)
        case ModelKind.ISHIGAMI:
            return IshigamiEvaluator(options)
        case other:
            raise ConfigError(
                f"explore.model={other!r} is not a model; choose one of {', '.join(ModelKind)}"
            )
