"""Rules that ignore the opponent: always cooperate, always retaliate, uniform at random."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.core.moves import N_MOVES, Move
from sim.core.rules.base import ONE_HOT, C, Observation, R, Rule


@dataclass
class Unconditional(Rule):
    """Base of the rules that play one fixed move whatever happens."""

    deterministic: ClassVar[bool] = True
    depth: ClassVar[float] = 0
    move: ClassVar[Move]

    def intent(self, obs: Observation) -> np.ndarray:
        """One-hot on the rule's move."""
        return np.broadcast_to(ONE_HOT[self.move], (obs.replications, N_MOVES))


@dataclass
class AlwaysCooperate(Unconditional):
    """Cooperate every week (the unconditional dove)."""

    move: ClassVar[Move] = C
    rule: str = "always_cooperate"


@dataclass
class AlwaysRetaliate(Unconditional):
    """Retaliate every week (the unconditional hawk)."""

    move: ClassVar[Move] = R
    rule: str = "always_retaliate"


@dataclass
class RandomMove(Rule):
    """Each move with probability 1/3, the baseline of Axelrod's first tournament (1980)."""

    deterministic: ClassVar[bool] = False
    depth: ClassVar[float] = 0
    rule: str = "random"

    def intent(self, obs: Observation) -> np.ndarray:
        """Uniform over the three moves."""
        return np.full((obs.replications, N_MOVES), 1 / N_MOVES)
