"""The Mesa agents: one per capital, each holding its state as arrays over R replications.

The two sides are `Capital` agents: each week they look at what each move would pay
(`prepare`), choose a move from their decision rule and turn it into an act (`choose`), put
their measures in force or lift them (`act`), and then settle (payoff, memory, learning). The
patron is a `Washington` agent that sets its pressure each week from what it saw up to the
week before; the sides feel that pressure a week later, in the simulation and in the scoring
of the real sequence alike (no choice sees its own week).
"""

import dataclasses
from dataclasses import dataclass
from typing import cast

import mesa
import numpy as np

from sim.core import conduct
from sim.core.measures import Repertoire
from sim.core.moves import STANCE_OF_ACT, Act, Move
from sim.core.params import UsPolicy, UsPolicyKind
from sim.core.rules import Observation, Rule, arouse

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE


@dataclass(frozen=True)
class Choice:
    """A concrete act a person chooses: the act, and the measures it enacts or lifts (masks)."""

    act: Act
    enacted: int = 0
    lifted: int = 0

    @property
    def move(self) -> Move:
        """The move the act expresses."""
        return Move(int(STANCE_OF_ACT[self.act]))


def sample(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one move per row of a (R, 3) probability array."""
    u = rng.random(probabilities.shape[0])
    first = probabilities[:, 0]
    return ((u >= first).astype(np.int8) + (u >= first + probabilities[:, 1])).astype(np.int8)


@dataclass
class Outlook:
    """What each own move would leave in force, in expectation, shape (R, 3) each.

    ``intensity``, ``economic`` and ``security``: the total, economic and security intensity in
    force after each move; ``weight``: the patron's domain weight of a retaliation, shape (R,);
    ``rescue``: how near a running notice is to its lapse (weeks in force over the lapse, at most
    1) times the chance that a cooperation lifts it, shape (R,); 0 for a side with no notice.
    """

    intensity: np.ndarray
    economic: np.ndarray
    security: np.ndarray
    weight: np.ndarray
    rescue: np.ndarray | float = 0.0


class Capital(mesa.Agent):
    """A side of the dispute: its measures, a decision rule and per-replication state (R,).

    ``name`` is the actor (``seoul``, ``beijing``...); ``slot`` the model's first or second side
    (``seoul`` or ``tokyo``), which names its parameters.
    """

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        slot: str,
        repertoire: Repertoire,
        strategy: Rule,
        initial: int,
    ) -> None:
        super().__init__(model)
        n = model.replications
        self.name = name
        self.slot = slot
        self.repertoire = repertoire
        self.rule = dataclasses.replace(strategy)  # a fresh copy: its state is this agent's
        self.rule.start(n)
        self.decay = conduct.decay(model.params.conduct.order, repertoire.size)
        notice = model.case.notice
        own_notice = notice is not None and notice.actor == name
        self.notice_index = repertoire.index(notice.measure) if own_notice else None
        self.lapse_weeks = notice.lapse_weeks if own_notice else 0
        self.pressed = model.case.feels_pressure(name)  # else the patron presses the other
        self.unpressed = np.zeros(n)
        self.notice_age = np.zeros(n, dtype=np.int16)  # weeks the notice has been in force
        self.mask = np.full(n, initial, dtype=np.int16)
        self.move = np.full(n, H, dtype=np.int8)
        self.act_code = np.full(n, Act.NOTHING, dtype=np.int8)
        self.enacted = np.zeros(n, dtype=np.int16)
        self.lifted = np.zeros(n, dtype=np.int16)
        self.last = np.full(n, H, dtype=np.int8)
        self.other_last = np.full(n, H, dtype=np.int8)
        self.recent = np.full(n, H, dtype=np.int8)
        self.pending = np.full(n, H, dtype=np.int8)
        self.pending_age = np.zeros(n, dtype=np.int16)
        self.provoked = np.zeros(n, dtype=bool)
        self.arousal = np.zeros(n)
        self.payoff = np.zeros(n)
        self.total_payoff = np.zeros(n)
        self.move_log_probability = np.zeros(n)
        self.act_log_probability = np.zeros(n)
        # Set before first use: `other` by the model once both sides exist, `options` and
        # `outlook` by `prepare`, `utility` by `observe`, `observation` by `choose`, each week.
        self.other: Capital = cast("Capital", None)
        self.options: conduct.Options = cast(conduct.Options, None)
        self.locked: np.ndarray | None = None  # measures that cannot be lifted, by `prepare`
        self.outlook: Outlook = cast(Outlook, None)
        self.utility: np.ndarray = cast(np.ndarray, None)
        self.observation: Observation = cast(Observation, None)
        self.probabilities: np.ndarray | None = None

    def prepare(self) -> None:
        """Work out what each move can do from the measures in force, and what it would leave."""
        rule, order = self.rule, self.model.params.conduct.order
        self.locked = self.spent()
        self.options = conduct.Options.of(
            self.repertoire, self.mask, order, self.decay, self.locked
        )
        weights = self.model.payoffs.domain_weight
        per_measure = weights[..., self.repertoire.domain]
        signal_weight = weights[..., self.model.payoffs.signal_domain]
        after = conduct.expected_after(
            self.repertoire,
            self.mask,
            self.options,
            rule.signal,
            rule.lift,
            self.model.params.conduct.burst,
            locked=self.locked,
        )
        enact_weight = conduct.weigh(self.options.enact, per_measure)
        signal = conduct.vector(rule.signal, self.mask.shape[0])
        weight = np.where(
            self.options.can_enact,
            signal * signal_weight + (1 - signal) * enact_weight,
            signal_weight,
        )
        self.outlook = Outlook(
            after[..., 0], after[..., 1], after[..., 2], weight=weight, rescue=self.rescue()
        )

    def spent(self) -> np.ndarray | None:
        """The notice's bit in the replications where it has lapsed (it cannot be lifted).

        None while no replication's notice has lapsed, the usual week, which spares the
        conduct its masking on the per-week path.
        """
        if self.notice_index is None or not (self.notice_age > self.lapse_weeks).any():
            return None
        return conduct.spent_notice(self.notice_age, self.lapse_weeks, 1 << self.notice_index)

    def rescue(self) -> np.ndarray | float:
        """Urgency of a running notice times the chance that a cooperation lifts it, (R,).

        The urgency is the weeks the notice has been in force before this week over its lapse
        (at most 1): a side that has given notice weighs saving the agreement more as the lapse
        nears (`Payoffs.utility`, the deadline term). 0 for a side without a notice measure,
        and once the notice has lapsed (it can no longer be lifted: `spent`).
        """
        if self.notice_index is None:
            return 0.0
        urgency = np.minimum(self.notice_age / self.lapse_weeks, 1.0)
        # the lifting weights are all 0 where nothing can be lifted
        return (
            urgency
            * np.asarray(self.rule.lift, dtype=float)
            * self.options.lift[:, self.notice_index]
        )

    def observe(self) -> Observation:
        """What this capital knows now: its memory of moves and this week's payoffs."""
        felt = self.model.washington.felt if self.pressed else self.unpressed
        self.utility = self.model.payoffs.utility(self.slot, self.outlook, self.other.outlook, felt)
        return Observation(
            week=self.model.week,
            own_recent=self.recent,
            pending=self.pending,
            provoked=self.provoked,
            own_last=self.last,
            other_last=self.other_last,
            arousal=self.arousal,
            tension=self.model.tension,
            utility=self.utility,
            stage=self.model.payoffs.stage[self.slot],
        )

    def choose(self) -> None:
        """Pick this week's move and act in every replication (a forced act takes precedence)."""
        self.observation = self.observe()
        self.probabilities = self.rule.probabilities(self.observation)
        forced = self.model.forced_choice(self.name)
        if forced is None:
            self.move = sample(self.probabilities, self.model.rng)
            self._draw_act()
            return
        if isinstance(forced, Move):
            self.move = np.full(self.mask.shape, forced, dtype=np.int8)
            self._draw_act()
            return
        self.move = np.full(self.mask.shape, forced.move, dtype=np.int8)
        self.act_code = np.full(self.mask.shape, forced.act, dtype=np.int8)
        self.enacted = np.full(self.mask.shape, forced.enacted, dtype=np.int16)
        self.lifted = np.full(self.mask.shape, forced.lifted, dtype=np.int16)
        rule, params = self.rule, self.model.params.conduct
        with np.errstate(divide="ignore"):
            self.move_log_probability = np.log(self.probabilities[:, forced.move])
        self.act_log_probability = conduct.log_probability(
            self.repertoire,
            self.mask,
            self.options,
            forced.act,
            forced.enacted,
            forced.lifted,
            rule.signal,
            rule.lift,
            params.order,
            params.burst,
            self.locked,
        )

    def _draw_act(self) -> None:
        rule, params = self.rule, self.model.params.conduct
        self.act_code, self.enacted, self.lifted = conduct.draw(
            self.repertoire,
            self.mask,
            self.options,
            self.move,
            rule.signal,
            rule.lift,
            params.order,
            params.burst,
            self.model.rng,
            self.decay,
            self.locked,
        )

    def act(self) -> None:
        """Bring the enacted measures into force and lift the lifted ones; age the notice."""
        self.mask = ((self.mask | self.enacted) & ~self.lifted).astype(np.int16)
        if self.notice_index is not None:
            running = (self.mask >> self.notice_index) & 1 == 1
            self.notice_age = np.where(running, self.notice_age + 1, 0).astype(np.int16)

    def apply(self, choice: Choice) -> None:
        """An event outside the weekly choice (an instructor's injection) changes the measures."""
        self.mask = ((self.mask | choice.enacted) & ~choice.lifted).astype(np.int16)

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
        self.arousal = arouse(self.arousal, self.rule.decay, acted, other_acted)
        self.last = self.move
        self.other_last = other_move


def feel(felt: np.ndarray, pressure: np.ndarray, persistence: object) -> np.ndarray:
    """The pressure the sides feel this week, from last week's pressure and the older memory."""
    return np.maximum(pressure, np.asarray(persistence, dtype=float) * felt)


class Washington(mesa.Agent):
    """The patron: sets its pressure on the sides each week, from its policy (`UsPolicy`).

    ``pressure`` is this week's move. The sides' payoffs feel ``felt``: last week's pressure,
    or the memory of earlier pressure fading by ``payoffs.persistence`` a week, whichever is
    higher (`feel`), so a week without a US statement is not a week without US pressure.
    """

    def __init__(self, model: mesa.Model, policy: UsPolicy) -> None:
        super().__init__(model)
        n = model.replications
        self.policy = policy
        self.kind = UsPolicyKind(policy.policy)
        self.pressure = np.zeros(n)
        self.felt = np.zeros(n)
        self.alarm_weeks = np.zeros(n, dtype=np.int16)
        alarm = model.case.alarm
        self.alarming = {  # each watched side: whether each of its states alarms the patron
            name: model.case.measures[name].in_domains_by_state(alarm.domains)
            for name in model.case.sides
            if not alarm.sides or name in alarm.sides
        }

    def press(self) -> None:
        """Set this week's pressure from what Washington saw up to last week."""
        self.felt = feel(self.felt, self.pressure, self.model.params.payoffs.persistence)
        forced = self.model.forced_pressure()
        if forced is not None:
            self.pressure = forced
            return
        shape = self.pressure.shape
        match self.kind:
            case UsPolicyKind.ABSENT:
                self.pressure = np.zeros(shape)
            case UsPolicyKind.CONSTANT:
                self.pressure = np.broadcast_to(np.asarray(self.policy.pressure, float), shape)
            case UsPolicyKind.REACTIVE:
                alarmed = self.alarm_weeks > self.policy.delay
                pressure = np.where(alarmed, self.policy.pressure, self.policy.baseline)
                self.pressure = np.broadcast_to(pressure, shape).astype(float)
            case other:
                raise ValueError(f"unknown US policy {other!r}")

    def watch(self, sides: list[Capital]) -> None:
        """Count the weeks an alarming measure has been in force, after this week's acts.

        By default a security measure of either side alarms the patron (`PatronAlarm`).
        """
        alarm = np.zeros_like(self.alarm_weeks, dtype=bool)
        for side in sides:
            if side.name in self.alarming:
                alarm |= self.alarming[side.name][side.mask]
        self.alarm_weeks = np.where(alarm, self.alarm_weeks + 1, 0).astype(np.int16)
