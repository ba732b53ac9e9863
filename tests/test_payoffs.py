"""The payoff equation of sim/core/payoffs.py, checked term by term and per replication."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.agents import Outlook
from sim.core.moves import Move
from sim.core.params import PayoffParams, PerAlly, real_keys, with_values
from sim.core.payoffs import Payoffs, stage_game

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
N = 6  # replications in the equation tests


def test_stage_game_keeps_the_2x2_corners_and_puts_hold_midway():
    # prisoner's dilemma [[R, S], [T, P]] = [[3, 0], [5, 1]]
    game = stage_game([[3, 0], [5, 1]])
    assert game[C, C] == 3 and game[C, R] == 0 and game[R, C] == 5 and game[R, R] == 1
    assert game[H, C] == pytest.approx((3 + 5) / 2)  # hold vs cooperate: between R and T
    assert game[C, H] == pytest.approx((3 + 0) / 2)
    assert game[H, R] == pytest.approx((0 + 1) / 2)
    assert game[H, H] == pytest.approx((3 + 0 + 5 + 1) / 4)


def test_stage_game_extends_a_batch_of_games():
    games = np.array([[[3, 0], [5, 1]], [[4, 0], [3, 2]]], dtype=float)
    batch = stage_game(games)
    assert batch.shape == (2, 3, 3)
    np.testing.assert_allclose(batch[1], stage_game(games[1]))


def random_outlook(rng: np.random.Generator) -> Outlook:
    """What each move would leave in force, for N replications, drawn at random."""
    return Outlook(
        intensity=rng.uniform(0, 3, (N, 3)),
        economic=rng.uniform(0, 1.5, (N, 3)),
        security=rng.uniform(0, 0.8, (N, 3)),
        weight=rng.uniform(0, 1, N),
    )


def random_params(rng: np.random.Generator) -> PayoffParams:
    def ally() -> PerAlly:
        return PerAlly(*rng.uniform(0, 5, 2))

    stage = {a: rng.normal(0, 3, (2, 2)).tolist() for a in ("seoul", "tokyo")}
    return PayoffParams(
        stage=stage,
        audience=ally(),
        economic=ally(),
        security=ally(),
        pressure=ally(),
        cooperation_reward=float(rng.uniform(0, 2)),
    )


def equation(p: PayoffParams, slot, own: Outlook, other: Outlook, pressure, r, m, b) -> float:
    """The module docstring's equation for replication r, own move m, the other's move b.

    u = G(m, b) + a (I(m) - I(hold)) - e (E_own(m) + E_other(b))
        - s min(1, S_own(m) + S_other(b)) - p k w [m = R] + p k c [m = C]
    """
    g = stage_game(p.stage[slot])[m, b]
    audience = p.audience[slot] * (own.intensity[r, m] - own.intensity[r, H])
    economic = p.economic[slot] * (own.economic[r, m] + other.economic[r, b])
    security = p.security[slot] * min(1.0, own.security[r, m] + other.security[r, b])
    push = pressure[r] * p.pressure[slot]
    patron = -push * own.weight[r] * (m == R) + push * p.cooperation_reward * (m == C)
    return g + audience - economic - security + patron


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), slot=st.sampled_from(["seoul", "tokyo"]))
def test_vectorised_utility_equals_the_equation_term_by_term(seed, slot):
    rng = np.random.default_rng(seed)
    params = random_params(rng)
    own, other = random_outlook(rng), random_outlook(rng)
    pressure = rng.uniform(0, 1, N)
    u = Payoffs(params).utility(slot, own, other, pressure)
    assert u.shape == (N, 3, 3)
    for r in range(N):
        for m in Move:
            for b in Move:
                expected = equation(params, slot, own, other, pressure, r, m, b)
                assert u[r, m, b] == pytest.approx(expected), (r, m, b)


def test_the_security_cost_is_capped_at_one():
    params = PayoffParams(security=PerAlly(2.0, 2.0), pressure=PerAlly(), audience=PerAlly())
    params.economic = PerAlly()
    own = Outlook(np.zeros((1, 3)), np.zeros((1, 3)), np.full((1, 3), 0.9), np.zeros(1))
    u = Payoffs(params).utility("seoul", own, own, np.zeros(1))
    stage = stage_game(params.stage["seoul"])
    np.testing.assert_allclose(u[0], stage - 2.0)  # min(1, 0.9 + 0.9) = 1


def test_pressure_makes_retaliation_costlier_and_cooperation_dearer():
    params = PayoffParams()
    outlook = Outlook(
        np.ones((2, 3)), np.zeros((2, 3)), np.zeros((2, 3)), weight=np.array([0.8, 0.8])
    )
    u = Payoffs(params).utility("seoul", outlook, outlook, np.array([0.0, 1.0]))
    assert u[0, R, H] - u[1, R, H] == pytest.approx(params.pressure.seoul * 0.8)
    assert u[1, C, H] - u[0, C, H] == pytest.approx(
        params.pressure.seoul * params.cooperation_reward
    )
    assert u[1, H, H] == u[0, H, H]  # holding is neither punished nor rewarded


def replication(outlook: Outlook, r: int) -> Outlook:
    """Replication r of an outlook, as an outlook of one replication."""
    return Outlook(*(a[r : r + 1] if np.ndim(a) else a for a in vars(outlook).values()))


def test_per_replication_parameters_equal_scalars_one_at_a_time():
    rng = np.random.default_rng(3)
    base = PayoffParams()
    keys = real_keys(base)
    assert "audience.seoul" in keys and "domains.security" in keys
    values = {key: rng.uniform(0.05, 1.0, N) for key in keys}
    own, other = random_outlook(rng), random_outlook(rng)
    pressure = rng.uniform(0, 1, N)
    for slot in ("seoul", "tokyo"):
        together = Payoffs(with_values(base, values)).utility(slot, own, other, pressure)
        for r in range(N):
            one = with_values(base, {key: float(v[r]) for key, v in values.items()})
            alone = Payoffs(one).utility(
                slot, replication(own, r), replication(other, r), pressure[r : r + 1]
            )
            np.testing.assert_allclose(together[r], alone[0], rtol=1e-12, atol=1e-12)


def test_domain_weights_per_replication_keep_the_replication_axis_first():
    values = {"domains.trade": np.array([0.1, 0.9]), "domains.legal": np.array([0.2, 0.4])}
    weights = Payoffs(with_values(PayoffParams(), values)).domain_weight
    assert weights.shape == (2, 5)
    np.testing.assert_allclose(weights[:, 0], [0.2, 0.4])  # legal
    np.testing.assert_allclose(weights[:, 1], [0.1, 0.9])  # trade
