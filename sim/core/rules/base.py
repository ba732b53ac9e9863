"""What every decision rule shares: the observation it sees, its interface, the noise mix.

A rule sees an `Observation` (what the actor knows when it chooses) and returns its *intent*,
an array of shape (R, 3) whose rows sum to 1. `mix` then blends in the trembling-hand noise
and the activity rate, so deterministic rules never give a real sequence probability zero.
Rules with memory (beliefs, learned values, a trigger) keep it as arrays over replications,
set up in `start` and updated in `learn` from observable moves and payoffs only, which is what
lets the same code score the real 2019 sequence by likelihood.

Three moves replace the prisoner's dilemma's two: the literature's C is `cooperate`, D is
`retaliate`, and `hold` (the status quo) is what a reciprocating rule plays when there is
nothing to answer.

A rule's dataclass fields are its parameters (the Hydra schema of ``strategy@seoul`` and
``strategy@tokyo`` is built from them, `sim.experiment.config`); a bounded one carries its range
in ``metadata["range"]``. Real-valued parameters may be arrays of shape (R,).
"""

from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np

from sim.core.moves import N_MOVES, Move

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
ONE_HOT = np.eye(N_MOVES)


def bounded(default: Any, low: float, high: float) -> Any:
    """A rule parameter whose value must lie in [low, high]."""
    return field(default=default, metadata={"range": (low, high)})


def column(value: Any) -> Any:
    """A scalar parameter as is, an array of shape (R,) as a column (R, 1) for broadcasting."""
    value = np.asarray(value, dtype=float)
    return value if value.ndim == 0 else value[:, None]


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
        stage: shape (3, 3) or (R, 3, 3), the stage game alone, without the scenario's terms.
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


def softmax(values: np.ndarray, rationality: Any) -> np.ndarray:
    """Logit choice probabilities along the last axis, stable for large values.

    ``rationality`` is a number or an array of shape (R,) for ``values`` of shape (R, k).
    """
    scaled = column(rationality) * (values - values.max(axis=-1, keepdims=True))
    weights = np.exp(scaled)
    return weights / weights.sum(axis=-1, keepdims=True)


def mix(intent: np.ndarray, noise: Any, activity: Any) -> np.ndarray:
    """Blend intents (N, 3) with trembling-hand noise, gated by the activity rate.

    activity x ((1 - noise) x intent + noise / 3), plus (1 - activity) on hold: in a week the
    actor is active it follows its rule, except that with probability ``noise`` its move is
    uniform; in a week it is not, it holds. ``noise`` and ``activity`` are numbers or arrays of
    shape (N,). This is the one place the mix is computed: the agents and the likelihood both
    call it.
    """
    noise, activity = column(noise), column(activity)
    probabilities = activity * ((1 - noise) * intent + noise / N_MOVES)
    hold = 1 - activity
    probabilities[..., H] += hold[..., 0] if np.ndim(hold) else hold
    return probabilities


@dataclass
class Rule:
    """Base of all decision rules; subclasses are dataclasses whose fields are parameters.

    Attributes:
        rule: the rule's registered name (each subclass sets it as the default).
        noise: probability that an active week's move is uniform (a trembling hand).
        activity: probability that the actor acts at all in a week; otherwise it holds.
        memory: weeks an unanswered move of the opponent is remembered.
    """

    deterministic: ClassVar[bool]
    depth: ClassVar[float]  # classifier: weeks of history the rule uses (inf: all of it)
    uses_payoffs: ClassVar[bool] = False

    rule: str = ""
    noise: float = bounded(0.02, 0.0, 1.0)
    activity: float = bounded(0.25, 0.0, 1.0)
    memory: int = bounded(4, 1, 520)

    def start(self, replications: int) -> None:
        """Allocate the rule's per-replication state for a new run."""

    def intent(self, obs: Observation) -> np.ndarray:
        """Probabilities of (cooperate, hold, retaliate), shape (R, 3), before noise."""
        raise NotImplementedError

    def learn(
        self, obs: Observation, own: np.ndarray, other: np.ndarray, payoff: np.ndarray
    ) -> None:
        """Update the rule's state after the week's moves ``own`` and ``other``."""

    def probabilities(self, obs: Observation) -> np.ndarray:
        """The rule's intent mixed with its noise and activity (`mix`), shape (R, 3)."""
        return mix(self.intent(obs), self.noise, self.activity)


def rule_name(cls: type[Rule]) -> str:
    """The registered name of a rule class: the default of its ``rule`` field."""
    return cast(str, cls.__dataclass_fields__["rule"].default)
