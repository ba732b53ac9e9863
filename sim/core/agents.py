"""The Mesa agents: one per capital, each holding its state as arrays over R replications.

Seoul and Tokyo are `Capital` agents: each week they choose a move from their decision rule,
climb or step down their ladder, and then settle (payoff, memory, learning). Washington is a
`Washington` agent that sets its pressure on both allies before they choose.
"""

import dataclasses
from typing import cast

import mesa
import numpy as np

from sim.core.ladder import Ladder
from sim.core.moves import Move
from sim.core.params import UsPolicy, UsPolicyKind
from sim.core.rules import Observation, Rule

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE


def sample(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one move per row of a (R, 3) probability array."""
    u = rng.random(probabilities.shape[0])
    first = probabilities[:, 0]
    return ((u >= first).astype(np.int8) + (u >= first + probabilities[:, 1])).astype(np.int8)


class Capital(mesa.Agent):
    """Seoul or Tokyo: a ladder, a decision rule, and per-replication state of shape (R,)."""

    def __init__(
        self, model: mesa.Model, name: str, ladder: Ladder, strategy: Rule, rung: int
    ) -> None:
        super().__init__(model)
        n = model.replications
        self.name = name
        self.ladder = ladder
        self.rule = dataclasses.replace(strategy)  # a fresh copy: its state is this agent's
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
        self.other: Capital = cast("Capital", None)  # set by the model once both allies exist
        self.utility: np.ndarray = cast(np.ndarray, None)  # set by `observe` each week
        self.observation: Observation = cast(Observation, None)  # set by `choose` each week
        self.probabilities: np.ndarray | None = None

    def observe(self) -> Observation:
        """What this capital knows now: its memory of moves and this week's payoffs."""
        self.utility = self.model.payoffs.utility(
            self.name, self.rung, self.other.rung, self.model.washington.pressure
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

    def choose(self) -> None:
        """Pick this week's move in every replication (an imposed move takes precedence)."""
        self.observation = self.observe()
        self.probabilities = self.rule.probabilities(self.observation)
        imposed = self.model.imposed_move(self.name)
        self.move = imposed if imposed is not None else sample(self.probabilities, self.model.rng)

    def climb(self) -> None:
        """Apply the move to the ladder: up a rung, down a rung, or stay."""
        imposed = self.model.imposed_rung(self.name)
        self.rung = imposed if imposed is not None else self.ladder.next_rung[self.rung, self.move]

    def shift(self, move: Move) -> None:
        """Move the ladder outside the weekly choice (an injected event): up or down a rung."""
        self.rung = self.ladder.next_rung[self.rung, move]

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
        stale = acted | (age >= self.rule.memory)
        self.pending = np.where(other_acted, other_move, np.where(stale, H, self.pending)).astype(
            np.int8
        )
        self.pending_age = np.where(other_acted, 0, age).astype(np.int16)
        self.recent = np.where(acted, self.move, self.recent).astype(np.int8)
        self.provoked = self.provoked | (other_move == R)  # a new array: observations keep theirs
        self.last = self.move


class Washington(mesa.Agent):
    """Washington: sets the pressure on its allies each week, from its policy (`UsPolicy`)."""

    def __init__(self, model: mesa.Model, policy: UsPolicy) -> None:
        super().__init__(model)
        n = model.replications
        self.policy = policy
        self.kind = UsPolicyKind(policy.policy)
        self.pressure = np.zeros(n)
        self.security_weeks = np.zeros(n, dtype=np.int16)

    def press(self) -> None:
        """Set this week's pressure from what Washington saw up to last week."""
        imposed = self.model.imposed_pressure()
        if imposed is not None:
            self.pressure = imposed
            return
        shape = self.pressure.shape
        match self.kind:
            case UsPolicyKind.ABSENT:
                self.pressure = np.zeros(shape)
            case UsPolicyKind.CONSTANT:
                self.pressure = np.broadcast_to(
                    np.asarray(self.policy.pressure, dtype=float), shape
                ).copy()
            case UsPolicyKind.REACTIVE:
                alarmed = self.security_weeks > self.policy.delay
                self.pressure = np.where(alarmed, self.policy.pressure, self.policy.baseline)
                self.pressure = np.broadcast_to(self.pressure, shape).astype(float)
            case other:
                raise ValueError(f"unknown US policy {other!r}")

    def watch(self, allies: list[Capital]) -> None:
        """Count the weeks a security measure has been in force, after this week's moves."""
        alarm = np.zeros_like(self.security_weeks, dtype=bool)
        for ally in allies:
            alarm |= ally.ladder.security[ally.rung] > 0
        self.security_weeks = np.where(alarm, self.security_weeks + 1, 0).astype(np.int16)
