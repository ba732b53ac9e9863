"""Decision rules: each gives, per replication, the probabilities of cooperate, hold, retaliate.

A rule sees an `Observation` (what the actor knows when it chooses) and returns its *intent*,
an array of shape (R, 3) whose rows sum to 1. The agent then mixes in the trembling-hand noise
and the activity rate (see `sim.core.agents`), so deterministic rules never give a real sequence
probability zero. Rules with memory (beliefs, learned values, a trigger) keep it as arrays over
replications and update it in `learn`, from observable moves and payoffs only, which is what lets
the same code score the real 2019 sequence by likelihood.

Three moves replace the prisoner's dilemma's two: the literature's C is `cooperate`, D is
`retaliate`, and `hold` (the status quo) is what a reciprocating rule plays when there is
nothing to answer.
"""

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim.core.moves import N_MOVES, Move

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
ONE_HOT = np.eye(N_MOVES)


@dataclass
class Observation:
    """What an actor knows when it chooses; arrays over R replications, replication axis first.

    Attributes:
        week: index of the week being played.
        own_recent: the actor's own latest non-hold move, ``HOLD`` if it has not moved yet.
        pending: the opponent's latest non-hold move that the actor has not answered yet (it is
            forgotten after the strategy's ``memory`` weeks), ``HOLD`` if none.
        provoked: whether the opponent has ever retaliated.
        own_last: the actor's move last week (``HOLD`` before week 0).
        utility: shape (R, 3, 3), this week's payoff of each own move against each opponent move.
        stage: shape (3, 3), the stage game alone, without the scenario's terms.
    """

    week: int
    own_recent: np.ndarray
    pending: np.ndarray
    provoked: np.ndarray
    own_last: np.ndarray
    utility: np.ndarray
    stage: np.ndarray

    @property
    def replications(self) -> int:
        """Number of replications R."""
        return self.pending.shape[0]

    @property
    def opening(self) -> np.ndarray:
        """Replications where the actor has neither moved nor been provoked yet."""
        return (self.own_recent == H) & (self.pending == H)


def softmax(values: np.ndarray, rationality: float) -> np.ndarray:
    """Logit choice probabilities along the last axis, stable for large values."""
    scaled = rationality * (values - values.max(axis=-1, keepdims=True))
    weights = np.exp(scaled)
    return weights / weights.sum(axis=-1, keepdims=True)


@dataclass
class Rule:
    """Base of all decision rules; subclasses are dataclasses whose fields are parameters."""

    name: ClassVar[str]
    deterministic: ClassVar[bool]
    memory: ClassVar[float]  # classifier: weeks of history the rule uses (inf: all of it)
    uses_payoffs: ClassVar[bool] = False
    ranges: ClassVar[dict[str, tuple[float, float]]] = {}

    def start(self, replications: int) -> None:
        """Allocate the rule's per-replication state for a new run."""

    def intent(self, obs: Observation) -> np.ndarray:
        """Probabilities of (cooperate, hold, retaliate), shape (R, 3), before noise."""
        raise NotImplementedError

    def learn(self, obs: Observation, own: np.ndarray, other: np.ndarray, payoff: np.ndarray):
        """Update the rule's state after the week's moves ``own`` and ``other``."""


def _reciprocate(obs: Observation) -> np.ndarray:
    """The tit-for-tat move: cooperate first, then answer the opponent's pending move in kind."""
    return np.where(obs.opening, C, obs.pending)


@dataclass
class TitForTat(Rule):
    """Cooperate first, then copy the opponent's latest unanswered move (Rapoport; Axelrod 1980)."""

    name: ClassVar[str] = "tit_for_tat"
    deterministic: ClassVar[bool] = True
    memory: ClassVar[float] = 1

    def intent(self, obs: Observation) -> np.ndarray:
        """One-hot on the reciprocal move."""
        return ONE_HOT[_reciprocate(obs)]


@dataclass
class GenerousTitForTat(Rule):
    """Tit-for-tat that answers a retaliation with cooperation with probability ``generosity``.

    Nowak & Sigmund (1992), "Tit for tat in heterogeneous populations", Nature 355: 250-253.
    """

    name: ClassVar[str] = "generous_tit_for_tat"
    deterministic: ClassVar[bool] = False
    memory: ClassVar[float] = 1
    ranges: ClassVar[dict] = {"generosity": (0.0, 1.0)}
    generosity: float = 1 / 3

    def intent(self, obs: Observation) -> np.ndarray:
        """Tit-for-tat's move, with part of each retaliation turned into cooperation."""
        probs = ONE_HOT[_reciprocate(obs)].copy()
        hit = probs[:, R] == 1
        probs[hit, R] = 1 - self.generosity
        probs[hit, C] = self.generosity
        return probs


@dataclass
class GrimTrigger(Rule):
    """Reciprocate until the opponent first retaliates, then retaliate for ever (Friedman 1971)."""

    name: ClassVar[str] = "grim_trigger"
    deterministic: ClassVar[bool] = True
    memory: ClassVar[float] = float("inf")

    def intent(self, obs: Observation) -> np.ndarray:
        """Retaliate once provoked; before that, tit-for-tat."""
        return ONE_HOT[np.where(obs.provoked, R, _reciprocate(obs))]


