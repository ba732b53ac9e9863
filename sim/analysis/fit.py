"""Maximum-likelihood fit of the model to a real sequence, global and multi-start.

The objective is the log-likelihood of the real moves under the model with the real history
fed in (`sim.analysis.likelihood`), with the conduct fixed at its own maximum-likelihood fit
(`sim.analysis.conduct_fit`). Every parameter is a smooth function of the model's probabilities
once the history is forced, so the objective has no steps; it can still have several local
maxima, so the search is global: scipy's `differential_evolution` (a seeded population over
the whole box, each generation scored in one model run with one replication per member), then
L-BFGS-B from its best point. A fit is a deterministic function of its data, space and seed.
"""

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import differential_evolution

from sim.analysis.conduct_fit import ConductFit, fit_conduct
from sim.analysis.likelihood import Episode, Scores
from sim.analysis.space import Space
from sim.core.params import ModelParams

#: Most parameter vectors scored in one model run (memory grows with it).
BATCH = 512

#: A key whose ends and middle move the log-likelihood by less than this is uninformed.
FLAT = 1e-9


@dataclass
class MovesObjective:
    """The moves' log-likelihood as a function of the fitted values, batched over columns.

    Summed over ``episodes`` (one case, or several for a pooled fit). With ``acts`` the acts'
    log-likelihood given the moves is added: the whole likelihood, for a posterior that
    samples the conduct with the keys. Without ``moves`` only the acts' term is left, which
    depends on the conduct alone (`sim.analysis.conduct_fit`): the part every baseline shares.
    """

    space: Space
    episodes: tuple[Episode, ...]
    evaluations: int = 0
    acts: bool = False  # add the acts' log-likelihood given the moves (a fit with the conduct)
    moves: bool = True  # count the moves' log-likelihood under the rule

    def loglik(self, values: np.ndarray) -> np.ndarray:
        """Log-likelihood of the real moves for each column of ``values`` (k, S): shape (S,)."""
        values = np.asarray(values, dtype=float).reshape(len(self.space), -1)
        out = np.empty(values.shape[1])
        for start in range(0, values.shape[1], BATCH):
            block = values[:, start : start + BATCH]
            params = self.space.apply(block)
            out[start : start + BATCH] = sum(
                self._scored(e.score(params, block.shape[1])) for e in self.episodes
            )
        self.evaluations += values.shape[1]
        return out

    def _scored(self, scores: Scores) -> np.ndarray:
        parts = ([scores.moves] if self.moves else []) + ([scores.acts] if self.acts else [])
        if not parts:
            raise ValueError("MovesObjective: count the moves, the acts or both")
        return sum(parts).sum(axis=(0, 2))

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """The negative log-likelihood, for minimisers (vectorised: columns are members)."""
        result = -self.loglik(values)
        return result if np.ndim(values) > 1 else result[0]


@dataclass(frozen=True)
class MLFit:
    """A maximum-likelihood fit: estimates, log-likelihoods and parameter counts."""

    keys: tuple[str, ...]
    estimates: np.ndarray  # values
    coordinates: np.ndarray  # the same in search coordinates (log10 for log-scale keys)
    at_bound: tuple[bool, ...]
    moves_loglik: float
    conduct: ConductFit
    evaluations: int
    seconds: float
    converged: bool
    message: str
    tied: tuple[tuple[str, str], ...] = ()  # (tied key, the fitted key whose value it takes)

    @property
    def loglik(self) -> float:
        """Log-likelihood of the real acts: the moves' under the rule plus the conduct's."""
        return self.moves_loglik + self.conduct.loglik

    @property
    def parameters(self) -> int:
        """Free parameters: the fitted keys plus the conduct's."""
        return len(self.keys) + self.conduct.parameters

    @property
    def warning(self) -> str | None:
        """What to say of a fit that stopped before it converged; None when it converged."""
        if self.converged:
            return None
        return (
            f"the ML fit did not converge ({self.message.rstrip('.')}): its estimates may not "
            "be the optimum; raise calibrate.maxiter or calibrate.popsize"
        )

    def values(self) -> dict[str, float]:
        """Every fitted key and value, the tied keys' and the conduct's included."""
        fitted = {k: float(v) for k, v in zip(self.keys, self.estimates, strict=True)}
        fitted |= {twin: fitted[key] for twin, key in self.tied}
        return fitted | self.conduct.values()


