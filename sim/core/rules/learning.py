"""Rules that learn from play and respond to payoffs: fictitious play and Q-learning."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.core.moves import N_MOVES
from sim.core.rules.base import Observation, Rule, bounded, column, softmax


def expected_payoff(utility: np.ndarray, beliefs: np.ndarray) -> np.ndarray:
    """Each own move's payoff (R, 3, 3) averaged over the beliefs (R, 3) about the other's.

    The three terms are added in one fixed order, (cooperate + retaliate) + hold, the order
    the fits of the committed results were computed in, so the sum is the same whatever the
    memory layout of ``utility``.
    """
    terms = [utility[:, :, b] * beliefs[:, None, b] for b in range(N_MOVES)]
    return (terms[0] + terms[2]) + terms[1]


@dataclass
class FictitiousPlay(Rule):
    """Stochastic fictitious play: a logit response to beliefs learned from the other's moves.

    The actor counts the opponent's move in each week after each of its own moves (from
    ``prior`` pseudo-counts per cell), so it learns how the other answers its retaliation and
    its cooperation (conditional fictitious play; Brown 1951). This week the other answers the
    actor's move of last week, so the belief about the other's move now is the row of last
    week's own move; each own move is valued at its expected payoff under that belief, and
    chosen with probability proportional to exp(rationality x expected payoff) (Fudenberg &
    Kreps 1993, "Learning mixed equilibria", GEB 5: 320-367). It is a learning rule, not a
    quantal response equilibrium: beliefs are not required to be correct.
    """

    deterministic: ClassVar[bool] = False
    depth: ClassVar[float] = float("inf")
    uses_payoffs: ClassVar[bool] = True
    rule: str = "fictitious_play"
    rationality: float = bounded(1.0, 0.0, 100.0)
    prior: float = bounded(1.0, 1e-6, 1e6)

    def start(self, replications: int) -> None:
        """Start every replication from the uniform prior."""
        prior = np.asarray(self.prior, dtype=float)
        self.counts = np.ones((replications, N_MOVES, N_MOVES)) * (
            prior if prior.ndim == 0 else prior[:, None, None]
        )

    def beliefs(self, own_last: np.ndarray) -> np.ndarray:
        """Shape (R, 3): the expected distribution of the other's move this week."""
        row = self.counts[np.arange(self.counts.shape[0]), own_last]
        return row / row.sum(axis=1, keepdims=True)

    def intent(self, obs: Observation) -> np.ndarray:
        """Logit response to each move's expected payoff under the beliefs."""
        expected = expected_payoff(obs.utility, self.beliefs(obs.own_last))
        return softmax(expected, self.rationality)

    def learn(
        self, obs: Observation, own: np.ndarray, other: np.ndarray, payoff: np.ndarray
    ) -> None:
        """Count the opponent's move against the actor's move of the week before."""
        rows = np.arange(self.counts.shape[0])
        self.counts[rows, obs.own_last, other] += 1


@dataclass
class QLearning(Rule):
    """Q-learning over the other's last move, with logit choice and full-information updates.

    The state is the opponent's move last week; each move's value in that state moves toward
    the payoff it would have earned against the opponent's actual move, by ``learning_rate``
    (Watkins 1989; Sutton & Barto 2018, ch. 6). Because the payoff of every move is known once
    the other has moved, all three values are updated every week (experience-weighted
    attraction with foregone payoffs weighted fully; Camerer & Ho 1999), so the value of a move
    not played does not go stale. Moves are chosen with probability proportional to
    exp(rationality x value).
    """

    deterministic: ClassVar[bool] = False
    depth: ClassVar[float] = float("inf")
    uses_payoffs: ClassVar[bool] = True
    rule: str = "q_learning"
    rationality: float = bounded(1.0, 0.0, 100.0)
    learning_rate: float = bounded(0.2, 0.0, 1.0)
    initial: float = 0.0

    def start(self, replications: int) -> None:
        """Start every value at ``initial``: shape (R, other's last move, own move)."""
        initial = column(self.initial)
        self.values = np.zeros((replications, N_MOVES, N_MOVES)) + (
            initial if np.ndim(initial) == 0 else initial[:, :, None]
        )

    def intent(self, obs: Observation) -> np.ndarray:
        """Logit choice on the values of the state the actor is in."""
        rows = np.arange(self.values.shape[0])
        return softmax(self.values[rows, obs.other_last], self.rationality)

    def learn(
        self, obs: Observation, own: np.ndarray, other: np.ndarray, payoff: np.ndarray
    ) -> None:
        """Move every value of the week's state toward the payoff it earned against ``other``."""
        rows = np.arange(self.values.shape[0])
        earned = obs.utility[rows, :, other]
        state = self.values[rows, obs.other_last]
        rate = column(self.learning_rate)
        self.values[rows, obs.other_last] = state + rate * (earned - state)
