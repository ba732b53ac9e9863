"""The escalation model: two sides and their patron, week by week, over R replications."""

import logging
from dataclasses import dataclass, field

import mesa
import numpy as np

from sim.core.agents import Capital, Choice, Washington
from sim.core.fitted import fitted_params
from sim.core.metrics import OUTCOMES, NoticeTracker, Tracker
from sim.core.moves import ALLIES, Act, Move
from sim.core.params import ModelParams, check
from sim.core.payoffs import Payoffs
from sim.core.recorder import Recorder
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import DEFAULT_SCENARIO, load_scenario

# Mesa logs every step of every model at INFO ("Step 1 at time 1.0"): not for users, and it
# reached any console a library (Hydra's launcher, for one) had set to INFO.
logging.getLogger("MESA").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Forcing:
    """A fixed history to replay instead of sampling: the real sequence, or a scripted side.

    ``acts`` maps a side to one `Act` code per week, ``enacted`` and ``lifted`` to the masks of
    the measures each week's act brought into force or lifted; ``pressure`` has the patron's
    pressure per week. Whatever is left out (a side, ``pressure=None``, or the weeks after the
    arrays end) is simulated as usual: a forcing shorter than the run replays the history up to
    a week and lets the model run free from there. Forced values apply to every replication.
    """

    acts: dict[str, np.ndarray] = field(default_factory=dict)
    enacted: dict[str, np.ndarray] = field(default_factory=dict)
    lifted: dict[str, np.ndarray] = field(default_factory=dict)
    pressure: np.ndarray | None = None

    def choice(self, actor: str, week: int) -> Choice | None:
        """The forced act of ``actor`` in ``week``, or None when it is not forced."""
        if actor not in self.acts or week >= len(self.acts[actor]):
            return None
        return Choice(
            Act(int(self.acts[actor][week])),
            int(self.enacted[actor][week]),
            int(self.lifted[actor][week]),
        )


def default_params() -> ModelParams:
    """The parameters of a bare model: the fitted model, as ``escalation run`` uses it."""
    return fitted_params()


def mean_tension(model: "EscalationModel") -> float:
    """DataCollector reporter: tension averaged over replications."""
    return float(model.tension.mean())


def mean_pressure(model: "EscalationModel") -> float:
    """DataCollector reporter: the patron's pressure averaged over replications."""
    return float(model.washington.pressure.mean())


