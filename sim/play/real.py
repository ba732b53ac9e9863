"""The real case as a game that stopped early: where 2019 stood after a number of weeks."""

from sim.core.metrics import OUTCOMES, replay_notice
from sim.core.scenario import Scenario
from sim.history import RealPath


def real_outcome_after(real: RealPath, scenario: Scenario, weeks: int) -> str:
    """The real case's outcome class had it stopped after ``weeks`` weeks."""
    notice = scenario.notice
    if notice is None:
        return OUTCOMES[0]
    on_notice = (real.masks[notice.actor][:weeks] & scenario.notice_bit) != 0
    return OUTCOMES[int(replay_notice(on_notice, notice).outcome_codes()[0])]
