"""Weights that vary by case: a new case predicted from the spread between the known ones.

Leave one case out (`sim.analysis.loco`) fits one set of keys on the training cases pooled, so
the case left out is scored as if its sides weighed provocations, audiences and the patron's
pressure as the training cases do on average. Where cases differ in which way a side leans once
it acts, a hierarchical model predicts a new case from the distribution of the cases' own
values instead. This module measures an empirical-Bayes reading of that model:

- each training case is fitted on its own (`fit_case`: the keys by maximum likelihood, as
  `sim.analysis.fit.fit_ml` fits a pooled set, with that case's own conduct);
- for each key, the training cases whose moves bear on it (`sim.analysis.fit.uninformed_keys`)
  give one estimate each, in search coordinates (log10 for log-scale keys). With n >= 2 of them
  a new case's value is drawn from the predictive of a normal population whose mean and spread
  are both unknown, under the reference prior: Student's t with n - 1 degrees of freedom,
  centred on the estimates' mean, scaled by their standard deviation times sqrt(1 + 1/n),
  then truncated to the key's box (the box is the prior's support). Truncating the predictive
  is an approximation: a population itself cut off at the box would have another. With fewer
  than two, the key keeps the pooled fit's plug-in value (`sim.analysis.fit.plug_in`);
- keys are drawn independently (five cases cannot estimate the correlations of six keys), with
  the pooled fit's conduct;
- the case left out is scored by the log of the mean, over the draws, of each side's
  probability of its whole sequence of moves: like ``model_posterior`` in `sim.analysis.loco`,
  this learns from the case's own earlier weeks as it goes, and the Polya-urn baselines there
  are its counterparts.

Each case's ML estimates carry their own estimation error, so the spread between them is
probably wider than the population's. Two things can move it either way: an estimate on a
bound of its box stands for one beyond it, and is read as if it lay there; and each case's keys
are fitted with that case's own conduct but drawn with the pooled fit's.

A full hierarchical posterior (each case's keys, their means and spreads, sampled together)
has about 30 parameters over five training cases; its spread would be set more by its prior
than by the data, and emcee's ensemble explores that many poorly in the time a fold has
(docs/comparison.md, section 7.1).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats
from scipy.special import logsumexp

from sim.analysis.conduct_fit import ConductFit
from sim.analysis.fit import BATCH, fit_ml, plug_in_coordinates, uninformed_keys
from sim.analysis.likelihood import Episode
from sim.analysis.space import Space


@dataclass(frozen=True)
class CaseFit:
    """One case's own ML estimates of the keys (search coordinates) and which it bears on."""

    case: str
    coordinates: np.ndarray  # (k,)
    informed: np.ndarray  # (k,) bool: the case's moves bear on the key


@dataclass(frozen=True)
class Population:
    """The predictive of a new case's keys: a Student's t per key, or a fixed value.

    ``cases[j]`` training cases bear on key ``j``; with fewer than two its scale is zero, and
    with a zero scale (fewer than two, or estimates all alike) every draw is ``centre[j]``.
    """

    centre: np.ndarray  # (k,) coordinates
    scale: np.ndarray  # (k,)
    cases: np.ndarray  # (k,) int

    def draw(self, space: Space, draws: int, rng: np.random.Generator) -> np.ndarray:
        """``draws`` columns of coordinates (k, draws), each key's t truncated to its box.

        Drawn exactly, by the inverse of the t's distribution function between its values at
        the box's bounds (the centre lies in the box: it is a mean of estimates inside it).
        """
        out = np.tile(self.centre[:, None], (1, draws))
        for j in np.flatnonzero((self.cases >= 2) & (self.scale > 0)):  # else fixed
            t = stats.t(self.cases[j] - 1, loc=self.centre[j], scale=self.scale[j])
            u = rng.uniform(t.cdf(space.low[j]), t.cdf(space.high[j]), size=draws)
            out[j] = np.clip(t.ppf(u), space.low[j], space.high[j])  # rounding at the ends only
        return out


def fit_case(
    space: Space, name: str, episode: Episode, seed: int, popsize: int, maxiter: int
) -> CaseFit:
    """One case fitted on its own, with the keys its moves do not bear on marked."""
    fit = fit_ml(space, (episode,), seed, popsize, maxiter)
    flat = uninformed_keys(space, (episode,), fit)
    return CaseFit(name, fit.coordinates, np.array([p.name not in flat for p in space.parameters]))


