import numpy as np
import pytest

from sim.core.moves import DOMAINS, ECONOMIC_DOMAINS, Move
from sim.core.payoffs import Payoffs, stage_game
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import default_config

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
SCENARIO = load_scenario("gsomia_2019")


def test_stage_game_keeps_the_2x2_corners_and_puts_hold_midway():
    # prisoner's dilemma [[R, S], [T, P]] = [[3, 0], [5, 1]]
    game = stage_game([[3, 0], [5, 1]])
    assert game[C, C] == 3 and game[C, R] == 0 and game[R, C] == 5 and game[R, R] == 1
    assert game[H, C] == pytest.approx((3 + 5) / 2)  # hold vs cooperate: between R and T
    assert game[C, H] == pytest.approx((3 + 0) / 2)
    assert game[H, R] == pytest.approx((0 + 1) / 2)
    assert game[H, H] == pytest.approx((3 + 0 + 5 + 1) / 4)


def in_force(ladder, rung, domains):
    return sum(r.intensity for r in ladder.rungs[:rung] if r.domain in domains)


def plain_utility(p, actor, own, other, own_rung, other_rung, pressure, m, b):
    """The payoff equation of docs/model.md, written out term by term for one replication."""
    own_after = own.next_rung[own_rung, m]
    other_after = other.next_rung[other_rung, b]
    u = stage_game(p.stage[actor])[m, b]
    u += p.audience[actor] * (m == R)
    u -= p.economic[actor] * (
        in_force(own, own_after, ECONOMIC_DOMAINS) + in_force(other, other_after, ECONOMIC_DOMAINS)
    )
    security = in_force(own, own_after, ("security",)) + in_force(other, other_after, ("security",))
    u -= p.security[actor] * min(1.0, security)
    climbs_to = own.rungs[min(own_rung, own.top - 1)]
    weight = getattr(p.domains, DOMAINS[DOMAINS.index(climbs_to.domain)])
    u -= pressure * p.pressure[actor] * weight * (m == R)
    u += pressure * p.pressure[actor] * p.cooperation_reward * (m == C)
    return u


@pytest.mark.parametrize("actor", ["seoul", "tokyo"])
def test_vectorised_utility_equals_the_equation_term_by_term(actor):
    params = default_config().payoffs
    payoffs = Payoffs(params, SCENARIO.ladders)
    other_actor = "tokyo" if actor == "seoul" else "seoul"
    own, other = SCENARIO.ladders[actor], SCENARIO.ladders[other_actor]
    own_rungs = np.repeat(np.arange(own.top + 1), other.top + 1)
    other_rungs = np.tile(np.arange(other.top + 1), own.top + 1)
    pressure = np.linspace(0, 1, own_rungs.size)
    u = payoffs.utility(actor, own_rungs, other_rungs, pressure)
    for i in range(own_rungs.size):
        for m in Move:
            for b in Move:
                expected = plain_utility(
                    params, actor, own, other, own_rungs[i], other_rungs[i], pressure[i], m, b
                )
                assert u[i, m, b] == pytest.approx(expected), (i, m, b)


def test_pressure_makes_retaliation_costlier_and_cooperation_dearer():
    params = default_config().payoffs
    payoffs = Payoffs(params, SCENARIO.ladders)
    seoul = SCENARIO.ladders["seoul"]
    at_notice = np.array([seoul.index("gsomia_notice")] * 2)
    u = payoffs.utility("seoul", at_notice, np.array([4, 4]), np.array([0, 1.0]))
    assert u[1, R, H] < u[0, R, H]
    assert u[1, C, H] > u[0, C, H]
    # the next rung up from the notice is security: the full security weight applies
    assert u[0, R, H] - u[1, R, H] == pytest.approx(params.pressure.seoul * 1.0)
