"""Rules that answer the opponent's last move: tit-for-tat and its relatives."""

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from sim.core.rules.base import ONE_HOT, C, H, Observation, R, Rule, bounded


def reciprocate(obs: Observation) -> np.ndarray:
    """The tit-for-tat move: cooperate first, then answer the opponent's pending move in kind."""
    return np.where(obs.opening, C, obs.pending)


@dataclass
class TitForTat(Rule):
    """Cooperate first, then copy the opponent's latest unanswered move (Rapoport; Axelrod 1980)."""

    deterministic: ClassVar[bool] = True
    depth: ClassVar[float] = 1
    rule: str = "tit_for_tat"

    def intent(self, obs: Observation) -> np.ndarray:
        """One-hot on the reciprocal move."""
        return ONE_HOT[reciprocate(obs)]


@dataclass
class GenerousTitForTat(Rule):
    """Tit-for-tat that answers a retaliation with cooperation with probability ``generosity``.

    Nowak & Sigmund (1992), "Tit for tat in heterogeneous populations", Nature 355: 250-253.
    """

    deterministic: ClassVar[bool] = False
    depth: ClassVar[float] = 1
    rule: str = "generous_tit_for_tat"
    generosity: float = bounded(1 / 3, 0.0, 1.0)

    def intent(self, obs: Observation) -> np.ndarray:
        """Tit-for-tat's move, with part of each retaliation turned into cooperation."""
        probs = ONE_HOT[reciprocate(obs)].copy()
        hit = probs[:, R] == 1
        generosity = np.broadcast_to(np.asarray(self.generosity, dtype=float), hit.shape)[hit]
        probs[hit, R] = 1 - generosity
        probs[hit, C] = generosity
        return probs


@dataclass
class GrimTrigger(Rule):
    """Reciprocate until the opponent first retaliates, then retaliate for ever (Friedman 1971)."""

    deterministic: ClassVar[bool] = True
    depth: ClassVar[float] = float("inf")
    rule: str = "grim_trigger"

    def intent(self, obs: Observation) -> np.ndarray:
        """Retaliate once provoked; before that, tit-for-tat."""
        return ONE_HOT[np.where(obs.provoked, R, reciprocate(obs))]


@dataclass
class WinStayLoseShift(Rule):
    """Pavlov: repeat the last move if it paid at least ``aspiration``, else switch.

    Nowak & Sigmund (1993), "A strategy of win-stay, lose-shift that outperforms tit-for-tat in
    the Prisoner's Dilemma game", Nature 364: 56-58. The payoff judged is the stage game's for
    the actor's latest move against the opponent's unanswered reply; the default aspiration
    (None) is midway between mutual cooperation and mutual retaliation. Switching turns
    cooperation into retaliation, retaliation into cooperation, and a hold that was hit into
    retaliation. While the opponent has made no move to answer, there is no exchange to judge
    and the rule holds, as tit-for-tat does.
    """

    deterministic: ClassVar[bool] = True
    depth: ClassVar[float] = 1
    SHIFT: ClassVar[np.ndarray] = np.array([R, R, C])  # shift from cooperate, hold, retaliate
    rule: str = "win_stay_lose_shift"
    aspiration: Any = None  # a number, or None for the stage game's midpoint

    def intent(self, obs: Observation) -> np.ndarray:
        """Stay with the latest move after a win, shift after a loss."""
        stage = obs.stage
        aspiration = self.aspiration
        if aspiration is None:
            aspiration = (stage[..., C, C] + stage[..., R, R]) / 2
        judged = (
            stage[obs.own_recent, obs.pending]
            if stage.ndim == 2
            else stage[np.arange(obs.replications), obs.own_recent, obs.pending]
        )
        won = judged >= aspiration
        move = np.where(won, obs.own_recent, self.SHIFT[obs.own_recent])
        move = np.where(obs.pending == H, H, move)
        return ONE_HOT[np.where(obs.opening, C, move)]
