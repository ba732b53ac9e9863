"""The escalation model: Seoul, Tokyo and Washington, week by week, over R replications."""

from dataclasses import dataclass, field

import mesa
import numpy as np
from tqdm.auto import tqdm

from sim.core.agents import Capital, Washington
from sim.core.metrics import NoticeTracker, Tracker
from sim.core.payoffs import Payoffs
from sim.core.recorder import Recorder
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import STRATEGY_CONFIGS, PayoffsConfig, StrategyConfig, UsConfig


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
    replication by one week in lockstep; ``replications=1`` is a single classic run.
    The scenario (the real case the model is set in) is ``self.case``: Mesa's `Model` reserves
    ``scenario`` for its own use. Tension is the intensity of all measures in force on both
    ladders, as a share of the intensity of both full ladders, in [0, 1].
    """

    def __init__(
        self,
        scenario: Scenario | str = "gsomia_2019",
        payoffs: PayoffsConfig | None = None,
        seoul: StrategyConfig | None = None,
        tokyo: StrategyConfig | None = None,
        us: UsConfig | None = None,
        replications: int = 1,
        weeks: int | None = None,
        keep_trajectories: bool = True,
        forcing: Forcing | None = None,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(rng=rng)
        self.case = load_scenario(scenario) if isinstance(scenario, str) else scenario
        self.replications = replications
        self.weeks = weeks or self.case.weeks
        self.dates = [self.case.week_start(w) for w in range(self.weeks)]
        self.ladders = self.case.ladders
        self.payoffs = Payoffs.from_config(payoffs or PayoffsConfig())
        self.forcing = forcing
        self.week = 0
        default_rule = STRATEGY_CONFIGS["quantal_response"]
        self.washington = Washington(self, us or UsConfig())
        seoul_agent, tokyo_agent = (
            Capital(
                self,
                name,
                self.ladders[name],
                strategy or default_rule(),
                self.case.initial_rungs.get(name, 0),
            )
            for name, strategy in (("seoul", seoul), ("tokyo", tokyo))
        )
        seoul_agent.other, tokyo_agent.other = tokyo_agent, seoul_agent
        self.seoul, self.tokyo = seoul_agent, tokyo_agent
        self.allies = self.agents_by_type[Capital]
        self.tension = self.measure_tension()
        notice = self.case.notice
        self.notice = NoticeTracker(replications, notice.lapse_weeks)
        self.tracker = Tracker(self)
        self.recorder = Recorder(self.weeks, replications, keep_trajectories)
        self.datacollector = mesa.DataCollector(
            model_reporters={"tension": mean_tension, "pressure": mean_pressure}
        )

    def step(self) -> None:
        """One week: Washington sets its pressure, both allies choose at once, moves take effect."""
        self.washington.press()
        self.allies.do("choose")
        self.allies.do("climb")
        self.allies.do("settle")
        self.washington.watch([self.seoul, self.tokyo])
        self.tension = self.measure_tension()
        notice_actor = getattr(self, self.case.notice.actor)
        self.notice.update(self.week, notice_actor.rung >= self.case.notice_index)
        self.tracker.update(self)
        self.recorder.record(self)
        self.datacollector.collect(self)
        self.week += 1
        self.running = self.week < self.weeks

    def run(self, progress: bool = False) -> "EscalationModel":
        """Run every remaining week, with a progress bar when asked."""
        for _ in tqdm(range(self.week, self.weeks), desc="weeks", unit="wk", disable=not progress):
            self.step()
        return self

    def measure_tension(self) -> np.ndarray:
        """Share of the two ladders' total intensity now in force, shape (R,)."""
        s, t = self.ladders["seoul"], self.ladders["tokyo"]
        total = s.weight[-1] + t.weight[-1]
        return (s.weight[self.seoul.rung] + t.weight[self.tokyo.rung]) / total

    def forced_move(self, actor: str) -> np.ndarray | None:
        """This week's forced move for ``actor``, or None when it chooses freely."""
        if self.forcing is None or actor not in self.forcing.moves:
            return None
        return np.full(self.replications, self.forcing.moves[actor][self.week], dtype=np.int8)

    def forced_rung(self, actor: str) -> np.ndarray | None:
        """This week's forced rung for ``actor``, or None when its ladder moves freely."""
        if self.forcing is None or actor not in self.forcing.rungs:
            return None
        return np.full(self.replications, self.forcing.rungs[actor][self.week], dtype=np.int16)

    def forced_pressure(self) -> np.ndarray | None:
        """This week's forced US pressure, or None when Washington follows its policy."""
        if self.forcing is None or self.forcing.pressure is None:
            return None
        return np.full(self.replications, self.forcing.pressure[self.week])
