"""Payoffs: the stage game plus the terms that give the dispute its levers.

For side i against side j, with own move m and the other's move b this week (docs/model.md):

    u_i(m, b) = G_i(m, b)                                      stage game
              + a_i (I_i(m) - I_i(hold))                       domestic audience
              - e_i (E_i(m) + E_j(b))                          economic interdependence
              - s_i min(1, S_i(m) + S_j(b))                    security cost
              - p k_i w_i [m = retaliate]                      patron's pressure on retaliation
              + p k_i c [m = cooperate]                        patron's reward for cooperation
              + d g_i L_i [m = cooperate]                      deadline of a running notice

G_i is the 2x2 stage game extended to hold by treating hold as the midpoint between cooperate
and retaliate (bilinear interpolation). I_i(m) is the total intensity of i's measures expected
in force after its move m: the domestic audience rewards the measures a move brings into force
and resents those it lifts, so a side with its strongest measures already in force gains little
at home from retaliating again. E_i(m) is the intensity of i's trade and society
measures expected in force after its move m (trade measures cut both ways), E_j(b) the
other's; S the same for security measures; the expectation runs over what the move would do
(`sim.core.conduct.expected_after`: which measure a retaliation enacts, whether a cooperation
lifts one). p is the patron's pressure of *last* week: a choice never sees its own week; 0
for a side the patron does not press (the case's ``patron_presses``, `Capital.observe`).
w_i is the patron's domain weight of what a retaliation would do: the expected weight of the
measure it would enact, or of the diplomatic domain for a signal. The deadline term concerns
only the side that can give the case's notice (GSOMIA's in 2019): g_i is how near the notice is
to its lapse (weeks in force before this week over the lapse, at most 1), L_i the chance that a
cooperation lifts it this week, and d (``deadline``) how much saving the agreement is worth; 0
for every other side and whenever no notice runs.
"""

from typing import Any

import numpy as np

from sim.core.moves import DOMAINS, Move
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


def column(value: Any) -> np.ndarray:
    """A weight as a number, or an array (R,) shaped (R, 1) to scale (R, 3) rows."""
    value = np.asarray(value, dtype=float)
    return value if value.ndim == 0 else value[:, None]


def row(value: Any) -> np.ndarray:
    """A weight as a number, or an array (R,), to scale (3, 3, R) arrays."""
    return np.asarray(value, dtype=float)


def stage_last(game: np.ndarray) -> np.ndarray:
    """A stage game (3, 3) or (R, 3, 3) laid out to broadcast against (3, 3, R)."""
    return game[:, :, None] if game.ndim == 2 else game.transpose(1, 2, 0)


class Payoffs:
    """The payoff equation, evaluated per replication for each side's slot."""

    signal_domain = DOMAINS.index("diplomatic")  # the patron's weight of a hostile signal

    def __init__(self, params: PayoffParams) -> None:
        self.params = params
        self.stage = {slot: stage_game(matrix) for slot, matrix in params.stage.items()}
        self.domain_weight = params.domains.array()
        self.deadline = bool(np.any(params.deadline))  # whether the deadline term counts at all

    def utility(self, slot: str, own: Any, other: Any, pressure: np.ndarray) -> np.ndarray:
        """This week's payoff of each own move against each of the other's, shape (R, 3, 3).

        ``own`` and ``other`` are the sides' outlooks (expected economic and security
        intensity after each move, shape (R, 3), and the weight of a retaliation, (R,));
        ``pressure`` is the patron's pressure of last week, shape (R,).

        The payoffs are worked out laid out (own move, other's move, replication), so that
        every numpy loop runs over the replications, and returned as an (R, 3, 3) view of it.
        """
        p = self.params
        u = np.add(own.security.T[:, None, :], other.security.T[None, :, :])
        np.minimum(1.0, u, out=u)
        u *= row(p.security[slot])
        np.subtract(stage_last(self.stage[slot]), u, out=u)
        economic = np.add(own.economic.T[:, None, :], other.economic.T[None, :, :])
        economic *= row(p.economic[slot])
        u -= economic
        gain = own.intensity - own.intensity[:, H : H + 1]
        u += (column(p.audience[slot]) * gain).T[:, None, :]
        push = pressure * p.pressure[slot]
        u[R] -= push * own.weight
        u[C] += push * p.cooperation_reward
        if self.deadline:
            u[C] += row(p.deadline) * own.rescue
        return u.transpose(2, 0, 1)