@dataclass
class WinStayLoseShift(Rule):
    """Pavlov: repeat the last move if it paid at least ``aspiration``, else switch.

    Nowak & Sigmund (1993), "A strategy of win-stay, lose-shift that outperforms tit-for-tat in
    the Prisoner's Dilemma game", Nature 364: 56-58. The payoff judged is the stage game's for
    the actor's latest move against the opponent's unanswered reply; the default aspiration is
    midway between mutual cooperation and mutual retaliation. Switching turns cooperation into
    retaliation, retaliation into cooperation, and a hold that was hit into retaliation. While
    the opponent has made no move to answer, there is no exchange to judge and the rule holds,
    as tit-for-tat does.
    """

    name: ClassVar[str] = "win_stay_lose_shift"
    deterministic: ClassVar[bool] = True
    memory: ClassVar[float] = 1
    aspiration: float | None = None
    SHIFT: ClassVar[np.ndarray] = np.array([R, R, C])  # shift from cooperate, hold, retaliate

    def intent(self, obs: Observation) -> np.ndarray:
        """Stay with the latest move after a win, shift after a loss."""
        stage = obs.stage
        aspiration = self.aspiration
        if aspiration is None:
            aspiration = (stage[C, C] + stage[R, R]) / 2
        won = stage[obs.own_recent, obs.pending] >= aspiration
        move = np.where(won, obs.own_recent, self.SHIFT[obs.own_recent])
        move = np.where(obs.pending == H, H, move)
        return ONE_HOT[np.where(obs.opening, C, move)]


@dataclass
class Unconditional(Rule):
    """Base of the rules that play one fixed move whatever happens."""

    deterministic: ClassVar[bool] = True
    memory: ClassVar[float] = 0
    move: ClassVar[Move]

    def intent(self, obs: Observation) -> np.ndarray:
        """One-hot on the rule's move."""
        return np.broadcast_to(ONE_HOT[self.move], (obs.replications, N_MOVES))


@dataclass
class AlwaysCooperate(Unconditional):
    """Cooperate every week (the unconditional dove)."""

    name: ClassVar[str] = "always_cooperate"
    move: ClassVar[Move] = C


@dataclass
class AlwaysRetaliate(Unconditional):
    """Retaliate every week (the unconditional hawk)."""

    name: ClassVar[str] = "always_retaliate"
    move: ClassVar[Move] = R


@dataclass
class RandomMove(Rule):
    """Each move with probability 1/3, the baseline of Axelrod's first tournament (1980)."""

    name: ClassVar[str] = "random"
    deterministic: ClassVar[bool] = False
    memory: ClassVar[float] = 0

    def intent(self, obs: Observation) -> np.ndarray:
        """Uniform over the three moves."""
        return np.full((obs.replications, N_MOVES), 1 / N_MOVES)


@dataclass
class QuantalResponse(Rule):
    """Logit (quantal) response to expected payoffs under conditional fictitious-play beliefs.

    Choice probabilities are proportional to exp(rationality x expected payoff) (McKelvey &
    Palfrey 1995, "Quantal response equilibria for normal form games", GEB 10: 6-38). Beliefs
    are fictitious play (Brown 1951) conditioned on the actor's own move: counts of the
    opponent's move in the week after each own move, starting from ``prior`` pseudo-counts per
    cell, so an actor learns how the other answers its retaliation and its cooperation.
    """

    name: ClassVar[str] = "quantal_response"
    deterministic: ClassVar[bool] = False
    memory: ClassVar[float] = float("inf")
    uses_payoffs: ClassVar[bool] = True
    ranges: ClassVar[dict] = {"rationality": (0.0, 100.0), "prior": (1e-6, 1e6)}
    rationality: float = 1.0
    prior: float = 1.0
    counts: np.ndarray = field(init=False, repr=False, default=None)

    def start(self, replications: int) -> None:
        """Start every replication from the uniform prior."""
        self.counts = np.full((replications, N_MOVES, N_MOVES), self.prior)

    def beliefs(self) -> np.ndarray:
        """Shape (R, own move, opponent move): the expected reply to each own move."""
        return self.counts / self.counts.sum(axis=2, keepdims=True)

    def intent(self, obs: Observation) -> np.ndarray:
        """Logit response to each move's expected payoff."""
        weighted = np.einsum("rmb,rmb->rm", self.counts, obs.utility)
        return softmax(weighted / self.counts.sum(axis=2), self.rationality)

    def learn(self, obs: Observation, own: np.ndarray, other: np.ndarray, payoff: np.ndarray):
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

    name: ClassVar[str] = "q_learning"
    deterministic: ClassVar[bool] = False
    memory: ClassVar[float] = float("inf")
    uses_payoffs: ClassVar[bool] = True
    ranges: ClassVar[dict] = {"rationality": (0.0, 100.0), "learning_rate": (0.0, 1.0)}
    rationality: float = 1.0
    learning_rate: float = 0.2
    initial: float = 0.0
    values: np.ndarray = field(init=False, repr=False, default=None)

    def start(self, replications: int) -> None:
        """Start every move's value at ``initial``."""
        self.values = np.full((replications, N_MOVES), self.initial)

    def intent(self, obs: Observation) -> np.ndarray:
        """Logit choice on learned values."""
        return softmax(self.values, self.rationality)

    def learn(self, obs: Observation, own: np.ndarray, other: np.ndarray, payoff: np.ndarray):
        """Move the played move's value toward its payoff."""
        rows = np.arange(self.values.shape[0])
        self.values[rows, own] += self.learning_rate * (payoff - self.values[rows, own])


RULES: dict[str, type[Rule]] = {
    cls.name: cls
    for cls in (
        TitForTat,
        GenerousTitForTat,
        GrimTrigger,
        WinStayLoseShift,
        AlwaysCooperate,
        AlwaysRetaliate,
        RandomMove,
        QuantalResponse,
        QLearning,
    )
}
