"""Bayesian posterior of the fitted parameters: emcee's ensemble sampler, checked with ArviZ.

Priors: independent uniform distributions on each parameter's box (the schema's range, or the
narrower one a fit names), in the parameter's search coordinate: uniform for most, log-uniform
for a key searched on a log scale; stated in every report; the conduct is fixed at its own
maximum-likelihood fit, as in the ML fit. The likelihood is the moves' log-likelihood through
the model with the real history fed in; each step scores all walkers in one model run (one
replication per walker). Convergence: ArviZ's rank-normalised R-hat and bulk effective sample
size, the walkers read as chains (as `arviz.from_emcee` does), and the mean acceptance rate.
Proposals are differential-evolution moves (80%) and snooker moves (20%), which cross the
broad, curved posteriors of weakly identified weights better than the default stretch move.
"""

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.fit import MLFit, MovesObjective
from sim.analysis.likelihood import Episode
from sim.analysis.space import Space


@dataclass(frozen=True)
class Posterior:
    """Posterior draws and their diagnostics.

    ``draws`` has shape (draws, k) after burn-in and thinning (all walkers pooled);
    ``summary`` one row per key: mean, sd, 5%, 50%, 95%, r_hat, ess_bulk.
    """

    keys: tuple[str, ...]
    draws: np.ndarray
    summary: pd.DataFrame
    acceptance: float
    walkers: int
    steps: int
    burn: int
    seconds: float

    @property
    def converged(self) -> bool:
        """R-hat below 1.05 and at least 100 effective draws for every parameter."""
        return bool(
            (self.summary["r_hat"] < 1.05).all() and (self.summary["ess_bulk"] >= 100).all()
        )

    def table(self) -> pd.DataFrame:
        """The draws as a tidy table: one column per key."""
        return pd.DataFrame(self.draws, columns=list(self.keys))

    def interval(self, key: str, level: float = 0.9) -> tuple[float, float]:
        """Central credible interval of one key."""
        column = self.draws[:, self.keys.index(key)]
        tail = (1 - level) / 2
        return float(np.quantile(column, tail)), float(np.quantile(column, 1 - tail))


def _diagnostics(chain: np.ndarray, keys: tuple[str, ...]) -> pd.DataFrame:
    """Mean, quantiles, R-hat and bulk ESS per key from a (steps, walkers, k) chain."""
    import arviz as az

    data = az.from_dict({"posterior": {k: chain[:, :, i].T for i, k in enumerate(keys)}})
    rhat, ess = az.rhat(data), az.ess(data, method="bulk")
    rows = []
    for i, key in enumerate(keys):
        values = chain[:, :, i].ravel()
        rows.append(
            {
                "key": key,
                "mean": float(values.mean()),
                "sd": float(values.std(ddof=1)),
                "q05": float(np.quantile(values, 0.05)),
                "q50": float(np.quantile(values, 0.5)),
                "q95": float(np.quantile(values, 0.95)),
                "r_hat": float(rhat[key].values),
                "ess_bulk": float(ess[key].values),
            }
        )
    return pd.DataFrame(rows).set_index("key")


def sample_posterior(
    space: Space,
    episodes: tuple[Episode, ...],
    ml: MLFit,
    walkers: int = 32,
    steps: int = 1500,
    burn: int = 500,
    thin: int = 5,
    seed: int = 0,
) -> Posterior:
    """Sample the posterior, starting the walkers in a small ball around the ML estimate."""
    import emcee

    started = time.perf_counter()
    base = ml.conduct.apply(space.base)
    objective = MovesObjective(space.with_base(base), episodes)
    low, high = space.low, space.high

    def log_probability(theta: np.ndarray) -> np.ndarray:
        inside = np.all((theta >= low) & (theta <= high), axis=1)
        out = np.full(theta.shape[0], -np.inf)
        if inside.any():
            out[inside] = objective.loglik(theta[inside].T)
        return out

    rng = np.random.default_rng(seed)
    width = high - low
    start = ml.coordinates + 1e-3 * width * rng.standard_normal((walkers, len(space)))
    start = np.clip(start, low + 1e-6 * width, high - 1e-6 * width)
    moves = [(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    sampler = emcee.EnsembleSampler(
        walkers, len(space), log_probability, vectorize=True, moves=moves
    )
    state = emcee.State(
        start, random_state=np.random.RandomState(int(rng.integers(2**31))).get_state()
    )
    sampler.run_mcmc(state, steps, progress=False)
    chain = sampler.get_chain(discard=burn, thin=thin)  # (steps, walkers, k), coordinates
    chain = np.moveaxis(space.values(np.moveaxis(chain, -1, 0)), 0, -1)  # values
    keys = tuple(space.keys)
    return Posterior(
        keys=keys,
        draws=chain.reshape(-1, len(space)),
        summary=_diagnostics(chain, keys),
        acceptance=float(np.mean(sampler.acceptance_fraction)),
        walkers=walkers,
        steps=steps,
        burn=burn,
        seconds=time.perf_counter() - started,
    )
