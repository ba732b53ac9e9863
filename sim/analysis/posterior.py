"""Bayesian posterior of the fitted parameters: emcee's ensemble sampler, checked with ArviZ.

Priors: independent uniform distributions on each parameter's box (the schema's range, or the
narrower one a fit names), in the parameter's search coordinate: uniform for most, log-uniform
for a key searched on a log scale; stated in every report. The conduct's six parameters (each
side's signal and lift shares, the order and the burst) are sampled with the fitted keys, with
uniform priors on the bounds of their own fit (`sim.analysis.conduct_fit.BOUNDS`): the ML fit
estimates the conduct first, from the acts alone, and the rest given it (a two-stage estimate),
but the posterior is the joint one, so every parameter counted in *k* carries its uncertainty
into the intervals and into runs drawn from the posterior. The likelihood is that of the acts
(moves and the acts given them) through the model with the real history fed in; each step
scores all walkers in one model run (one replication per walker). Convergence: ArviZ's
rank-normalised R-hat and bulk effective sample size, the walkers read as chains (as
`arviz.from_emcee` does), and the mean acceptance rate.
Proposals are differential-evolution moves (80%) and snooker moves (20%), which cross the
broad, curved posteriors of weakly identified weights better than the default stretch move.
"""

import dataclasses
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.conduct_fit import BOUNDS
from sim.analysis.fit import MLFit, MovesObjective
from sim.analysis.likelihood import Episode
from sim.analysis.space import Parameter, Space
from sim.core.moves import ALLIES

#: Fewest kept steps per walker for R-hat and ESS to mean anything. Both estimate each chain's
#: autocorrelation from its own draws; with a handful of draws per chain ArviZ's bulk ESS can
#: exceed the number of draws (270 "effective" of 160 draws, 32 walkers x 5 steps, with the
#: walkers stuck far apart), so a shorter posterior is reported as not converged, its R-hat
#: and ESS not shown.
MIN_KEPT_STEPS = 50


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
    tied: tuple[tuple[str, str], ...] = ()  # (tied key, the sampled key whose value it takes)

    @property
    def kept_steps(self) -> int:
        """Draws kept per walker, after burn-in and thinning."""
        return len(self.draws) // self.walkers

    @property
    def long_enough(self) -> bool:
        """Whether each walker kept enough steps for R-hat and ESS (`MIN_KEPT_STEPS`)."""
        return self.kept_steps >= MIN_KEPT_STEPS

    @property
    def converged(self) -> bool:
        """Long enough, with R-hat below 1.05 and 100 effective draws for every parameter."""
        return bool(
            self.long_enough
            and (self.summary["r_hat"] < 1.05).all()
            and (self.summary["ess_bulk"] >= 100).all()
        )

    def table(self) -> pd.DataFrame:
        """The draws as a tidy table: one column per key, then one per tied key."""
        table = pd.DataFrame(self.draws, columns=list(self.keys))
        for twin, key in self.tied:
            table[twin] = table[key]
        return table

    def interval(self, key: str, level: float = 0.9) -> tuple[float, float]:
        """Central credible interval of one key."""
        column = self.draws[:, self.keys.index(key)]
        tail = (1 - level) / 2
        return float(np.quantile(column, tail)), float(np.quantile(column, 1 - tail))


def _diagnostics(chain: np.ndarray, keys: tuple[str, ...]) -> pd.DataFrame:
    """Mean, quantiles, R-hat and bulk ESS per key from a (steps, walkers, k) chain.

    The walkers are the chains and the steps the draws, named so on purpose; ArviZ's warning
    when a short run has more walkers than kept steps would tell the user to check a naming
    that is right, so it is silenced here (a short run is reported as not converged anyway).
    """
    import arviz as az

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Found chain dimension to be longer than draw")
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


#: The conduct's parameters, sampled with the fitted keys (uniform priors on these bounds).
CONDUCT_PARAMETERS = (
    *(Parameter(f"{slot}.{name}", *BOUNDS[name]) for name in ("signal", "lift") for slot in ALLIES),
    *(Parameter(f"conduct.{name}", *BOUNDS[name]) for name in ("order", "burst")),
)


def joint_space(space: Space) -> Space:
    """``space``'s fitted keys followed by the conduct's parameters: what the posterior samples.

    The same kind of space as ``space`` (a subclass keeps its own way of applying values).
    """
    return dataclasses.replace(space, parameters=(*space.parameters, *CONDUCT_PARAMETERS))


def dimensions(space: Space) -> int:
    """How many parameters the posterior of a fit of ``space`` samples."""
    return len(space) + len(CONDUCT_PARAMETERS)


def sample_posterior(
    space: Space,
    episodes: tuple[Episode, ...],
    ml: MLFit,
    walkers: int = 32,
    steps: int = 1500,
    burn: int = 500,
    thin: int = 5,
    seed: int = 0,
    spread: float = 0.02,
    progress: Callable[[int, int], None] | None = None,
) -> Posterior:
    """Sample the joint posterior of ``space``'s keys and the conduct's, from near the ML fit.

    The walkers start in a ball around the ML estimate (the fitted keys and the conduct's own
    fit), ``spread`` times each box's width (in coordinates) across, clipped into the box: wide
    enough that the ensemble's own spread, which scales its proposals, need not grow from
    nothing. ``walkers`` must be at least twice `dimensions`. ``progress`` is told each step
    done and the steps in all.
    """
    import emcee

    started = time.perf_counter()
    conduct = ml.conduct.values()
    space = joint_space(space.with_base(ml.conduct.apply(space.base)))
    objective = MovesObjective(space, episodes, acts=True)
    low, high = space.low, space.high
    at_ml = np.concatenate([ml.coordinates, [conduct[p.key] for p in CONDUCT_PARAMETERS]])

    stopped: list[BaseException] = []

    def log_probability(theta: np.ndarray) -> np.ndarray:
        inside = np.all((theta >= low) & (theta <= high), axis=1)
        out = np.full(theta.shape[0], -np.inf)
        if inside.any() and not stopped:
            try:
                out[inside] = objective.loglik(theta[inside].T)
            except Exception:
                raise
            except BaseException as stop:  # Ctrl-C, SIGTERM: see the loop below
                stopped.append(stop)
        return out

    rng = np.random.default_rng(seed)
    width = high - low
    start = at_ml + spread * width * rng.standard_normal((walkers, len(space)))
    start = np.clip(start, low + 1e-6 * width, high - 1e-6 * width)
    moves = [(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    sampler = emcee.EnsembleSampler(
        walkers, len(space), log_probability, vectorize=True, moves=moves
    )
    state = emcee.State(
        start, random_state=np.random.RandomState(int(rng.integers(2**31))).get_state()
    )
    for step, _ in enumerate(sampler.sample(state, iterations=steps), 1):
        # emcee prints a traceback of anything raised inside the log-probability before
        # passing it on; an interruption is held there and raised here, so the command ends
        # with its own one line
        if stopped:
            raise stopped[0]
        if progress is not None:
            progress(step, steps)
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
        tied=space.tied,
    )
