"""The escalation model: Seoul, Tokyo and Washington, week by week, over R replications."""

from dataclasses import dataclass, field

import mesa
import numpy as np

from sim.core.agents import Capital, Washington
from sim.core.metrics import NoticeTracker, Tracker
from sim.core.moves import ALLIES, Move
from sim.core.params import ModelParams, check
from sim.core.payoffs import Payoffs
from sim.core.recorder import Recorder
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import DEFAULT_SCENARIO, load_scenario


@dataclass(frozen=True)
class Forcing:
    """A fixed history to replay instead of sampling: teacher forcing, or a scripted opponent.

    ``moves`` and ``rungs`` map an ally to one entry per week; ``pressure`` has one entry per
    week. Whatever is left out (an ally, or ``pressure=None``) is simulated as usual. Forced
    values apply to every replication.
    """

    moves: dict[str, np.ndarray] = field(default_factory=dict)
    rungs: dict[str, np.ndarray] = field(default_factory=dict)
    pressure: np.ndarray | None = None


def mean_tension(model: "EscalationModel") -> float:
    """DataCollector reporter: tension averaged over replications."""
    return float(model.tension.mean())


def mean_pressure(model: "EscalationModel") -> float:
    """DataCollector reporter: Washington's pressure averaged over replications."""
    return float(model.washington.pressure.mean())


class EscalationModel(mesa.Model):
    """Weekly escalation between Seoul and Tokyo under Washington's pressure.

    Each agent's state is an array over ``replications``, so one `step` advances every
    replication by one week in lockstep; ``replications=1`` is a single classic run. A bare
    ``EscalationModel()`` is the default scenario with the default `ModelParams`: the same model
    as ``escalation run`` without overrides. The real case the model is set in is ``self.case``
    (Mesa's `Model` reserves ``scenario`` for its own use). Tension is the intensity of all
    measures in force on both ladders, as a share of the intensity of both full ladders, in
    [0, 1].

    Args:
        scenario: the case (a `Scenario`, or the name of a scenario folder).
        params: payoffs, decision rules and Washington's policy.
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
        self.params = check(params or ModelParams())
        self.replications = replications
        self.weeks = self.case.weeks if weeks is None else weeks
        self.dates = [self.case.week_start(w) for w in range(self.weeks)]
        self.ladders = self.case.ladders
        self.payoffs = Payoffs(self.params.payoffs, self.ladders)
        self.forcing = forcing or Forcing()
        self._imposed: tuple[dict[str, Move], float | None] = ({}, None)
        self.week = 0
        self.washington = Washington(self, self.params.us)
        self.capitals = {
            name: Capital(
                self,
                name,
                self.ladders[name],
                self.params.strategy(name),
                self.case.initial_rungs.get(name, 0),
            )
            for name in ALLIES
        }
        seoul, tokyo = (self.capitals[a] for a in ALLIES)
        seoul.other, tokyo.other = tokyo, seoul
        self.allies = self.agents_by_type[Capital]
        self.tension = self.measure_tension()
        self.track = track
        self.notice = NoticeTracker(replications, self.case.notice.lapse_weeks)
        self.tracker = Tracker(self)
        self.recorder = Recorder(self.weeks, replications, keep_trajectories and track)
        self.datacollector = mesa.DataCollector(
            model_reporters={"tension": mean_tension, "pressure": mean_pressure}
        )

    def step(self) -> None:
        """One week: Washington sets its pressure, both allies choose at once, moves take effect."""
        self.washington.press()
        self.allies.do("choose")
        self.allies.do("climb")
        self.allies.do("settle")
        self.washington.watch(list(self.capitals.values()))
        self.tension = self.measure_tension()
        if self.track:
            notice_actor = self.capitals[self.case.notice.actor]
            self.notice.update(self.week, notice_actor.rung >= self.case.notice_index)
            self.tracker.update(self)
            self.recorder.record(self)
            self.datacollector.collect(self)
        self._imposed = ({}, None)
        self.week += 1
        self.running = self.week < self.weeks

    def run(self) -> "EscalationModel":
        """Run every remaining week."""
        while self.week < self.weeks:
            self.step()
        return self

    def measure_tension(self) -> np.ndarray:
        """Share of the two ladders' total intensity now in force, shape (R,)."""
        total = sum(ladder.weight[-1] for ladder in self.ladders.values())
        in_force = [self.ladders[a].weight[self.capitals[a].rung] for a in ALLIES]
        return (in_force[0] + in_force[1]) / total

    def impose(self, moves: dict[str, Move] | None = None, pressure: float | None = None) -> None:
        """Fix the next week's moves of some roles (the ones people play); `step` uses them once."""
        self._imposed = (dict(moves or {}), pressure)

    def apply_event(self, actor: str, move: Move) -> None:
        """An event outside the weekly choice (an instructor's injection) moves a ladder now."""
        self.capitals[actor].shift(move)
        self.tension = self.measure_tension()

    def imposed_move(self, actor: str) -> np.ndarray | None:
        """This week's forced or imposed move for ``actor``, or None when it chooses freely."""
        if actor in self.forcing.moves:
            move = self.forcing.moves[actor][self.week]
        elif actor in self._imposed[0]:
            move = self._imposed[0][actor]
        else:
            return None
        return np.full(self.replications, move, dtype=np.int8)

    def imposed_rung(self, actor: str) -> np.ndarray | None:
        """This week's forced rung for ``actor``, or None when its ladder moves freely."""
        if actor not in self.forcing.rungs:
            return None
        return np.full(self.replications, self.forcing.rungs[actor][self.week], dtype=np.int16)

    def imposed_pressure(self) -> np.ndarray | None:
        """This week's forced or imposed US pressure, or None when Washington follows its policy."""
        if self.forcing.pressure is not None:
            return np.full(self.replications, self.forcing.pressure[self.week])
        if self._imposed[1] is not None:
            return np.full(self.replications, self._imposed[1])
        return None
