"""Typed results of the comparison and the calibration, and their JSON form.

`ComparisonReport` is what `escalation compare` computes, `CalibrationReport` what
`escalation calibrate` does. JSON is written from them at the edge (`to_json`); the schema is
documented in docs/comparison.md and keeps the keys the first version wrote (``loglik`` with
``model``, ``base_rates``, ``markov``, each with ``total`` and ``per_actor``;
``gain_nats_per_actor_week``; ``milestones``; ``outcome_probability``; ``path``).
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.fit import MLFit
from sim.analysis.forecast import diebold_mariano, forecast_parts, forecast_summary
from sim.analysis.insample import InSample, Row
from sim.analysis.posterior import CONDUCT_PARAMETERS, Posterior
from sim.analysis.predictive import CountCheck, MilestoneCheck, PathCheck
from sim.core.moves import ALLIES


def _row_json(row: Row) -> dict:
    return {
        "total": row.loglik,
        "moves": row.moves,
        "acts": row.acts,
        "per_actor": row.per_side,
        "parameters": row.parameters,
        "aic": row.aic,
        "bic": row.bic,
        "per_actor_week": row.loglik / row.observations,
        "when_to_move": row.when,
        "which_move": row.which,
    }


def _forecasts_json(table: pd.DataFrame | None) -> dict | None:
    """The rolling-origin means by horizon, each forecaster's, its two parts and the tests.

    The per-origin rows go to forecasts.parquet.
    """
    if table is None:
        return None
    parts = forecast_parts(table)
    tests = diebold_mariano(table)
    return {
        int(h): row.to_dict()
        | {
            "when_to_move": parts.loc[(h, "when to move")].to_dict(),
            "which_move": parts.loc[(h, "which move")].to_dict(),
            "diebold_mariano": _tests_json(tests[tests["horizon"] == h]),
        }
        for h, row in forecast_summary(table).iterrows()
    }


def _tests_json(tests: pd.DataFrame) -> dict:
    """``{model: {baseline: {gain_nats, p}}}`` for one horizon; a NaN p as None (JSON null)."""
    out: dict[str, dict] = {}
    for row in tests.itertuples(index=False):
        p = None if row.p != row.p else row.p
        out.setdefault(row.model, {})[row.baseline] = {"gain_nats": row.gain_nats, "p": p}
    return out


@dataclass(frozen=True)
class ComparisonReport:
    """Everything `escalation compare` reports (docs/comparison.md explains each number)."""

    scenario: str
    events: str
    train_events: str | None
    start: str
    end: str
    weeks: int
    sides: tuple[str, ...]
    initial: dict[str, list[str]]
    events_left_out: int
    replications: int
    seed: int
    version: str
    rules: dict[str, str]
    in_sample: InSample
    milestones: list[MilestoneCheck]
    outcome: str
    outcome_probability: float
    outcome_shares: dict[str, float]
    outcome_probability_settled: float  # runs followed until every running notice settled
    outcome_shares_settled: dict[str, float]
    path: PathCheck
    counts: list[CountCheck]
    forecasts: pd.DataFrame | None  # rolling_origin's rows: origin, horizon, week, side, scores
    weekly_model: np.ndarray
    parameters: str  # the simulated runs': point estimate, posterior draws or hand-set
    timings: dict[str, float] = field(default_factory=dict)
    pressed: tuple[str, ...] = ()  # the sides the patron presses (the case's patron_presses)
    notice: str | None = "the agreement"  # what the outcome rule follows; None: no rule
    fitted_on: str | None = None  # the case the model's fit was made on (None: hand-set)
    fit: str | None = None  # the fit's name (fit=NAME), when it is not the hand-set model
    own_events: bool = True  # the events compared are those the model's fit was made on
    fitted_events: str | None = None  # the file the fit was made on (None: hand-set)
    us_policy: str = "reactive"  # the simulated runs' US policy and pressure (the fan's caption)
    us_pressure: float = 0.0
    patron: str = "washington"  # the case's patron, as the fan's caption names it

    @property
    def gain_nats_per_actor_week(self) -> float:
        """The model's log-likelihood minus the best baseline's (by AIC), per side-week."""
        best = self.in_sample.best("aic")
        return (self.in_sample.model.loglik - best.loglik) / self.in_sample.model.observations

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (the schema docs/comparison.md documents)."""
        rows = self.in_sample
        loglik = {row.name: _row_json(row) for row in rows.rows}
        loglik["best_baseline_aic"] = rows.best("aic").name
        loglik["best_baseline_bic"] = rows.best("bic").name
        loglik["margin_aic"] = rows.margin("aic")
        loglik["margin_bic"] = rows.margin("bic")
        return {
            "scenario": self.scenario,
            "events": self.events,
            "train_events": self.train_events,
            "start": self.start,
            "end": self.end,
            "weeks": self.weeks,
            "sides": list(self.sides),
            "patron_presses": list(self.pressed or self.sides),
            "fit": self.fit,
            "model_fitted_on": self.fitted_on,
            "model_fitted_on_events": self.fitted_events,
            "own_events": self.own_events,
            "run_parameters": self.parameters,
            "initial_measures": self.initial,
            "events_left_out": self.events_left_out,
            "replications": self.replications,
            "seed": self.seed,
            "version": self.version,
            "rules": self.rules,
            "loglik": loglik,
            "gain_nats_per_actor_week": self.gain_nats_per_actor_week,
            "weekly_log_probabilities": {
                "model": {s: self.weekly_model[:, i].tolist() for i, s in enumerate(self.sides)}
            },
            "milestones": [dataclasses.asdict(m) for m in self.milestones],
            **self._outcome_json(),
            "path": dataclasses.asdict(self.path),
            "counts": [dataclasses.asdict(c) for c in self.counts],
            "forecasts": _forecasts_json(self.forecasts),
            "timings_s": self.timings,
        }

    def _outcome_json(self) -> dict[str, Any]:
        """The outcome keys; null where the case has no outcome rule (nothing to score)."""
        scored = self.notice is not None
        return {
            "outcome_rule": self.notice,
            "outcome": self.outcome if scored else None,
            "outcome_probability": self.outcome_probability if scored else None,
            "outcome_shares": self.outcome_shares if scored else None,
            "outcome_probability_settled": self.outcome_probability_settled if scored else None,
            "outcome_shares_settled": self.outcome_shares_settled if scored else None,
        }


