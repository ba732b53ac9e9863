"""Out-of-sample skill: rolling-origin forecasts of the real moves.

For each origin week o (from a chosen week on), the model and every baseline are fitted on the
weeks before o only, then score the real move of week o (one week ahead) and of week o + 3
(four weeks ahead: what was known before week o predicts week o + 3). The model's one-week
forecast is its probability with the real history up to o fed in; its four-week forecast is the
share of simulated runs (the history forced up to o, free from o on, the patron on its policy)
making the real move in week o + 3, with half a run added to each move so none has probability
zero. Baselines forecast with their own dynamics (`sim.analysis.baselines`), smoothed by half a
count. Moves only: the acts given the moves are scored by one shared conduct for all.

The baselines' smoothed counts are posterior-mean forecasts (a Dirichlet prior of half a
count), while the model's plug-in forecast trusts its ML point, which a few weeks of data can
push to extremes. A key the weeks before an origin do not bear on (Tokyo's pressure weight
before the patron's first pressure, the deadline's weight before a notice runs) is not taken
from the fit, where it sits wherever the optimiser stopped, but set to the middle of its prior
(`sim.analysis.fit.plug_in`); column ``uninformed`` names those keys.

With ``predictive`` settings the model also forecasts from its posterior at each origin
(column ``model_posterior``): a short emcee run on the weeks before the origin (the joint
posterior of the keys and the conduct, `sim.analysis.posterior`), the 1-week forecast
the mean of the draws' probabilities and the 4-week one simulated with one draw per run. The
column ``r_hat`` holds the largest R-hat of that origin's chains.

Each score is split as the leave-one-case-out scores are (`sim.analysis.likelihood.when_to_move`):
column ``<forecaster>_when`` holds the log-probability the forecast gave moving or holding, as
the side did; the score minus it is the log-probability of the move given that it moved.

`diebold_mariano` says whether a model forecast's lead over a baseline is more than noise.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.special import logsumexp

from sim.analysis.baselines import MoveData, fit_baselines
from sim.analysis.fit import MLFit, fit_ml, plug_in
from sim.analysis.likelihood import Episode, forcing, when_to_move
from sim.analysis.posterior import dimensions, joint_space, sample_posterior
from sim.analysis.space import Space
from sim.core.errors import ConfigError
from sim.core.model import EscalationModel
from sim.core.moves import N_MOVES, Move
from sim.core.params import ModelParams

HORIZONS = (1, 4)
SMOOTHING = 0.5

#: A forecast of one week: each side's log-probability of its real move, and its probability
#: of holding, both of shape (sides,).
Forecast = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class PredictiveSettings:
    """The posterior sampled at each origin for the model's posterior-predictive forecasts.

    Shorter than `escalation calibrate`'s (48 x 4500): an origin's forecast averages over the
    draws, and the chains' R-hat is kept beside it. ``walkers`` is raised to twice the sampled
    parameters where that is more (emcee's minimum). ``jobs`` origins are sampled at once.
    """

    walkers: int = 24
    steps: int = 1500
    burn: int = 500
    thin: int = 5
    jobs: int = 1


def _truncated(episode: Episode, weeks: int):
    full = forcing(episode.real)
    return dataclasses.replace(
        full,
        acts={a: v[:weeks] for a, v in full.acts.items()},
        enacted={a: v[:weeks] for a, v in full.enacted.items()},
        lifted={a: v[:weeks] for a, v in full.lifted.items()},
        pressure=full.pressure[:weeks],
    )


def simulated_moves(
    params: ModelParams, episode: Episode, origin: int, week: int, replications: int, seed: int
) -> np.ndarray:
    """Each side's move probabilities in ``week`` from free runs after ``origin``: (sides, 3)."""
    model = EscalationModel(
        episode.scenario,
        params,
        replications=replications,
        weeks=week + 1,
        keep_trajectories=False,
        track=False,
        forcing=_truncated(episode, origin),
        rng=seed,
    )
    model.run()
    counts = np.stack(
        [np.bincount(c.move, minlength=N_MOVES) for c in model.capitals.values()]
    ).astype(float)
    counts += SMOOTHING
    return counts / counts.sum(axis=1, keepdims=True)


def _simulated(probs: np.ndarray, episode: Episode, week: int) -> Forecast:
    """A forecast from simulated move shares (sides, 3) of ``week``."""
    moves = np.array([episode.real.moves[s][week] for s in episode.scenario.sides])
    return np.log(probs[np.arange(len(probs)), moves]), probs[:, Move.HOLD]


def _model_rows(
    fit: MLFit, space: Space, episode: Episode, origin: int, replications: int, seed: int
) -> tuple[dict[int, Forecast], tuple[str, ...]]:
    """The model's forecast of each side's real move at each horizon.

    Also the keys the weeks before ``origin`` do not bear on (`sim.analysis.fit.plug_in`).
    """
    params, uninformed = plug_in(space, (Episode(episode.scenario, episode.real, origin),), fit)
    scores = Episode(episode.scenario, episode.real, origin + 1).score(params)
    out = {1: (scores.moves[origin, 0], scores.hold[origin, 0])}
    target = origin + 3
    if target < episode.scenario.weeks:
        probs = simulated_moves(params, episode, origin, target, replications, seed)
        out[4] = _simulated(probs, episode, target)
    return out, uninformed


def _posterior_rows(
    fit: MLFit,
    space: Space,
    episode: Episode,
    origin: int,
    settings: PredictiveSettings,
    replications: int,
    seed: int,
) -> tuple[dict[int, Forecast], float]:
    """The posterior-predictive forecast of each side's real move at each horizon.

    Returns the rows by horizon and the largest R-hat of the origin's chains.
    """
    past = (Episode(episode.scenario, episode.real, origin),)
    s = settings
    walkers = max(s.walkers, 2 * dimensions(space))
    posterior = sample_posterior(space, past, fit, walkers, s.steps, s.burn, s.thin, seed)
    joint = joint_space(space.with_base(fit.conduct.apply(space.base)))
    coordinates = joint.coordinates(posterior.draws.T)  # (k, draws)
    scored = Episode(episode.scenario, episode.real, origin + 1).score(
        joint.apply(coordinates), coordinates.shape[1]
    )
    draws = scored.moves[origin]  # (draws, sides): each draw's log-probability of the real move
    hold = scored.hold[origin].mean(axis=0)
    out = {1: (logsumexp(draws, axis=0) - np.log(len(draws)), hold)}
    target = origin + 3
    if target < episode.scenario.weeks:
        rows = np.random.default_rng(seed).integers(coordinates.shape[1], size=replications)
        params = joint.apply(coordinates[:, rows])
        probs = simulated_moves(params, episode, origin, target, replications, seed)
        out[4] = _simulated(probs, episode, target)
    return out, float(posterior.summary["r_hat"].max())


#: The earliest origin: a fit needs a few weeks before it.
EARLIEST_ORIGIN = 4


def first_origin(scenario, text: object, key: str) -> int:
    """The week the rolling forecasts start from, read from ``key``'s date and checked.

    An origin in the first four weeks is moved to week 4 (a fit needs weeks before it); one
    before the scored weeks, or that leaves none of them to forecast, is a config error naming
    ``key``, raised before anything is fitted.
    """
    from sim.core.scenario import parse_date

    asked = scenario.week_of(parse_date(text, key))
    week = max(asked, EARLIEST_ORIGIN)
    if asked < 0:  # it was moved to week 4 without a word
        raise ConfigError(
            f"{key}={text} is before the scored weeks, which start {scenario.start}; choose "
            f"an origin from {scenario.week_start(EARLIEST_ORIGIN)} (week {EARLIEST_ORIGIN + 1})"
        )
    if scenario.weeks <= EARLIEST_ORIGIN:
        raise ConfigError(
            f"{key}={text}: the events file scores {scenario.weeks} week(s) from "
            f"{scenario.start}, too few for rolling forecasts, whose first origin is week "
            f"{EARLIEST_ORIGIN}; give it a longer sequence or leave out the rolling forecasts"
        )
    if week >= scenario.weeks:
        last = scenario.week_start(scenario.weeks - 1)
        raise ConfigError(
            f"{key}={text} leaves no week to forecast: the scored weeks run from "
            f"{scenario.start} to the week of {last}; choose an origin no later than {last}"
        )
    return week


def rolling_origin(
    space: Space,
    episode: Episode,
    first: int,
    seed: int = 0,
    replications: int = 2000,
    popsize: int = 10,
    maxiter: int = 150,
    progress: Callable[[str, int, int], None] | None = None,
    predictive: PredictiveSettings | None = None,
) -> pd.DataFrame:
    """Forecast every week from ``first`` on; one row per origin, horizon and side.

    Columns: origin, horizon, week (the week scored), side, model, with ``predictive``
    model_posterior and r_hat, then one column per baseline; each score is the
    log-probability of the real move; then the ``_when`` parts and ``uninformed``.
    ``progress`` hears (stage, done, total) per origin.
    """
    origins = list(range(first, episode.scenario.weeks))
    fits, previous = [], None
    for n, origin in enumerate(origins):
        init = None
        if previous is not None:
            rng = np.random.default_rng(seed + origin)
            spread = 0.05 * (space.high - space.low)
            members = previous + spread * rng.standard_normal((popsize * len(space), len(space)))
            init = np.vstack([previous, members])
        past = (Episode(episode.scenario, episode.real, origin),)
        fits.append(fit_ml(space, past, seed, popsize, maxiter, init))
        previous = fits[-1].coordinates
        if progress is not None:
            progress("fit", n + 1, len(origins))
    posterior = [None] * len(origins)
    if predictive is not None:
        tasks = (
            delayed(_posterior_rows)(fit, space, episode, o, predictive, replications, seed + o)
            for fit, o in zip(fits, origins, strict=True)
        )
        results = Parallel(n_jobs=predictive.jobs, return_as="generator")(tasks)
        for n, result in enumerate(results):
            posterior[n] = result
            if progress is not None:
                progress("posterior", n + 1, len(origins))
    rows = []
    for fit, origin, drawn in zip(fits, origins, posterior, strict=True):
        model, uninformed = _model_rows(fit, space, episode, origin, replications, seed + origin)
        flat = ",".join(uninformed)
        rows += [row | {"uninformed": flat} for row in _origin_rows(episode, origin, model, drawn)]
    return pd.DataFrame(rows)


def _origin_rows(
    episode: Episode,
    origin: int,
    model: dict[int, Forecast],
    drawn: tuple[dict[int, Forecast], float] | None,
) -> list[dict]:
    """One origin's rows: the model's scores (plug-in, posterior) beside the baselines'.

    Then each forecaster's when-to-move part (`sim.analysis.likelihood.when_to_move`).
    """
    data = MoveData.of(episode.real, episode.scenario)
    baselines = fit_baselines(data, origin, SMOOTHING)
    rows = []
    for horizon in model:
        week = origin + horizon - 1
        forecasts = {"model": model[horizon]}
        if drawn is not None:
            forecasts["model_posterior"] = drawn[0][horizon]
        for b in baselines:
            scored, hold = b.scored(data, np.array([week]), horizon)
            forecasts[b.name] = (scored[0], hold[0])
        moves = data.moves[week][None, :]
        for i, side in enumerate(episode.scenario.sides):
            row: dict = {"origin": origin, "horizon": horizon, "week": week, "side": side}
            for name, (scores, _) in forecasts.items():
                row[name] = float(scores[i])
                if name == "model_posterior" and drawn is not None:
                    row["r_hat"] = drawn[1]
            for name, (_, hold) in forecasts.items():
                row[f"{name}_when"] = float(when_to_move(hold[None, :], moves)[i])
            rows.append(row)
    return rows


#: Columns of the rolling-origin table that are not scores.
KEYS = ("origin", "horizon", "week", "side", "r_hat", "uninformed")


def forecasters(table: pd.DataFrame) -> list[str]:
    """The forecasters of a rolling-origin table (model and baselines), in column order."""
    return [c for c in table.columns if c not in KEYS and not c.endswith("_when")]


def forecast_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean log score per side-week by horizon, for each forecaster (model and baselines)."""
    return table.groupby("horizon")[forecasters(table)].mean()


def forecast_parts(table: pd.DataFrame) -> pd.DataFrame:
    """The mean log score per side-week split: rows (horizon, part), one column per forecaster.

    ``when to move`` is the mean of the ``_when`` columns, ``which move`` the rest.
    """
    names = forecasters(table)
    when = table.groupby("horizon")[[f"{n}_when" for n in names]].mean()
    when.columns = names
    which = forecast_summary(table) - when
    parts = pd.concat({"when to move": when, "which move": which}, names=["part"])
    return parts.swaplevel().sort_index(level=0, sort_remaining=False)


def diebold_mariano(table: pd.DataFrame) -> pd.DataFrame:
    """Each model forecast against each baseline: its total gain and a Diebold-Mariano p-value.

    One row per horizon, model forecaster (``model``, ``model_posterior``) and baseline, with
    ``gain_nats`` (the model's log score minus the baseline's, summed over every origin and
    side) and ``p``. The test (Diebold & Mariano 1995, "Comparing predictive accuracy", JBES 13:
    253-263) takes one gain per origin (both sides summed: they share the origin's fit) and
    tests its mean against zero, with the autocovariances of the h - 1 lags by which h-week
    forecasts from successive origins overlap, weighted equally as the test has them
    (statsmodels' least squares on a constant, HAC errors with the uniform kernel; Newey-West's
    Bartlett weights where equal weights give no positive variance). With a few dozen origins
    the normal reference rejects too often, so the statistic takes Harvey, Leybourne &
    Newbold's correction (1997, "Testing the equality of prediction mean squared errors", IJF
    13: 281-291): times sqrt((n + 1 - 2h + h(h - 1)/n) / n), against Student's t with n - 1
    degrees of freedom. Two-sided. ``p`` is NaN with fewer than two origins.
    """
    names = forecasters(table)
    models = [n for n in names if n.startswith("model")]
    rows = []
    for h, block in table.groupby("horizon"):
        by_origin = block.groupby("origin")[names].sum()
        for model in models:
            for baseline in (n for n in names if n not in models):
                gain = (by_origin[model] - by_origin[baseline]).to_numpy(float)
                rows.append(
                    {
                        "horizon": int(h),
                        "model": model,
                        "baseline": baseline,
                        "gain_nats": float(gain.sum()),
                        "p": dm_p_value(gain, int(h)),
                    }
                )
    return pd.DataFrame(rows)


def dm_p_value(gain: np.ndarray, horizon: int) -> float:
    """The two-sided p-value of `diebold_mariano` for one series of gains per origin."""
    # imported here: the report modules import this one, and `escalation run` should not
    # spend a second of every start-up loading statsmodels for a test it never makes
    from scipy.stats import t as student
    from statsmodels.regression.linear_model import OLS

    n = len(gain)
    if n < 2 or np.ptp(gain) == 0:
        return float("nan")
    lags = horizon - 1
    for kernel in ("uniform", "bartlett"):
        with np.errstate(invalid="ignore"):  # a negative variance is what the fallback is for
            fit = OLS(gain, np.ones_like(gain)).fit(
                cov_type="HAC", cov_kwds={"maxlags": lags, "kernel": kernel}
            )
            error = float(fit.bse[0])
        if np.isfinite(error) and error > 0:
            break
    statistic = float(fit.tvalues[0]) * np.sqrt((n + 1 - 2 * horizon + horizon * lags / n) / n)
    return float(2 * student.sf(abs(statistic), n - 1))
