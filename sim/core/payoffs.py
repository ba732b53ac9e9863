"""Payoffs: the stage game plus the terms that give the dispute its levers.

For ally i against ally j, with own move m and the other's move b this week (docs/model.md):

    u_i(m, b) = G_i(m, b)                                      stage game
              + a_i [m = retaliate]                            domestic audience
              - e_i (E_i(m) + E_j(b))                          economic interdependence
              - s_i min(1, S_i(m) + S_j(b))                    security cost
              - p k_i w(d_i) [m = retaliate]                   US pressure on retaliation
              + p k_i c [m = cooperate]                        US reward for cooperation

G_i is the 2x2 stage game extended to hold by treating hold as the midpoint between cooperate
and retaliate (bilinear interpolation). E_j(b) is the intensity of the other's trade and
society measures in force after its move, E_i(m) that of one's own (trade measures cut both
ways), S(.) the intensity of security measures in force after each move, p Washington's
pressure this week, and w(d_i) the weight of the domain of the rung a retaliation by i would
climb to.
"""

from dataclasses import dataclass

import numpy as np

from sim.core.ladder import Ladder
from sim.core.moves import ALLIES, DOMAINS, Move
from sim.experiment.config import PayoffsConfig

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
STANCE = np.array([0.0, 0.5, 1.0])  # how far each move is from cooperation toward retaliation


def stage_game(matrix: list[list[float]]) -> np.ndarray:
    """Extend a 2x2 [[R, S], [T, P]] game to the three moves, shape (3, 3)."""
    game = np.asarray(matrix, dtype=float)
    own = np.stack([1 - STANCE, STANCE], axis=1)  # weight of (cooperate, retaliate) per move
    return own @ game @ own.T


@dataclass(frozen=True)
class Payoffs:
    """The payoff equation's parameters, ready for vectorised evaluation."""

    stage: dict[str, np.ndarray]
    audience: dict[str, float]
    economic: dict[str, float]
    security: dict[str, float]
    sensitivity: dict[str, float]
    cooperation_reward: float
    domain_weight: np.ndarray

    @classmethod
    def from_config(cls, config: PayoffsConfig) -> "Payoffs":
        """Build from the ``payoffs`` config group."""
        return cls(
            stage={a: stage_game(config.stage[a]) for a in ALLIES},
            audience={a: getattr(config.audience, a) for a in ALLIES},
            economic={a: getattr(config.economic, a) for a in ALLIES},
            security={a: getattr(config.security, a) for a in ALLIES},
            sensitivity={a: getattr(config.pressure, a) for a in ALLIES},
            cooperation_reward=config.cooperation_reward,
            domain_weight=np.array([getattr(config.domains, d) for d in DOMAINS]),
        )

    def standing(self, actor: str, own_ladder: Ladder, other_ladder: Ladder) -> np.ndarray:
        """The pressure-free part of the payoff for every pair of rungs in force.

        Shape (own rungs + 1, other rungs + 1, 3, 3): the stage game, the audience reward and
        the economic and security costs, for each own move against each of the other's.
        """
        own_next = own_ladder.next_rung  # (own rungs + 1, 3)
        other_next = other_ladder.next_rung
        own_security = own_ladder.security[own_next][:, None, :, None]
        other_security = other_ladder.security[other_next][None, :, None, :]
        table = self.stage[actor] - self.security[actor] * np.minimum(
            1.0, own_security + other_security
        )
        economic = (
            own_ladder.economic[own_next][:, None, :, None]
            + other_ladder.economic[other_next][None, :, None, :]
        )
        table = table - self.economic[actor] * economic
        table[:, :, R, :] += self.audience[actor]
        return table

    def utility(
        self,
        actor: str,
        standing: np.ndarray,
        own_ladder: Ladder,
        own_rung: np.ndarray,
        other_rung: np.ndarray,
        pressure: np.ndarray,
    ) -> np.ndarray:
        """This week's payoff of each own move against each of the other's, shape (R, 3, 3).

        ``standing`` is `standing`'s table for this pair of ladders; the pressure terms are
        added per replication.
        """
        u = standing[own_rung, other_rung]
        push = pressure * self.sensitivity[actor]
        weight = self.domain_weight[own_ladder.climb_domain[own_rung]]
        u[:, R, :] -= (push * weight)[:, None]
        u[:, C, :] += (push * self.cooperation_reward)[:, None]
        return u
