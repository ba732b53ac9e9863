"""The marginal likelihood (evidence) of a fitted model, for comparing rule families.

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
"""

import time
from dataclasses import dataclass

import numpy as np

from sim.analysis.fit import MovesObjective
from sim.analysis.likelihood import Episode
from sim.analysis.posterior import joint_space
from sim.analysis.space import Space


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
) -> Evidence:
    """Estimate log p(real moves and acts | model) under the flat prior on ``space``'s box.

    With ``conduct`` (the default, as for the posterior) the conduct's six parameters are
    integrated over with ``space``'s keys; without, they stay at ``space.base``'s values.
    ``live`` is nautilus's number of live points.
    """
    from nautilus import Sampler

    started = time.perf_counter()
    space = joint_space(space) if conduct else space
    objective = MovesObjective(space, episodes, acts=True)
    low, high = space.low, space.high

    def prior(unit: np.ndarray) -> np.ndarray:  # (N, k) points of the unit cube to coordinates
        return low + np.asarray(unit) * (high - low)

    def likelihood(coordinates: np.ndarray) -> np.ndarray:
        return objective.loglik(np.atleast_2d(coordinates).T)

    sampler = Sampler(prior, likelihood, n_dim=len(space), n_live=live, vectorized=True, seed=seed)
    sampler.run(verbose=False, discard_exploration=True)
    _, _, log_l = sampler.posterior()
    return Evidence(
        keys=tuple(space.keys),
        log_z=float(sampler.log_z),
        max_loglik=float(np.max(log_l)),
        likelihood_calls=int(sampler.n_like),
        effective_samples=float(sampler.n_eff),
        seed=seed,
        seconds=time.perf_counter() - started,
    )