def population(fits: list[CaseFit], fallback: np.ndarray) -> Population:
    """The t predictive of a new case from ``fits``; keys fewer than two bear on: ``fallback``."""
    coordinates = np.array([f.coordinates for f in fits])
    informed = np.array([f.informed for f in fits])
    cases = informed.sum(axis=0)
    centre, scale = fallback.astype(float).copy(), np.zeros(len(fallback))
    for j in np.flatnonzero(cases >= 2):
        values = coordinates[informed[:, j], j]
        centre[j] = values.mean()
        scale[j] = values.std(ddof=1) * np.sqrt(1 + 1 / len(values))
    return Population(centre, scale, cases)


def predictive_scores(
    space: Space, conduct: ConductFit, episode: Episode, coordinates: np.ndarray
) -> np.ndarray:
    """Each side's log of the mean, over the draws, of the likelihood of its moves.

    A column of ``coordinates`` is one draw of the keys (search coordinates).
    """
    space = space.with_base(conduct.apply(space.base))
    totals = []
    for start in range(0, coordinates.shape[1], BATCH):
        block = coordinates[:, start : start + BATCH]
        totals.append(episode.score(space.apply(block), block.shape[1]).moves.sum(axis=0))
    joined = np.concatenate(totals)  # (draws, sides)
    return logsumexp(joined, axis=0) - np.log(len(joined))


def population_fold(
    space: Space,
    episodes: dict[str, Episode],
    fits: dict[str, CaseFit],
    name: str,
    seed: int,
    popsize: int,
    maxiter: int,
    draws: int,
    repeats: int = 1,
) -> list[dict]:
    """The rows of one fold: ``name`` scored from the population of the other cases' fits.

    Columns: case, side, weeks, ``model`` (the pooled plug-in, as `sim.analysis.loco` scores
    it), ``model_centre`` (every key at the population's centre, conduct pooled),
    ``model_population`` (the predictive's draws), ``model_population_repeats`` (a list: that
    score again with ``repeats`` independent sets of draws, the first the column's own: their
    spread is the draws' Monte Carlo error), and for each key ``centre:KEY`` and ``scale:KEY``
    (coordinates) and ``cases:KEY``.
    """
    training = tuple(e for n, e in episodes.items() if n != name)
    pooled = fit_ml(space, training, seed, popsize, maxiter)
    fallback, _ = plug_in_coordinates(space, training, pooled)
    spread = population([f for n, f in fits.items() if n != name], fallback)
    fold, left_out = list(episodes).index(name), episodes[name]
    repeated = np.array(
        [
            predictive_scores(
                space,
                pooled.conduct,
                left_out,
                spread.draw(space, draws, np.random.default_rng([seed, fold, r])),
            )
            for r in range(repeats)
        ]
    )  # (repeats, sides)
    scores = {
        "model": predictive_scores(space, pooled.conduct, left_out, fallback[:, None]),
        "model_centre": predictive_scores(space, pooled.conduct, left_out, spread.centre[:, None]),
        "model_population": repeated[0],
    }
    keys = {}
    for j, p in enumerate(space.parameters):
        keys |= {f"centre:{p.name}": spread.centre[j], f"scale:{p.name}": spread.scale[j]}
        keys[f"cases:{p.name}"] = int(spread.cases[j])
    weeks = left_out.span
    return [
        {"case": name, "side": side, "weeks": weeks}
        | {k: float(v[i]) for k, v in scores.items()}
        | {"model_population_repeats": repeated[:, i].tolist()}
        | keys
        for i, side in enumerate(left_out.scenario.sides)
    ]


def leave_one_case_out_population(
    space: Space,
    episodes: dict[str, Episode],
    seed: int = 0,
    popsize: int = 15,
    maxiter: int = 300,
    draws: int = 2000,
    jobs: int = 1,
    repeats: int = 1,
) -> tuple[pd.DataFrame, dict[str, CaseFit]]:
    """`population_fold` for every case, and each case's own fit (`fit_case`).

    ``jobs`` fits or folds run at once (joblib processes); each depends only on its cases and
    the seed, so the table is the same for any number of jobs.
    """
    parallel = Parallel(n_jobs=min(jobs, len(episodes)))
    fitted = parallel(
        delayed(fit_case)(space, name, e, seed, popsize, maxiter) for name, e in episodes.items()
    )
    fits = {f.case: f for f in fitted}
    folds = parallel(
        delayed(population_fold)(
            space, episodes, fits, name, seed, popsize, maxiter, draws, repeats
        )
        for name in episodes
    )
    return pd.DataFrame([row for rows in folds for row in rows]), fits
