"""The Mesa agents: a capital's memory, measures and outlook; the patron's pressure."""

import numpy as np
import pytest

from sim.core import conduct
from sim.core.agents import Choice, Outlook, feel, sample
from sim.core.model import EscalationModel, Forcing
from sim.core.moves import Act, Move
from sim.core.params import ModelParams, PayoffParams, UsPolicy
from sim.core.payoffs import Payoffs
from sim.core.rules import FictitiousPlay, TitForTat

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE


def model_with(gsomia, replications=1, **params) -> EscalationModel:
    return EscalationModel(gsomia, ModelParams(**params), replications=replications, rng=0)


@pytest.mark.parametrize(
    ("act", "move"),
    [
        (Act.NOTHING, H),
        (Act.HOSTILE_SIGNAL, R),
        (Act.CONCILIATORY_SIGNAL, C),
        (Act.ENACT, R),
        (Act.LIFT, C),
    ],
)
def test_a_choice_expresses_the_move_of_its_act(act, move):
    assert Choice(act).move == move
    assert Act(act).stance == move


def test_sample_reads_each_row_by_its_cumulative_probabilities():
    probabilities = np.array([[0.2, 0.3, 0.5]] * 6 + [[0, 1, 0], [1, 0, 0]])
    rng = np.random.default_rng(4)
    u = np.random.default_rng(4).random(8)
    expected = (u >= 0.2).astype(int) + (u >= 0.5)
    expected[6:] = [H, C]
    np.testing.assert_array_equal(sample(probabilities, rng), expected)


def test_each_capital_plays_its_own_copy_of_its_rule(gsomia):
    shared = FictitiousPlay()
    model = EscalationModel(
        gsomia, ModelParams(seoul=shared, tokyo=shared), replications=4, weeks=5, rng=1
    )
    seoul, tokyo = model.capitals["seoul"].rule, model.capitals["tokyo"].rule
    assert seoul is not shared and tokyo is not shared and seoul is not tokyo
    model.run()
    assert not np.array_equal(seoul.counts, tokyo.counts)  # each learned its own history
    assert not hasattr(shared, "counts")  # the parameters given are left as they were


def test_memory_of_unanswered_moves_by_hand(gsomia):
    """Memory 2, decay 0.5; the capital's own move is set, then the other's is remembered."""
    model = model_with(gsomia, seoul=TitForTat(memory=2, decay=0.5))
    seoul = model.capitals["seoul"]
    weeks = [  # own move, the other's move, then the expected memory
        (C, R, dict(pending=R, age=0, recent=C, provoked=True, arousal=1.0)),
        (H, H, dict(pending=R, age=1, recent=C, provoked=True, arousal=0.5)),
        (H, H, dict(pending=H, age=2, recent=C, provoked=True, arousal=0.25)),  # forgotten
        (H, C, dict(pending=C, age=0, recent=C, provoked=True, arousal=1.125)),
        (R, H, dict(pending=H, age=1, recent=R, provoked=True, arousal=0.0)),  # answered
    ]
    for own, other, expected in weeks:
        seoul.move = np.array([own], dtype=np.int8)
        seoul.remember(np.array([other], dtype=np.int8))
        got = dict(
            pending=seoul.pending[0],
            age=seoul.pending_age[0],
            recent=seoul.recent[0],
            provoked=bool(seoul.provoked[0]),
            arousal=seoul.arousal[0],
        )
        assert got == pytest.approx(expected)
        assert seoul.last[0] == own and seoul.other_last[0] == other


def test_act_and_apply_put_measures_in_force_and_lift_them(gsomia):
    model = model_with(gsomia, replications=2)
    seoul, repertoire = model.capitals["seoul"], gsomia.measures["seoul"]
    notice, drills = repertoire.bit("gsomia_notice"), repertoire.bit("dokdo_drills")
    seoul.enacted = np.array([notice | drills, 0], dtype=np.int16)
    seoul.lifted = np.zeros(2, dtype=np.int16)
    seoul.act()
    assert seoul.mask.tolist() == [notice | drills, 0]
    seoul.enacted = np.zeros(2, dtype=np.int16)
    seoul.lifted = np.array([notice, 0], dtype=np.int16)
    seoul.act()
    assert seoul.mask.tolist() == [drills, 0]  # the drills stay
    seoul.apply(Choice(Act.ENACT, enacted=notice))
    assert seoul.mask.tolist() == [notice | drills, notice]
    seoul.apply(Choice(Act.LIFT, lifted=drills))
    assert seoul.mask.tolist() == [notice, notice]