def fit_ml(
    space: Space,
    episodes: tuple[Episode, ...],
    seed: int = 0,
    popsize: int = 15,
    maxiter: int = 300,
    init: np.ndarray | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> MLFit:
    """Fit ``space`` to ``episodes`` by maximum likelihood.

    ``init`` optionally seeds the population (rows are members), e.g. with an earlier fit;
    ``progress`` is told each generation's number and best log-likelihood of the moves.
    """
    started = time.perf_counter()
    conduct = fit_conduct(episodes)
    objective = MovesObjective(space.with_base(conduct.apply(space.base)), episodes)
    generations = itertools.count(1)

    def callback(intermediate_result) -> None:  # scipy passes each generation's best
        if progress is not None:
            progress(next(generations), -float(intermediate_result.fun))

    result = differential_evolution(
        objective,
        list(zip(space.low, space.high, strict=True)),
        vectorized=True,
        updating="deferred",
        popsize=popsize,
        maxiter=maxiter,
        tol=1e-8,
        seed=seed,
        polish=True,
        init="latinhypercube" if init is None else np.clip(init, space.low, space.high),
        callback=callback if progress is not None else None,
    )
    return MLFit(
        keys=tuple(space.keys),
        estimates=space.values(result.x),
        coordinates=np.asarray(result.x, dtype=float),
        at_bound=tuple(space.at_bound(space.values(result.x))),
        moves_loglik=float(-result.fun),
        conduct=conduct,
        evaluations=objective.evaluations,
        seconds=time.perf_counter() - started,
        converged=bool(result.success),
        message=str(result.message),
        tied=space.tied,
    )


def uninformed_keys(space: Space, episodes: tuple[Episode, ...], fit: MLFit) -> tuple[str, ...]:
    """The fitted keys the episodes do not bear on, each named with its tied keys (``A+B``).

    A key is uninformed when setting it to either end or the middle of its range, the other
    keys at the fit, moves the log-likelihood of the episodes' moves by less than `FLAT`, and
    setting all such keys to their middles at once does too: the deadline's weight when no
    notice runs in the episodes, or Tokyo's pressure weight before the patron's first pressure.
    The optimiser leaves such a key wherever its search happened to stop.
    """
    objective = MovesObjective(space.with_base(fit.conduct.apply(space.base)), episodes)
    middle = (space.low + space.high) / 2
    columns = [fit.coordinates]
    for i in range(len(space)):
        for point in (space.low[i], middle[i], space.high[i]):
            column = fit.coordinates.copy()
            column[i] = point
            columns.append(column)
    loglik = objective.loglik(np.array(columns).T)
    moved = np.abs(loglik[1:] - loglik[0]).reshape(len(space), 3).max(axis=1)
    flat = moved < FLAT
    together = np.where(flat, middle, fit.coordinates)
    if flat.any() and abs(objective.loglik(together)[0] - loglik[0]) >= FLAT:
        return ()  # flat one at a time, not together: keep the fit
    return tuple(p.name for p, f in zip(space.parameters, flat, strict=True) if f)


def plug_in(
    space: Space, episodes: tuple[Episode, ...], fit: MLFit
) -> tuple[ModelParams, tuple[str, ...]]:
    """The parameters a plug-in score uses, and the keys set aside from the fit.

    The fit, with its conduct, except that each key the episodes do not bear on
    (`uninformed_keys`) takes the middle of its range on its search scale, the median of its
    prior (`sim.analysis.posterior`): the score then does not turn on where the optimiser
    stopped on a flat ridge, and it uses nothing the episodes do not hold (a base value from a
    fit on more weeks would be look-ahead at a rolling origin).
    """
    coordinates, flat = plug_in_coordinates(space, episodes, fit)
    return fit.conduct.apply(space.apply(coordinates)), flat


def plug_in_coordinates(
    space: Space, episodes: tuple[Episode, ...], fit: MLFit
) -> tuple[np.ndarray, tuple[str, ...]]:
    """`plug_in`'s keys in search coordinates, and the keys set aside from the fit."""
    flat = uninformed_keys(space, episodes, fit)
    middle = (space.low + space.high) / 2
    coordinates = np.where([p.name in flat for p in space.parameters], middle, fit.coordinates)
    return coordinates, flat
