"""The real case as a game that stopped early: where 2019 stood after a number of weeks."""

from sim.core.metrics import OUTCOMES, replay_notice
from sim.core.scenario import Scenario
from sim.history import RealPath


def real_outcome_after(real: RealPath, scenario: Scenario, weeks: int) -> str:
    """The real case's outcome class had it stopped after ``weeks`` weeks."""
    notice = scenario.notice
    column = scenario.ladders[notice.actor].index(notice.rung) - 1
    tracker = replay_notice(real.in_force[notice.actor][:weeks, column], notice.lapse_weeks)
    return OUTCOMES[int(tracker.outcome_codes()[0])]