def test_outlook_is_what_each_move_would_leave_in_force(gsomia):
    """Seoul with rulings, seizure, boycott and white-list removal in force."""
    model = model_with(gsomia, replications=1)
    seoul, repertoire = model.capitals["seoul"], gsomia.measures["seoul"]
    seoul.mask[:] = repertoire.mask(
        ["court_rulings", "asset_seizure", "boycott", "whitelist_removal"]
    )
    seoul.prepare()
    rule, params = seoul.rule, model.params
    options = conduct.Options.of(repertoire, seoul.mask, params.conduct.order)
    for field, per_measure in (
        ("intensity", repertoire.intensity),
        ("economic", repertoire.economic),
        ("security", repertoire.security),
    ):
        expected = conduct.expected_after(
            repertoire,
            seoul.mask,
            options,
            rule.signal,
            rule.lift,
            params.conduct.burst,
            per_measure,
        )
        np.testing.assert_allclose(getattr(seoul.outlook, field), expected)
    # the weight of a retaliation: a signal (diplomatic) or the measure it would enact, the
    # WTO case (trade, 0.6), the drills (security, 1.0) or the notice (security)
    weights = params.payoffs.domains
    left = [repertoire.index(m) for m in ("wto_case", "dokdo_drills", "gsomia_notice")]
    share = options.enact[0, left]
    assert share.sum() == pytest.approx(1.0)  # nothing else is left to enact
    enact_weight = (share * [weights.trade, weights.security, weights.security]).sum()
    expected = rule.signal * weights.diplomatic + (1 - rule.signal) * enact_weight
    assert seoul.outlook.weight[0] == pytest.approx(expected)


def test_with_nothing_left_to_enact_a_retaliation_weighs_as_a_signal(gsomia):
    model = model_with(gsomia)
    seoul = model.capitals["seoul"]
    seoul.mask[:] = gsomia.measures["seoul"].states - 1
    seoul.prepare()
    assert seoul.outlook.weight[0] == pytest.approx(model.params.payoffs.domains.diplomatic)
    np.testing.assert_allclose(seoul.outlook.intensity[0, [H, R]], 3.2)


def test_a_capitals_utility_uses_the_pressure_felt_not_this_weeks(gsomia):
    model = model_with(gsomia, replications=2)
    model.washington.felt = np.array([0.0, 1.0])
    model.washington.pressure = np.array([1.0, 0.0])  # must not matter
    for capital in model.capitals.values():
        capital.prepare()
    seoul, tokyo = model.capitals["seoul"], model.capitals["tokyo"]
    seoul.observe()
    expected = model.payoffs.utility("seoul", seoul.outlook, tokyo.outlook, np.array([0.0, 1.0]))
    np.testing.assert_allclose(seoul.utility, expected)


def test_a_side_the_patron_does_not_press_feels_no_pressure(gsomia):
    import dataclasses

    case = dataclasses.replace(gsomia, pressed=("tokyo",))
    model = EscalationModel(case, ModelParams(), replications=2, rng=0)
    model.washington.felt = np.array([0.0, 1.0])
    for capital in model.capitals.values():
        capital.prepare()
    seoul, tokyo = model.capitals["seoul"], model.capitals["tokyo"]
    seoul.observe()
    tokyo.observe()
    unpressed = model.payoffs.utility("seoul", seoul.outlook, tokyo.outlook, np.zeros(2))
    np.testing.assert_allclose(seoul.utility, unpressed)
    pressed = model.payoffs.utility("tokyo", tokyo.outlook, seoul.outlook, np.array([0.0, 1.0]))
    np.testing.assert_allclose(tokyo.utility, pressed)
    assert not np.allclose(tokyo.utility[0], tokyo.utility[1])  # the pressure reaches Tokyo


def test_feel_keeps_last_weeks_pressure_or_the_fading_memory():
    felt = feel(np.array([0.0, 1.0, 1.0]), np.array([0.3, 0.3, 0.0]), 0.5)
    np.testing.assert_allclose(felt, [0.3, 0.5, 0.5])
    np.testing.assert_allclose(feel(np.array([1.0]), np.array([0.0]), 0.0), [0.0])


def run_pressure(gsomia, policy: UsPolicy, weeks=8, forcing=None, persistence=0.0):
    """Washington's pressure and the pressure felt, week by week, shape (weeks,)."""
    params = ModelParams(us=policy, payoffs=PayoffParams(persistence=persistence))
    model = EscalationModel(gsomia, params, replications=1, weeks=weeks, forcing=forcing, rng=0)
    pressure, felt = [], []
    for _ in range(weeks):
        model.step()
        pressure.append(float(model.washington.pressure[0]))
        felt.append(float(model.washington.felt[0]))
    return pressure, felt


def test_absent_patron_never_presses(gsomia):
    pressure, felt = run_pressure(gsomia, UsPolicy(policy="absent", pressure=0.9))
    assert pressure == [0.0] * 8 and felt == [0.0] * 8


def test_constant_patron_presses_every_week_and_is_felt_a_week_later(gsomia):
    pressure, felt = run_pressure(gsomia, UsPolicy(policy="constant", pressure=0.7))
    assert pressure == [0.7] * 8
    assert felt == [0.0] + [0.7] * 7


