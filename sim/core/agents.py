"""The Mesa agents: one per capital, each holding its state as arrays over R replications.

Seoul and Tokyo are `Capital` agents: each week they choose a move from their decision rule,
climb or step down their ladder, and then settle (payoff, memory, learning). Washington is a
`Washington` agent that sets its pressure on both allies before they choose.
"""

import mesa
import numpy as np

from sim.core.ladder import Ladder
from sim.core.moves import N_MOVES, Move
from sim.core.rules import RULES, Observation, Rule
from sim.experiment.config import StrategyConfig, UsConfig

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
WASHINGTON_MOVES = ("abstain", "engage", "press")


def build_rule(strategy: StrategyConfig) -> Rule:
    """Instantiate the rule a strategy config names, with its parameters."""
    rule_cls = RULES[strategy.rule]
    shared = {"rule", "noise", "activity", "memory"}
    params = {k: v for k, v in vars(strategy).items() if k not in shared}
    return rule_cls(**params)


def sample(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one move per row of a (R, 3) probability array."""
    u = rng.random(probabilities.shape[0])
    first = probabilities[:, 0]
    return ((u >= first).astype(np.int8) + (u >= first + probabilities[:, 1])).astype(np.int8)


class Capital(mesa.Agent):
    """Seoul or Tokyo: a ladder, a decision rule, and per-replication state of shape (R,)."""

    def __init__(
        self, model: mesa.Model, name: str, ladder: Ladder, strategy: StrategyConfig, rung: int
    ) -> None:
        super().__init__(model)
        n = model.replications
        self.name = name
        self.ladder = ladder
        self.strategy = strategy
        self.rule = build_rule(strategy)
        self.rule.start(n)
        self.rung = np.full(n, rung, dtype=np.int16)
        self.move = np.full(n, H, dtype=np.int8)
        self.last = np.full(n, H, dtype=np.int8)
        self.recent = np.full(n, H, dtype=np.int8)
        self.pending = np.full(n, H, dtype=np.int8)
        self.pending_age = np.zeros(n, dtype=np.int16)
        self.provoked = np.zeros(n, dtype=bool)
        self.payoff = np.zeros(n)
        self.total_payoff = np.zeros(n)
        self.other: Capital | None = None
        self.utility: np.ndarray | None = None
        self.standing: np.ndarray | None = None
        self.observation: Observation | None = None
        self.probabilities: np.ndarray | None = None

    def observe(self) -> Observation:
        """What this capital knows now: its memory of moves and this week's payoffs."""
        if self.standing is None:
            self.standing = self.model.payoffs.standing(self.name, self.ladder, self.other.ladder)
        self.utility = self.model.payoffs.utility(
            self.name,
            self.standing,
            self.ladder,
            self.rung,
            self.other.rung,
            self.model.washington.pressure,
        )
        return Observation(
            week=self.model.week,
            own_recent=self.recent,
            pending=self.pending,
            provoked=self.provoked,
            own_last=self.last,
            utility=self.utility,
            stage=self.model.payoffs.stage[self.name],
        )

    def move_probabilities(self, observation: Observation) -> np.ndarray:
        """The rule's intent mixed with trembling-hand noise, gated by the activity rate."""
        noise, activity = self.strategy.noise, self.strategy.activity
        probs = activity * ((1 - noise) * self.rule.intent(observation) + noise / N_MOVES)
        probs[:, H] += 1 - activity
        return probs

    def choose(self) -> None:
        """Pick this week's move in every replication (forced moves, if set, take precedence)."""
        self.observation = self.observe()
        self.probabilities = self.move_probabilities(self.observation)
        forced = self.model.forced_move(self.name)
        self.move = forced if forced is not None else sample(self.probabilities, self.model.rng)

    def climb(self) -> None:
        """Apply the move to the ladder: up a rung, down a rung, or stay."""
        forced = self.model.forced_rung(self.name)
        self.rung = forced if forced is not None else self.ladder.next_rung[self.rung, self.move]

    def settle(self) -> None:
        """Collect the payoff, let the rule learn, and update the memory of unanswered moves."""
        rows = np.arange(self.move.shape[0])
        self.payoff = self.utility[rows, self.move, self.other.move]
        self.total_payoff += self.payoff
        self.rule.learn(self.observation, self.move, self.other.move, self.payoff)
        self.remember(self.other.move)

    def remember(self, other_move: np.ndarray) -> None:
        """Keep the other's latest non-hold move until answered or ``memory`` weeks old."""
        acted = self.move != H
        other_acted = other_move != H
        age = self.pending_age + 1
        stale = acted | (age >= self.strategy.memory)
        self.pending = np.where(other_acted, other_move, np.where(stale, H, self.pending)).astype(
            np.int8
        )
        self.pending_age = np.where(other_acted, 0, age).astype(np.int16)
        self.recent = np.where(acted, self.move, self.recent).astype(np.int8)
        self.provoked = self.provoked | (other_move == R)  # a new array: observations keep theirs
        self.last = self.move


class Washington(mesa.Agent):
    """Washington: sets the pressure on its allies each week, from its policy.

    Policies: ``absent`` (no pressure), ``constant`` (``pressure`` every week) and ``reactive``
    (``baseline``, rising to ``pressure`` once an ally has had a security measure in force for
    more than ``delay`` weeks).
    """

    def __init__(self, model: mesa.Model, policy: UsConfig) -> None:
        super().__init__(model)
        n = model.replications
        self.policy = policy
        self.pressure = np.zeros(n)
        self.security_weeks = np.zeros(n, dtype=np.int16)

    def press(self) -> None:
        """Set this week's pressure from what Washington saw up to last week."""
        forced = self.model.forced_pressure()
        if forced is not None:
            self.pressure = forced
            return
        match self.policy.policy:
            case "absent":
                self.pressure = np.zeros_like(self.pressure)
            case "constant":
                self.pressure = np.full_like(self.pressure, self.policy.pressure)
            case "reactive":
                alarmed = self.security_weeks > self.policy.delay
                self.pressure = np.where(alarmed, self.policy.pressure, self.policy.baseline)
            case other:
                raise ValueError(f"unknown US policy {other!r}")

    def watch(self, allies: list[Capital]) -> None:
        """Count the weeks a security measure has been in force, after this week's moves."""
        alarm = np.zeros_like(self.security_weeks, dtype=bool)
        for ally in allies:
            alarm |= ally.ladder.security[ally.rung] > 0
        self.security_weeks = np.where(alarm, self.security_weeks + 1, 0).astype(np.int16)

    @staticmethod
    def move_name(pressure: np.ndarray) -> np.ndarray:
        """Name a pressure level: abstain (0), engage (below 0.5), press (0.5 and above)."""
        return np.select([pressure <= 0, pressure < 0.5], [0, 1], 2)
