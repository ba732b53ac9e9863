"""Rules that learn from play and respond to payoffs: logit response to beliefs, Q-learning."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.core.moves import N_MOVES
from sim.core.rules.base import Observation, Rule, bounded, column, softmax


@dataclass
class QuantalResponse(Rule):
    """Logit (quantal) response to expected payoffs under conditional fictitious-play beliefs.

    Choice probabilities are proportional to exp(rationality x expected payoff) (McKelvey &
    Palfrey 1995, "Quantal response equilibria for normal form games", GEB 10: 6-38). Beliefs
    are fictitious play (Brown 1951) conditioned on the actor's own move: counts of the
    opponent's move in the week after each own move, starting from ``prior`` pseudo-counts per
    cell, so an actor learns how the other answers its retaliation and its cooperation.
    """

    deterministic: ClassVar[bool] = False
    depth: ClassVar[float] = float("inf")
    uses_payoffs: ClassVar[bool] = True
    rule: str = "quantal_response"
    rationality: float = bounded(1.0, 0.0, 100.0)
    prior: float = bounded(1.0, 1e-6, 1e6)

    def start(self, replications: int) -> None:
        """Start every replication from the uniform prior."""
        prior = np.asarray(self.prior, dtype=float)
        self.counts = np.ones((replications, N_MOVES, N_MOVES)) * (
            prior if prior.ndim == 0 else prior[:, None, None]
        )

    def beliefs(self) -> np.ndarray:
        """Shape (R, own move, opponent move): the expected reply to each own move."""
        return self.counts / self.counts.sum(axis=2, keepdims=True)

    def intent(self, obs: Observation) -> np.ndarray:
        """Logit response to each move's expected payoff."""
        weighted = np.einsum("rmb,rmb->rm", self.counts, obs.utility)
        return softmax(weighted / self.counts.sum(axis=2), self.rationality)

    def learn(
        self, obs: Observation, own: np.ndarray, other: np.ndarray, payoff: np.ndarray
    ) -> None:
        """Count the opponent's move against the actor's move of the week before."""
        rows = np.arange(self.counts.shape[0])
        self.counts[rows, obs.own_last, other] += 1


@dataclass
class QLearning(Rule):
    """Stateless Q-learning with logit choice: an independent learner (Claus & Boutilier 1998).

    Each move's value moves toward the payoff it earned by ``learning_rate`` (Watkins 1989;
    Sutton & Barto 2018, ch. 2), and moves are chosen with probability proportional to
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
        """Start every move's value at ``initial``."""
        self.values = np.zeros((replications, N_MOVES)) + column(self.initial)

    def intent(self, obs: Observation) -> np.ndarray:
        """Logit choice on learned values."""
        return softmax(self.values, self.rationality)

    def learn(
        self, obs: Observation, own: np.ndarray, other: np.ndarray, payoff: np.ndarray
    ) -> None:
        """Move the played move's value toward its payoff."""
        rows = np.arange(self.values.shape[0])
        rate = np.asarray(self.learning_rate, dtype=float)
        self.values[rows, own] += rate * (payoff - self.values[rows, own])
