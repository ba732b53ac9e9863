"""The marginal likelihood (evidence) of a model or a baseline, for comparing them.

AIC and BIC charge a fixed price per parameter; the evidence integrates the likelihood over
the prior instead, so a parameter costs about the log of its box over the part of it the data
allow (nothing if the data leave it free), and no key set need be chosen first. The prior
is the one the posterior uses (§3 of docs/comparison.md): flat in each parameter's search
coordinate over its box (log-uniform for a key on a log scale), the conduct's six parameters
included.

Estimated by nautilus (importance nested sampling, Lange 2023), not dynesty: our likelihood
is about fifty times faster in batches than one point at a time, and nautilus asks for its
points in batches (``vectorized=True``) where dynesty's samplers ask one at a time. The
estimate is random: run it with more than one seed and read the spread.

The baselines' evidence, so that they are compared by the same criterion: a baseline's moves
do not depend on the conduct, and the acts' term depends on nothing else, so a baseline's
evidence is that of its moves plus (in logs) that of the acts (`acts_log_evidence`, the
conduct integrated over under the posterior's prior). The count baselines' moves have it in
closed form under a Dirichlet prior on each set of rates (the Dirichlet-multinomial,
`counted_log_evidence`); the logit's is estimated by nautilus under a normal prior on each
coefficient, one side at a time (`logit_log_evidence`). The model's moves do depend on the
conduct (a move's expected payoff runs over what the conduct would make of it), so its
evidence integrates both at once (`log_evidence`).
"""

import time
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.special import gammaln, log_softmax, logsumexp

from sim.analysis.baselines import MoveData
from sim.analysis.fit import MovesObjective
from sim.analysis.likelihood import Episode
from sim.analysis.posterior import CONDUCT_PARAMETERS, joint_space
from sim.analysis.space import Space
from sim.core.moves import N_MOVES
from sim.core.params import ModelParams

#: The count baselines' Dirichlet prior on each set of rates: 1 is flat on the simplex, as the
#: model's prior is flat on its box; 1/2 (Jeffreys) is the second reading.
FLAT = 1.0
#: The standard deviation of the logit's normal prior on each coefficient (intercepts too);
#: the covariates all lie in [0, 1] (docs/comparison.md, section 7.2).
LOGIT_SCALE = 2.5
#: Nautilus's effective sample size after exploring (its own default): the evidence's error
#: shrinks with it, and its run time grows with it.
EFFECTIVE = 10_000


@dataclass(frozen=True)
class Evidence:
    """One estimate of a model's log evidence and what it cost."""

    keys: tuple[str, ...]  # every parameter integrated over
    log_z: float
    max_loglik: float  # the highest log-likelihood among the sampler's points
    likelihood_calls: int
    effective_samples: float  # of the posterior sample the run leaves
    seed: int
    seconds: float

    @property
    def parameters(self) -> int:
        """How many parameters were integrated over."""
        return len(self.keys)


def log_evidence(
    space: Space,
    episodes: tuple[Episode, ...],
    live: int = 1000,
    seed: int = 0,
    conduct: bool = True,
    effective: int = EFFECTIVE,
) -> Evidence:
    """Estimate log p(real moves and acts | model) under the flat prior on ``space``'s box.

    With ``conduct`` (the default, as for the posterior) the conduct's six parameters are
    integrated over with ``space``'s keys; without, they stay at ``space.base``'s values.
    ``live`` is nautilus's number of live points, ``effective`` the effective sample size it
    draws after exploring.
    """
    space = joint_space(space) if conduct else space
    return _on_box(space, MovesObjective(space, episodes, acts=True), live, seed, effective)


def acts_log_evidence(
    base: ModelParams,
    episodes: tuple[Episode, ...],
    live: int = 1000,
    seed: int = 0,
    space: Space | None = None,
    effective: int = EFFECTIVE,
) -> Evidence:
    """Estimate log p(real acts | real moves) with the conduct integrated over its prior.

    The term every baseline shares (the model's moves depend on the conduct too, so its own
    evidence integrates both at once, `log_evidence`). ``space`` defaults to the conduct's six
    parameters on their boxes, over ``base``.
    """
    space = space or Space(base, CONDUCT_PARAMETERS)
    objective = MovesObjective(space, episodes, acts=True, moves=False)
    return _on_box(space, objective, live, seed, effective)


def _on_box(
    space: Space, objective: MovesObjective, live: int, seed: int, effective: int
) -> Evidence:
    """Nautilus's estimate of ``objective``'s evidence under the flat prior on ``space``'s box."""
    low, high = space.low, space.high

    def prior(unit: np.ndarray) -> np.ndarray:  # (N, k) points of the unit cube to coordinates
        return low + np.asarray(unit) * (high - low)

    def likelihood(coordinates: np.ndarray) -> np.ndarray:
        return objective.loglik(np.atleast_2d(coordinates).T)

    return _nested(tuple(space.keys), prior, likelihood, live, seed, effective)