@dataclass(frozen=True)
class CalibrationReport:
    """What `escalation calibrate` found: the ML fit, the posterior, the comparison tables."""

    scenario: str
    events: str
    start: str
    weeks: int
    seed: int
    version: str
    date: str
    command: str
    rules: dict[str, str]
    bounds: dict[str, tuple[float, float]]
    ml: MLFit
    posterior: Posterior | None
    in_sample: InSample
    forecasts: pd.DataFrame | None  # rolling_origin's rows: origin, horizon, week, side, scores
    loco: pd.DataFrame | None
    timings: dict[str, float] = field(default_factory=dict)
    log_keys: tuple[str, ...] = ()  # keys searched on a log scale (log-uniform priors)
    left_out: tuple[str, ...] = ()  # params the case does not bear on, left at their base values
    sides: tuple[str, ...] = ALLIES  # the case's sides, which the slots seoul.* and tokyo.* set

    def estimates(self) -> list[dict[str, Any]]:
        """One row per fitted key: estimate, bounds, at-bound flag, posterior summary.

        ``tied`` lists the keys tied to it (they take its value).
        """
        return [
            self._row(key, float(value), *self.bounds[key], at_bound)
            | {"tied": [twin for twin, of in self.ml.tied if of == key]}
            for key, value, at_bound in zip(
                self.ml.keys, self.ml.estimates, self.ml.at_bound, strict=True
            )
        ]

    def conduct_estimates(self) -> list[dict[str, Any]]:
        """The same for the conduct's parameters: their own ML fit, the posterior's box."""
        fitted = self.ml.conduct.values()
        return [
            self._row(p.key, fitted[p.key], p.low, p.high, p.at_bound(fitted[p.key]))
            for p in CONDUCT_PARAMETERS
        ]

    def _row(self, key: str, value: float, low: float, high: float, at_bound: bool) -> dict:
        row = {"key": key, "estimate": value, "low": low, "high": high, "at_bound": at_bound}
        if self.posterior is not None and key in self.posterior.keys:
            summary = self.posterior.summary.loc[key]
            row |= {f"posterior_{k}": float(v) for k, v in summary.items()}
            if not self.posterior.long_enough:  # as the report's dashes: too few to estimate
                row |= {"posterior_r_hat": None, "posterior_ess_bulk": None}
        return row

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        rows = self.in_sample
        return {
            "scenario": self.scenario,
            "events": self.events,
            "start": self.start,
            "weeks": self.weeks,
            "seed": self.seed,
            "version": self.version,
            "date": self.date,
            "command": self.command,
            "rules": self.rules,
            "estimates": self.estimates(),
            "conduct": self.ml.conduct.values(),
            "conduct_estimates": self.conduct_estimates(),
            "parameters": self.ml.parameters,
            "left_out": list(self.left_out),
            "sides": list(self.sides),
            "loglik": {row.name: _row_json(row) for row in rows.rows},
            "best_baseline_aic": rows.best("aic").name,
            "best_baseline_bic": rows.best("bic").name,
            "margin_aic": rows.margin("aic"),
            "margin_bic": rows.margin("bic"),
            "optimiser": {
                "evaluations": self.ml.evaluations,
                "converged": self.ml.converged,
                "message": self.ml.message,
                "seconds": self.ml.seconds,
            },
            "posterior": None
            if self.posterior is None
            else {
                "walkers": self.posterior.walkers,
                "steps": self.posterior.steps,
                "burn": self.posterior.burn,
                "draws": len(self.posterior.draws),
                "kept_steps": self.posterior.kept_steps,
                "acceptance": self.posterior.acceptance,
                "converged": self.posterior.converged,
                "seconds": self.posterior.seconds,
            },
            "forecasts": _forecasts_json(self.forecasts),
            "loco": None if self.loco is None else self.loco.to_dict(orient="records"),
            "timings_s": self.timings,
        }
