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
        other_last: the opponent's move last week (``HOLD`` before week 0).
        arousal: the stock of the opponent's moves the actor has not answered, each decaying
            by the rule's ``decay`` per week (`arouse`); it raises the chance to act.
        tension: the tension of the measures in force at the start of the week (R,).
        utility: shape (R, 3, 3), this week's payoff of each own move against each opponent move.
        stage: shape (3, 3) or (R, 3, 3), the stage game alone, without the scenario's terms.
    """

    week: int
    own_recent: np.ndarray
    pending: np.ndarray
    provoked: np.ndarray
    own_last: np.ndarray
    other_last: np.ndarray
    arousal: np.ndarray
    tension: np.ndarray
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


def activity_now(
    base: Any, provocation: Any, arousal: np.ndarray, stakes: Any = 0.0, tension: Any = 0.0
) -> np.ndarray:
    """The chance to act this week, shape (R,): a hazard that rises with unanswered moves.

    base + (1 - base) x (1 - exp(-provocation x arousal - stakes x tension)): at rest (nothing
    unanswered, nothing in force) the actor acts with probability ``base``; each unanswered move
    of the opponent raises the chance toward 1, so a provocation is likely to be answered soon,
    and the answer provokes in turn (the burst of July-August 2019); so does what is at stake,
    the tension of the measures in force. ``provocation`` and ``stakes`` 0 give a constant rate.
    """
    base = np.asarray(base, dtype=float)
    pull = (
        np.asarray(provocation, dtype=float) * arousal + np.asarray(stakes, dtype=float) * tension
    )
    return base + (1 - base) * -np.expm1(-pull)


def arouse(arousal: np.ndarray, decay: Any, acted: np.ndarray, other_moved: np.ndarray):
    """Next week's arousal.

    The old stock decays, is spent when the actor acts, and grows by one for each move of the
    opponent.
    """
    return np.where(acted, 0.0, np.asarray(decay, dtype=float) * arousal) + other_moved


@dataclass
class Rule:
    """Base of all decision rules; subclasses are dataclasses whose fields are parameters.

    The fields after ``rule`` are shared by every rule: how often the actor acts and how its
    move becomes an act (`sim.core.conduct`).

    Attributes:
        rule: the rule's registered name (each subclass sets it as the default).
        noise: probability that an active week's move is uniform (a trembling hand).
        activity: probability of acting in a week with nothing unanswered; otherwise it holds.
        provocation: how much each unanswered move of the opponent raises that chance
            (`activity_now`).
        decay: the share of an unanswered move's pull left a week later.
        stakes: how much the tension of the measures in force raises the chance to act.
        memory: weeks an unanswered move of the opponent is remembered by reciprocating rules.
        signal: probability that a retaliation is a hostile signal rather than a new measure.
        lift: probability that a cooperation lifts a measure rather than being a gesture.
    """

    deterministic: ClassVar[bool]
    depth: ClassVar[float]  # classifier: weeks of history the rule uses (inf: all of it)
    uses_payoffs: ClassVar[bool] = False

    rule: str = ""
    noise: float = bounded(0.02, 0.0, 1.0)
    activity: float = bounded(0.25, 0.0, 1.0)
    provocation: float = bounded(0.0, 0.0, 50.0)
    decay: float = bounded(0.5, 0.0, 1.0)
    stakes: float = bounded(0.0, 0.0, 50.0)
    memory: int = bounded(4, 1, 520)
    signal: float = bounded(0.5, 0.0, 1.0)
    lift: float = bounded(0.3, 0.0, 1.0)

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
        """The rule's intent mixed with its noise and this week's activity (`mix`), (R, 3)."""
        activity = activity_now(
            self.activity, self.provocation, obs.arousal, self.stakes, obs.tension
        )
        return mix(self.intent(obs), self.noise, activity)


def rule_name(cls: type[Rule]) -> str:
    """The registered name of a rule class: the default of its ``rule`` field."""
    return cast(str, cls.__dataclass_fields__["rule"].default)