def _nested(
    keys: tuple[str, ...], prior, likelihood, live: int, seed: int, effective: int
) -> Evidence:
    """Run nautilus (vectorised) on a prior transform and a log-likelihood."""
    from nautilus import Sampler

    started = time.perf_counter()
    sampler = Sampler(prior, likelihood, n_dim=len(keys), n_live=live, vectorized=True, seed=seed)
    sampler.run(verbose=False, discard_exploration=True, n_eff=effective)
    _, _, log_l = sampler.posterior()
    return Evidence(
        keys=keys,
        log_z=float(sampler.log_z),
        max_loglik=float(np.max(log_l)),
        likelihood_calls=int(sampler.n_like),
        effective_samples=float(sampler.n_eff),
        seed=seed,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class BaselineEvidence:
    """A baseline's log evidence of the real moves (the acts' term not included)."""

    name: str
    parameters: int  # the moves' free parameters over both sides
    per_side: tuple[float, ...]
    prior: str

    @property
    def log_z(self) -> float:
        """Over both sides: the sides' moves are modelled apart, so their evidence adds."""
        return float(sum(self.per_side))


def sequence_log_evidence(moves: np.ndarray, alpha: float = FLAT) -> float:
    """Log p(the moves in order) under constant rates with a Dirichlet(alpha) prior.

    The Dirichlet-multinomial without its multinomial coefficient: the order is observed.
    """
    counts = np.bincount(np.asarray(moves, dtype=np.int64), minlength=N_MOVES)
    prior = np.full(N_MOVES, alpha)
    return float(
        gammaln(prior.sum())
        - gammaln(prior.sum() + counts.sum())
        + (gammaln(prior + counts) - gammaln(prior)).sum()
    )


def markov_log_evidence(moves: np.ndarray, alpha: float = FLAT) -> float:
    """Log p(moves) for a first-order chain: a Dirichlet(alpha) row per last move.

    The first week has a Dirichlet(alpha) distribution of its own (the two parameters that
    `Markov`'s base rates count), so it gets the prior predictive 1/3.
    """
    moves = np.asarray(moves, dtype=np.int64)
    rows = [sequence_log_evidence(moves[1:][moves[:-1] == last], alpha) for last in range(N_MOVES)]
    return sequence_log_evidence(moves[:1], alpha) + float(sum(rows))


def regime_break_log_evidence(moves: np.ndarray, alpha: float = FLAT) -> float:
    """Log p(moves) for rates that change once: the break uniform over `RegimeBreak`'s weeks."""
    moves = np.asarray(moves, dtype=np.int64)
    breaks = range(2, len(moves) - 1)
    if not breaks:
        return sequence_log_evidence(moves, alpha)
    parts = [
        sequence_log_evidence(moves[:b], alpha) + sequence_log_evidence(moves[b:], alpha)
        for b in breaks
    ]
    return float(logsumexp(parts) - np.log(len(parts)))


def logit_loglik(design: np.ndarray, moves: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """`Logit`'s log-likelihood of ``moves`` at each row of ``beta``, shape (N,).

    ``design`` (T, j) holds a constant and the covariates; each row of ``beta`` holds the
    coefficients as statsmodels' `MNLogit.loglike` takes them flat: hold's j, then
    retaliation's, with cooperation the reference move.
    """
    beta = np.atleast_2d(beta).reshape(-1, N_MOVES - 1, design.shape[1])
    linear = np.einsum("tj,ncj->ntc", design, beta)
    full = np.concatenate([np.zeros((*linear.shape[:2], 1)), linear], axis=-1)
    picked = np.take_along_axis(log_softmax(full, axis=-1), moves[None, :, None], axis=-1)
    return picked[..., 0].sum(axis=1)


def logit_log_evidence(
    moves: np.ndarray,
    covariates: np.ndarray,
    scale: float = LOGIT_SCALE,
    live: int = 1000,
    seed: int = 0,
    effective: int = EFFECTIVE,
) -> Evidence:
    """Log p(moves) for `Logit`: a normal(0, ``scale``) prior on each of its coefficients.

    Every move has its coefficients whether or not it was seen (the ML fit drops a move never
    seen; a prior gives it a chance instead).
    """
    from scipy.stats import norm

    moves = np.asarray(moves, dtype=np.int64)
    design = np.column_stack([np.ones(len(moves)), covariates])

    def prior(unit: np.ndarray) -> np.ndarray:
        return scale * norm.ppf(np.clip(unit, 1e-15, 1 - 1e-15))

    keys = tuple(f"beta[{c},{j}]" for c in range(1, N_MOVES) for j in range(design.shape[1]))
    loglik = partial(logit_loglik, design, moves)
    return _nested(keys, prior, loglik, live, seed, effective)


#: The count baselines: each one's log evidence of one side's moves, and its parameters a side.
COUNTED = {
    "base_rates": (sequence_log_evidence, 2),
    "markov": (markov_log_evidence, 8),
    "regime_break": (regime_break_log_evidence, 5),
}


def counted_log_evidence(data: MoveData, alpha: float = FLAT) -> list[BaselineEvidence]:
    """Base rates', Markov's and the regime break's log evidence, in closed form."""
    sides = range(data.moves.shape[1])
    return [
        BaselineEvidence(
            name,
            per_side * len(sides),
            tuple(function(data.moves[:, i], alpha) for i in sides),
            f"Dirichlet({alpha:g})",
        )
        for name, (function, per_side) in COUNTED.items()
    ]
