"""Likelihood of the real weekly acts under the model, by teacher forcing through the model itself.

The real history is fed in (`Forcing`: each side's acts and the measures they changed, the
patron's pressure) and the model steps week by week exactly as in a free run; after the sides
choose, each side holds the log-probability the model gave its real move that week and the
log-probability of the real act given that move (`sim.core.conduct.log_probability`). The
patron's moves are data, not scored, and reach the sides a week later, as in a free run.
Nothing random is drawn: forced acts replace sampling, so a score is a deterministic function
of the parameters.

Every real-valued parameter may be an array over replications (`sim.core.params.with_values`),
so one model run scores a whole population of parameter vectors: an optimiser's generation,
an ensemble sampler's walkers.
"""

from dataclasses import dataclass

import numpy as np

from sim.core.model import EscalationModel, Forcing
from sim.core.moves import Move
from sim.core.params import ModelParams
from sim.core.scenario import Scenario
from sim.history import RealPath

#: Probabilities are floored here before the log, so an act the model rules out costs about
#: 708 nats instead of making every total minus infinity.
FLOOR = np.finfo(float).tiny
LOG_FLOOR = float(np.log(FLOOR))


def forcing(real: RealPath) -> Forcing:
    """The forcing that replays a real path: each side's acts, and the patron's pressure."""
    return Forcing(
        acts=dict(real.acts),
        enacted=dict(real.enacted),
        lifted=dict(real.lifted),
        pressure=real.pressure,
    )


@dataclass(frozen=True)
class Scores:
    """Log-probabilities of the real sequence, each of shape (weeks, R, sides).

    ``moves``: of each real move (cooperate, hold, retaliate) under the rule; ``acts``: of each
    real act given its move, under the conduct. Their sum is the log-likelihood of the acts.
    ``hold``: the probability the model gave holding each week, whatever the real move (it
    splits a move's score into when to move and which move, `when_to_move`).
    """

    moves: np.ndarray
    acts: np.ndarray
    hold: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """Log-probability of each real act, (weeks, R, sides)."""
        return self.moves + self.acts

    def per_replication(self) -> np.ndarray:
        """Total log-likelihood of each replication's parameters, shape (R,)."""
        return self.total.sum(axis=(0, 2))


def score(
    params: ModelParams,
    scenario: Scenario,
    real: RealPath,
    weeks: int | None = None,
    replications: int = 1,
) -> Scores:
    """The real sequence's log-probabilities, week by week, with the real history fed in.

    ``replications`` must match the length of any array-valued parameter; with plain numbers
    every replication is an identical copy. ``weeks`` scores only the first weeks.
    """
    weeks = scenario.weeks if weeks is None else weeks
    model = EscalationModel(
        scenario,
        params,
        replications=replications,
        weeks=weeks,
        keep_trajectories=False,
        track=False,
        forcing=forcing(real),
        rng=0,
    )
    sides = list(model.capitals.values())
    moves = np.empty((weeks, replications, len(sides)))
    acts = np.empty_like(moves)
    hold = np.empty_like(moves)
    for week in range(weeks):
        model.step()
        for i, side in enumerate(sides):
            moves[week, :, i] = side.move_log_probability
            acts[week, :, i] = side.act_log_probability
            hold[week, :, i] = side.probabilities[:, Move.HOLD]
    return Scores(np.maximum(moves, LOG_FLOOR), np.maximum(acts, LOG_FLOOR), hold)


@dataclass(frozen=True)
class Episode:
    """A real sequence to fit or score.

    A case's scenario, its real path, and how many of its weeks count (None: all). A fit on
    several episodes sums their log-likelihoods.
    """

    scenario: Scenario
    real: RealPath
    weeks: int | None = None

    @property
    def span(self) -> int:
        """Number of weeks that count."""
        return self.scenario.weeks if self.weeks is None else self.weeks

    def score(self, params: ModelParams, replications: int = 1) -> Scores:
        """`score` on this episode."""
        return score(params, self.scenario, self.real, self.weeks, replications)


def real_moves(real: RealPath, sides: tuple[str, ...], weeks: int | None = None) -> np.ndarray:
    """The real moves as shape (weeks, sides)."""
    moves = np.stack([real.moves[a] for a in sides], axis=1).astype(np.int64)
    return moves if weeks is None else moves[:weeks]


def when_to_move(hold: np.ndarray, moves: np.ndarray) -> np.ndarray:
    """Log-likelihood of moving or holding, per side: (weeks, sides) in, (sides,) out.

    ``hold`` is the probability each week's forecast gave holding, ``moves`` the real moves.
    The log-probability of a real move is this week's part plus that of the move given that
    the side moved (cooperate or retaliate), so the total minus this is the "which move" part.
    """
    held = moves == Move.HOLD
    with np.errstate(divide="ignore"):
        parts = np.where(held, np.log(hold), np.log1p(-hold))
    return np.maximum(parts, LOG_FLOOR).sum(axis=0)