def quiet_then_notice(gsomia, week: int, weeks: int = 8) -> Forcing:
    """Both sides do nothing, except that Seoul gives its GSOMIA notice in ``week``."""
    acts = np.zeros(weeks, dtype=np.int8)
    acts[week] = Act.ENACT
    enacted = np.zeros(weeks, dtype=np.int16)
    enacted[week] = gsomia.measures["seoul"].bit("gsomia_notice")
    quiet = np.zeros(weeks, dtype=np.int8)
    zeros = np.zeros(weeks, dtype=np.int16)
    return Forcing(
        acts={"seoul": acts, "tokyo": quiet},
        enacted={"seoul": enacted, "tokyo": zeros},
        lifted={"seoul": zeros, "tokyo": zeros},
    )


@pytest.mark.parametrize("delay", [0, 1, 2])
def test_reactive_patron_presses_once_a_security_measure_outlasts_the_delay(gsomia, delay):
    """The notice (security) is in force from week 2. Washington counts the weeks it has
    been in force after each week's acts (1 after week 2) and presses from the first week
    whose count, seen at the start of the week, exceeds the delay: week 3 + delay."""
    policy = UsPolicy(policy="reactive", pressure=0.9, delay=delay, baseline=0.1)
    pressure, felt = run_pressure(gsomia, policy, forcing=quiet_then_notice(gsomia, 2))
    first = 3 + delay
    assert pressure == [0.1] * first + [0.9] * (8 - first)
    assert felt == [0.0] + pressure[:-1]


def test_reactive_patron_eases_when_the_security_measure_is_lifted(gsomia):
    forcing = quiet_then_notice(gsomia, 1)
    forcing.acts["seoul"][4] = Act.LIFT
    forcing.lifted["seoul"][4] = gsomia.measures["seoul"].bit("gsomia_notice")
    policy = UsPolicy(policy="reactive", pressure=0.9, delay=1, baseline=0.1)
    pressure, _ = run_pressure(gsomia, policy, forcing=forcing)
    # in force after weeks 1, 2, 3 (counts 1, 2, 3), lifted in week 4 (count 0)
    assert pressure == [0.1, 0.1, 0.1, 0.9, 0.9, 0.1, 0.1, 0.1]


def test_persistence_keeps_pressure_felt_after_the_patron_stops(gsomia):
    forcing = Forcing(pressure=np.array([1.0, 0.0, 0.0, 0.3, 0.0, 0.0]))
    policy = UsPolicy(policy="absent")
    pressure, felt = run_pressure(gsomia, policy, weeks=6, forcing=forcing, persistence=0.5)
    assert pressure == [1.0, 0.0, 0.0, 0.3, 0.0, 0.0]
    # felt(t) = max(pressure(t-1), 0.5 felt(t-1))
    assert felt == pytest.approx([0.0, 1.0, 0.5, 0.25, 0.3, 0.15])


def test_a_running_notice_ages_and_its_rescue_grows_toward_the_lapse(gsomia):
    """Seoul gives notice: each week in force raises the urgency by 1/13, up to 1 in the week it
    would lapse; once it has lapsed there is nothing left to rescue."""
    model = model_with(gsomia, replications=2)
    seoul, tokyo, repertoire = (
        model.capitals["seoul"],
        model.capitals["tokyo"],
        gsomia.measures["seoul"],
    )
    notice = repertoire.bit("gsomia_notice")
    lapse = gsomia.notice.lapse_weeks
    seoul.enacted = np.array([notice, 0], dtype=np.int16)
    seoul.lifted = np.zeros(2, dtype=np.int16)
    seoul.act()
    seoul.enacted[:] = 0
    for week in range(1, lapse + 3):
        seoul.prepare()
        urgency = week / lapse if week <= lapse else 0.0
        # the notice is the one a lifting lifts while it runs (lifted_first)
        assert seoul.outlook.rescue[0] == pytest.approx(urgency * seoul.rule.lift)
        assert seoul.outlook.rescue[1] == 0.0  # no notice in force
        seoul.act()
    assert seoul.notice_age.tolist() == [lapse + 3, 0]
    seoul.lifted = np.array([notice, 0], dtype=np.int16)
    seoul.act()
    assert seoul.notice_age.tolist() == [0, 0]  # lifted: the clock stops
    tokyo.prepare()
    assert np.all(tokyo.outlook.rescue == 0.0)  # Tokyo has no notice to give


def test_the_deadline_rewards_only_cooperation_by_its_rescue():
    params = PayoffParams(deadline=7.0)
    rescue = np.array([0.0, 0.25])
    outlook = Outlook(
        np.ones((2, 3)), np.zeros((2, 3)), np.zeros((2, 3)), weight=np.zeros(2), rescue=rescue
    )
    other = Outlook(np.ones((2, 3)), np.zeros((2, 3)), np.zeros((2, 3)), weight=np.zeros(2))
    pressure = np.zeros(2)
    u = Payoffs(params).utility("seoul", outlook, other, pressure)
    base = Payoffs(PayoffParams()).utility("seoul", outlook, other, pressure)
    np.testing.assert_allclose(u[:, C] - base[:, C], [[0.0] * 3, [7.0 * 0.25] * 3])
    np.testing.assert_array_equal(u[:, [H, R]], base[:, [H, R]])
