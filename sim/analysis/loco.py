"""Leave one case out: fit on the other real cases, score the one left out.

Each case is a scenario folder with its own sides, measures and events; the model's parameters
are tied to the side slots (the first side, the patron's ally, is configured as ``seoul``; the
second as ``tokyo``), so one parameter set applies to every case. For each case left out, the
model (its keys and its conduct) and the baselines are fitted on the other cases pooled, then
score the left-out case's moves. The regime-break baseline is left out here: its break is a
week of one case and has no meaning in another. Pooled Markov chains count each case's
transitions separately (`_pooled`), so no transition runs across two cases.

With ``predictive`` settings the model also scores the left-out case from its posterior on the
others (column ``model_posterior``): the log of the mean, over the draws, of each side's
probability of the whole left-out sequence of moves. That is the sequence's posterior
predictive, which learns from the case's own earlier weeks as it goes; the baselines' columns
hold their smoothed counts fixed over the case, so they are not its counterpart. Theirs are
``base_rates_posterior`` and ``markov_posterior`` (`bayes_scores`): the counts' Dirichlet(1/2)
posterior on the other cases, updated week by week on the case's own moves (a Polya urn), as
the model's posterior is by its draws' likelihoods. The logit has no such column: it has no
posterior here. Column ``r_hat``: the model's posterior's largest R-hat.

Each plug-in score is also split in two (columns ``<scorer>_when``,
`sim.analysis.likelihood.when_to_move`): whether the side moved at all in each week (the
log-probability of holding, or of not holding), and which move it made in the weeks it moved
(the rest: the score minus that part). The split is exact for every scorer, so it says whether
a loss lies in the tempo of a case or in the direction of its moves.

The plug-in score sets each key the training cases do not bear on to the middle of its prior
rather than where the optimiser stopped (`sim.analysis.fit.plug_in`; the deadline's weight
when 2019, the one case with a notice that can lapse, is left out); column ``uninformed`` names
those keys. The posterior draws them from their prior.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.special import logsumexp

from sim.analysis.baselines import BaseRates, Logit, Markov, MoveData
from sim.analysis.fit import MLFit, fit_ml, plug_in
from sim.analysis.forecast import PredictiveSettings
from sim.analysis.likelihood import Episode, when_to_move
from sim.analysis.posterior import dimensions, joint_space, sample_posterior
from sim.analysis.space import Space

LOCO_BASELINES = (BaseRates, Markov, Logit)


@dataclass(frozen=True)
class _Pooled:
    """Several cases' data, scored one case at a time by a baseline fitted on all of them."""

    parts: tuple[MoveData, ...]

    def fit(self, cls, smoothing: float):
        """A baseline fitted on every part: count baselines add the parts' counts."""
        moves = np.concatenate([p.moves for p in self.parts])
        covariates = np.concatenate([p.covariates for p in self.parts])
        baseline = cls(smoothing=smoothing).fit(MoveData(moves, covariates))
        if cls is Markov:
            baseline.fitted = [self._markov_side(baseline, i, smoothing) for i in range(2)]
        return baseline

    def _markov_side(self, baseline, i: int, smoothing: float):
        counts = np.full((3, 3), smoothing)
        for part in self.parts:
            np.add.at(counts, (part.moves[:-1, i], part.moves[1:, i]), 1.0)
        rates = baseline.fitted[i][1]
        totals = counts.sum(axis=1, keepdims=True)
        return np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), rates), rates


def bayes_scores(
    parts: tuple[MoveData, ...], data: MoveData, prior: float = 0.5
) -> dict[str, np.ndarray]:
    """Each side's log predictive of ``data``'s whole sequence under the count baselines.

    Dirichlet(``prior``) counts of the ``parts``' moves (base rates) and transitions (Markov:
    its first week by the base rates, no transition across two cases), each week's move scored
    by the counts so far and then added to them. Returns ``{"base_rates_posterior": (sides,),
    "markov_posterior": (sides,)}``.
    """
    sides = data.moves.shape[1]
    rates_out, markov_out = np.zeros(sides), np.zeros(sides)
    for i in range(sides):
        rates = prior + sum(np.bincount(p.moves[:, i], minlength=3) for p in parts)
        first = rates.astype(float).copy()
        transitions = np.full((3, 3), prior)
        for part in parts:
            np.add.at(transitions, (part.moves[:-1, i], part.moves[1:, i]), 1.0)
        moves = data.moves[:, i]
        for week, move in enumerate(moves):
            rates_out[i] += np.log(rates[move] / rates.sum())
            rates[move] += 1
            row = first if week == 0 else transitions[moves[week - 1]]
            markov_out[i] += np.log(row[move] / row.sum())
            if week:
                row[move] += 1
    return {"base_rates_posterior": rates_out, "markov_posterior": markov_out}


