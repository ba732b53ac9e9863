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

The ladders fix E and S for every pair of rungs in force, so they are tabulated once; the
weights (a, e, s, k, c, w) multiply the tables each week, which lets every weight be a number
or an array over replications.
"""

from typing import Any

import numpy as np

from sim.core.ladder import Ladder
from sim.core.moves import Move
from sim.core.params import PayoffParams

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
STANCE = np.array([0.0, 0.5, 1.0])  # how far each move is from cooperation toward retaliation


def stage_game(matrix: Any) -> np.ndarray:
    """Extend a 2x2 [[R, S], [T, P]] game to the three moves.

    The result has shape (3, 3), or (N, 3, 3) for games of shape (N, 2, 2).
    """
    game = np.asarray(matrix, dtype=float)
    own = np.stack([1 - STANCE, STANCE], axis=1)  # weight of (cooperate, retaliate) per move
    return own @ game @ own.T


def cube(value: Any) -> Any:
    """A weight as a number, or an array (R,) shaped (R, 1, 1) to scale (R, 3, 3) tables."""
    value = np.asarray(value, dtype=float)
    return value if value.ndim == 0 else value[:, None, None]


def pair_table(own: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intensities after each own move and each of the other's, for every pair of rungs.

    ``own`` and ``other`` are a ladder's intensities at each rung index after each move,
    shape (rungs + 1, 3); the result is (own rungs + 1, other rungs + 1, 3, 3) twice: own
    intensity broadcast over the other's moves, and the other's over own moves.
    """
    return own[:, None, :, None], other[None, :, None, :]


class Payoffs:
    """The payoff equation for one pair of ladders, evaluated per replication."""

    def __init__(self, params: PayoffParams, ladders: dict[str, Ladder]) -> None:
        self.params = params
        self.ladders = ladders
        self.stage = {a: stage_game(params.stage[a]) for a in ladders}
        self.domain_weight = params.domains.array()
        self.economic_table: dict[str, np.ndarray] = {}
        self.security_table: dict[str, np.ndarray] = {}
        for actor, ladder in ladders.items():
            other = next(o for o in ladders.values() if o is not ladder)
            own_next, other_next = ladder.next_rung, other.next_rung
            own_sec, other_sec = pair_table(ladder.security[own_next], other.security[other_next])
            own_eco, other_eco = pair_table(ladder.economic[own_next], other.economic[other_next])
            self.security_table[actor] = np.minimum(1.0, own_sec + other_sec)
            self.economic_table[actor] = own_eco + other_eco

    def utility(
        self, actor: str, own_rung: np.ndarray, other_rung: np.ndarray, pressure: np.ndarray
    ) -> np.ndarray:
        """This week's payoff of each own move against each of the other's, shape (R, 3, 3)."""
        p = self.params
        u = (
            self.stage[actor]
            - cube(p.security[actor]) * self.security_table[actor][own_rung, other_rung]
        )
        u = u - cube(p.economic[actor]) * self.economic_table[actor][own_rung, other_rung]
        u[:, R, :] += np.asarray(p.audience[actor], dtype=float)[..., None]
        push = pressure * p.pressure[actor]
        climb = self.ladders[actor].climb_domain[own_rung]
        weights = self.domain_weight
        weight = weights[climb] if weights.ndim == 1 else weights[np.arange(len(climb)), climb]
        u[:, R, :] -= (push * weight)[:, None]
        u[:, C, :] += (push * p.cooperation_reward)[:, None]
        return u
