"""Fitting the conduct: how moves became acts in the real sequence.

Given the real moves, the probability of each real act depends only on the conduct's
parameters (each side's ``signal`` and ``lift`` shares, the shared ``order`` and ``burst``) and
on the measures in force, which the real history fixes; the decision rules do not enter it.
So the conduct is fitted on its own, by maximum likelihood of the acts given their moves, and
the same fitted conduct completes the model and every baseline: they differ only in how they
predict the moves. Its parameters count in every parameter total.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from sim.analysis.likelihood import Episode
from sim.core import conduct
from sim.core.measures import Repertoire
from sim.core.moves import ALLIES
from sim.core.params import ModelParams, with_values
from sim.core.scenario import NoticeRule
from sim.history import RealPath

BOUNDS = {
    "signal": (0.005, 0.995),
    "lift": (0.005, 0.995),
    "order": (0.0, 20.0),
    "burst": (0.005, 0.995),
}


@dataclass(frozen=True)
class ConductFit:
    """The fitted conduct, its log-likelihood and its parameter count."""

    signal: dict[str, float]  # by side slot (seoul, tokyo: the first and second side)
    lift: dict[str, float]
    order: float
    burst: float
    loglik: float
    per_side: dict[str, float]  # by slot

    @property
    def parameters(self) -> int:
        """Free parameters: a signal and a lift share per side, order and burst."""
        return 2 * len(self.signal) + 2

    def values(self) -> dict[str, float]:
        """The fit as config keys and values."""
        out = {f"{slot}.signal": v for slot, v in self.signal.items()}
        out |= {f"{slot}.lift": v for slot, v in self.lift.items()}
        return out | {"conduct.order": self.order, "conduct.burst": self.burst}

    def apply(self, params: ModelParams) -> ModelParams:
        """``params`` with this conduct."""
        return with_values(params, self.values())


def act_log_probabilities(
    repertoire: Repertoire,
    real: RealPath,
    side: str,
    initial: int,
    signal: float,
    lift: float,
    order: float,
    burst: float,
    weeks: slice = slice(None),
    notice: NoticeRule | None = None,
) -> np.ndarray:
    """Log-probability of each week's real act given its move, for one side, shape (weeks,).

    ``notice``: the case's notice rule, whose lapsed notice the side cannot lift (as the
    model's `Capital.spent`).
    """
    acts, enacted, lifted = real.acts[side], real.enacted[side], real.lifted[side]
    before = np.concatenate([[initial], real.masks[side][:-1]]).astype(np.int16)
    locks = notice_locks(repertoire, before, side, notice)
    out = np.empty(len(acts))
    for week in range(len(acts))[weeks]:
        mask, locked = before[week : week + 1], locks[week : week + 1]
        options = conduct.Options.of(repertoire, mask, order, locked=locked)
        out[week] = conduct.log_probability(
            repertoire,
            mask,
            options,
            int(acts[week]),
            int(enacted[week]),
            int(lifted[week]),
            signal,
            lift,
            order,
            burst,
            locked,
        )[0]
    return out[weeks]


def notice_locks(
    repertoire: Repertoire, before: np.ndarray, side: str, notice: NoticeRule | None
) -> np.ndarray:
    """Each week's ``locked`` mask (`conduct.spent_notice`) from the masks before each week.

    The notice's age before week w counts the weeks up to w - 1 that ended with it in force,
    as `Capital.act` counts them (a notice in force from the start is 0 weeks old in week 0).
    """
    locks = np.zeros(len(before), dtype=np.int16)
    if notice is None or notice.actor != side:
        return locks
    bit = repertoire.bit(notice.measure)
    ages = np.zeros(len(before), dtype=np.int64)
    for week in range(1, len(before)):
        ages[week] = ages[week - 1] + 1 if before[week] & bit else 0
    return conduct.spent_notice(ages, notice.lapse_weeks, bit)


def _slot_loglik(episodes: tuple[Episode, ...], i: int, theta: tuple) -> float:
    """Log-likelihood of the acts of the ``i``-th side of every episode."""
    signal, lift, order, burst = theta
    total = 0.0
    for e in episodes:
        side = e.scenario.sides[i]
        values = act_log_probabilities(
            e.scenario.measures[side],
            e.real,
            side,
            e.scenario.initial.get(side, 0),
            signal,
            lift,
            order,
            burst,
            slice(0, e.weeks),
            e.scenario.notice,
        )
        total += float(np.maximum(values, np.log(np.finfo(float).tiny)).sum())
    return total


def to_bounds(
    negative, x: np.ndarray, value: float, bounds: list[tuple[float, float]]
) -> tuple[np.ndarray, float]:
    """Move each coordinate to a bound where that raises the likelihood.

    A parameter the data do not bound (in 2019 no act broke the escalation order, so the
    likelihood still rises with ``order`` at 20, by about 1e-6 nats from 17.6) has no interior
    maximum: where L-BFGS-B stops on such a climb depends on rounding, and so on the numpy and
    scipy versions, while another case scored with the fit can move by several nats per unit
    of ``order``. Its estimate is the bound it climbs toward, the same on every machine.
    """
    x = x.copy()
    for i, ends in enumerate(bounds):
        for end in ends:
            trial = x.copy()
            trial[i] = end
            tried = negative(trial)
            if tried < value:
                x, value = trial, tried
    return x, value


def fit_conduct(episodes: tuple[Episode, ...]) -> ConductFit:
    """Maximum-likelihood conduct for real sequences (each side's slot pooled over them)."""

    def theta(x: np.ndarray, i: int) -> tuple:
        return x[2 * i], x[2 * i + 1], x[-2], x[-1]

    def negative(x: np.ndarray) -> float:
        return -sum(_slot_loglik(episodes, i, theta(x, i)) for i in range(len(ALLIES)))

    names = [n for _ in ALLIES for n in ("signal", "lift")] + ["order", "burst"]
    bounds = [BOUNDS[n] for n in names]
    start = np.array([0.5 if n in ("signal", "lift", "burst") else 1.0 for n in names])
    result = minimize(negative, start, method="L-BFGS-B", bounds=bounds)
    x, best = to_bounds(negative, result.x, float(result.fun), bounds)
    return ConductFit(
        signal={slot: float(x[2 * i]) for i, slot in enumerate(ALLIES)},
        lift={slot: float(x[2 * i + 1]) for i, slot in enumerate(ALLIES)},
        order=float(x[-2]),
        burst=float(x[-1]),
        loglik=-best,
        per_side={slot: _slot_loglik(episodes, i, theta(x, i)) for i, slot in enumerate(ALLIES)},
    )