def _posterior_scores(
    space: Space,
    training: tuple[Episode, ...],
    left_out: Episode,
    fit: MLFit,
    settings: PredictiveSettings,
    seed: int,
) -> tuple[np.ndarray, float]:
    """Each side's posterior-predictive log-likelihood of the left-out moves, and the R-hat."""
    s = settings
    walkers = max(s.walkers, 2 * dimensions(space))
    posterior = sample_posterior(space, training, fit, walkers, s.steps, s.burn, s.thin, seed)
    joint = joint_space(space.with_base(fit.conduct.apply(space.base)))
    coordinates = joint.coordinates(posterior.draws.T)
    moves = left_out.score(joint.apply(coordinates), coordinates.shape[1]).moves
    totals = moves.sum(axis=0)  # (draws, sides): each draw's log-likelihood of each side's moves
    return logsumexp(totals, axis=0) - np.log(len(totals)), float(posterior.summary.r_hat.max())


def fold_finished(case: str, done: int, total: int) -> str:
    """The progress line for a fold of `leave_one_case_out` that has finished."""
    return f"  fold {done}/{total}: {case} left out, scored"


def leave_one_case_out(
    space: Space,
    episodes: dict[str, Episode],
    seed: int = 0,
    popsize: int = 15,
    maxiter: int = 300,
    predictive: PredictiveSettings | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> pd.DataFrame:
    """One row per case left out and side: the log-likelihood of its moves, model and baselines.

    Columns: case, side, weeks, model, with ``predictive`` model_posterior and r_hat, then
    base_rates, markov, logit, base_rates_posterior, markov_posterior (`bayes_scores`); then
    each plug-in scorer's ``_when`` part (`when_to_move`);
    then ``uninformed``, the keys the plug-in did not take from the fit (comma-separated).
    With ``predictive``, ``predictive.jobs`` folds run at once (each fold's fit and posterior
    depend only on its cases and the seed, so the table is the same for any number of jobs).
    ``progress(case, done, total)`` is called as each fold finishes, in the order they finish;
    the rows keep the order of ``episodes`` whatever that order.
    """
    jobs = predictive.jobs if predictive is not None else 1
    tasks = (
        delayed(_fold)(space, episodes, name, seed, popsize, maxiter, predictive)
        for name in episodes
    )
    folds: dict[str, list[dict]] = {}
    for rows in Parallel(n_jobs=min(jobs, len(episodes)), return_as="generator_unordered")(tasks):
        name = rows[0]["case"]
        folds[name] = rows
        if progress is not None:
            progress(name, len(folds), len(episodes))
    return pd.DataFrame([row for name in episodes for row in folds[name]])


def _fold(
    space: Space,
    episodes: dict[str, Episode],
    name: str,
    seed: int,
    popsize: int,
    maxiter: int,
    predictive: PredictiveSettings | None,
) -> list[dict]:
    """The rows of one fold: ``name`` left out, everything fitted on the other cases."""
    left_out = episodes[name]
    training = tuple(e for n, e in episodes.items() if n != name)
    fit = fit_ml(space, training, seed, popsize, maxiter)
    params, uninformed = plug_in(space, training, fit)
    scores = left_out.score(params)
    model = scores.moves[:, 0].sum(axis=0)
    drawn = None
    if predictive is not None:
        drawn = _posterior_scores(space, training, left_out, fit, predictive, seed)
    data = MoveData.of(left_out.real, left_out.scenario)
    pooled = _Pooled(tuple(MoveData.of(e.real, e.scenario) for e in training))
    weeks = np.arange(data.weeks)
    forecasts = {cls().name: pooled.fit(cls, 0.5).scored(data, weeks) for cls in LOCO_BASELINES}
    scored = {k: moves.sum(axis=0) for k, (moves, _) in forecasts.items()}
    scored |= bayes_scores(pooled.parts, data)
    when = {"model": when_to_move(scores.hold[:, 0], data.moves)} | {
        k: when_to_move(hold, data.moves) for k, (_, hold) in forecasts.items()
    }
    rows = []
    for i, side in enumerate(left_out.scenario.sides):
        row = {"case": name, "side": side, "weeks": data.weeks, "model": float(model[i])}
        if drawn is not None:
            row |= {"model_posterior": float(drawn[0][i]), "r_hat": drawn[1]}
        row |= {k: float(v[i]) for k, v in scored.items()}
        row |= {f"{k}_when": float(v[i]) for k, v in when.items()}
        rows.append(row | {"uninformed": ",".join(uninformed)})
    return rows