class EscalationModel(mesa.Model):
    """Weekly escalation between two sides under their patron's pressure.

    Each agent's state is an array over ``replications``, so one `step` advances every
    replication by one week in lockstep; ``replications=1`` is a single classic run. A bare
    ``EscalationModel()`` is the default scenario with the default `ModelParams`: the same model
    as ``escalation run`` without overrides. The real case the model is set in is ``self.case``
    (Mesa's `Model` reserves ``scenario`` for its own use). Tension is the intensity of all
    measures in force on both sides, as a share of the intensity of all their measures, in
    [0, 1].

    Args:
        scenario: the case (a `Scenario`, or the name of a scenario folder).
        params: payoffs, decision rules, conduct and the patron's policy; real-valued fields may
            be arrays of shape (R,) (`sim.core.params.with_values`).
        replications: R, the number of runs advanced in lockstep.
        weeks: how many weeks to run (default: the scenario's span).
        keep_trajectories: record every replication's week-by-week state.
        track: keep the outcome, metrics and records; scoring, which only reads each week's
            probabilities, turns it off.
        forcing: a history to replay instead of sampling (`Forcing`).
        rng: seed or generator of every random draw.
    """

    def __init__(
        self,
        scenario: Scenario | str = DEFAULT_SCENARIO,
        params: ModelParams | None = None,
        replications: int = 1,
        weeks: int | None = None,
        keep_trajectories: bool = True,
        track: bool = True,
        forcing: Forcing | None = None,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(rng=rng)
        self.case = load_scenario(scenario) if isinstance(scenario, str) else scenario
        self.params = check(params or default_params())
        self.replications = replications
        self.weeks = self.case.weeks if weeks is None else weeks
        self.dates = [self.case.week_start(w) for w in range(self.weeks)]
        self.payoffs = Payoffs(self.params.payoffs)
        self.forcing = forcing or Forcing()
        self._imposed: tuple[dict[str, Choice | Move], float | None] = ({}, None)
        self.week = 0
        self.washington = Washington(self, self.params.us)
        self.capitals = {
            name: Capital(
                self,
                name,
                slot,
                self.case.measures[name],
                self.params.strategy(slot),
                self.case.initial.get(name, 0),
            )
            for name, slot in zip(self.case.sides, ALLIES, strict=True)
        }
        first, second = self.capitals.values()
        first.other, second.other = second, first
        self.allies = self.agents_by_type[Capital]
        self.tension = self.measure_tension()
        self.track = track
        self.notice = NoticeTracker(replications, self.case.notice)
        self.tracker = Tracker(self)
        self.recorder = Recorder(self.weeks, replications, keep_trajectories and track)
        self.datacollector = mesa.DataCollector(
            model_reporters={"tension": mean_tension, "pressure": mean_pressure}
        )

    def step(self) -> None:
        """One week: the patron presses, both sides choose at once, their acts take effect."""
        self.advance()
        if self.track:
            self.notice.update(self.week, self.on_notice())
            self.tracker.update(self)
            self.recorder.record(self)
            self.datacollector.collect(self)
        self._imposed = ({}, None)
        self.week += 1
        self.running = self.week < self.weeks

    def advance(self) -> None:
        """The week's play, without the bookkeeping: pressure, choices, acts, the patron's watch."""
        self.washington.press()
        self.allies.do("prepare")
        self.allies.do("choose")
        self.allies.do("act")
        self.allies.do("settle")
        self.washington.watch(list(self.capitals.values()))
        self.tension = self.measure_tension()

    def run(self) -> "EscalationModel":
        """Run every remaining week."""
        while self.week < self.weeks:
            self.step()
        return self

    def follow_notices(self) -> "EscalationModel":
        """Play on past the span until every notice running at its end is lifted or lapses.

        A run that ends with the notice still running has no outcome yet (``pending``: it is
        censored). Following it for at most the notice's lapse settles it as kept or
        terminated in `NoticeTracker.settled`, with the same model and rules; the span's own
        metrics, records and outcomes stay as they were, and a notice first given after the
        span is not counted. Call after `run`; the span's random draws are not affected (the
        extra weeks draw after them).
        """
        if not self.track or self.week < self.weeks:
            raise RuntimeError("follow_notices needs a tracked run played to the end of its span")
        notice = self.notice
        self.tracker.freeze(self)
        notice.end_span()
        pending = notice.settled_codes() == OUTCOMES.index("pending")
        for _ in range(notice.lapse_weeks):  # a running notice lapses within this many weeks
            if not pending.any():
                break
            self.advance()
            pending = notice.follow(self.on_notice())
            self.week += 1
        return self

    def measure_tension(self) -> np.ndarray:
        """Share of both sides' total intensity now in force, shape (R,)."""
        in_force = [c.repertoire.total_by_state[c.mask] for c in self.capitals.values()]
        return (in_force[0] + in_force[1]) / self.case.full

    def on_notice(self) -> np.ndarray:
        """Whether the notice measure is in force, per replication (all False without one)."""
        notice = self.case.notice
        if notice is None:
            return np.zeros(self.replications, dtype=bool)
        return (self.capitals[notice.actor].mask & self.case.notice_bit) != 0

    def impose(
        self, choices: dict[str, Choice | Move] | None = None, pressure: float | None = None
    ) -> None:
        """Fix the next week's moves or acts of some roles (those people play).

        `step` uses them once. A `Move` leaves the concrete act to the side's conduct; a
        `Choice` fixes it.
        """
        self._imposed = (dict(choices or {}), pressure)

    def apply_event(self, actor: str, choice: Choice) -> None:
        """An event outside the weekly choice (an instructor's injection) changes measures now."""
        self.capitals[actor].apply(choice)
        self.tension = self.measure_tension()
        if self.track:  # a notice the event lifts is withdrawn at once (its clock stops)
            self.notice.withdraw_lifted(self.week, self.on_notice())

    def forced_choice(self, actor: str) -> Choice | Move | None:
        """This week's forced or imposed act (or move) of ``actor``, or None when it is free."""
        forced = self.forcing.choice(actor, self.week)
        return forced if forced is not None else self._imposed[0].get(actor)

    def forced_pressure(self) -> np.ndarray | None:
        """This week's forced or imposed pressure, or None when the patron follows its policy."""
        forced = self.forcing.pressure
        if forced is not None and self.week < len(forced):
            return np.full(self.replications, forced[self.week])
        if self._imposed[1] is not None:
            return np.full(self.replications, self._imposed[1])
        return None
