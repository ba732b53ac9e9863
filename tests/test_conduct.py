"""Conduct: how a move becomes an act, drawn in free runs and scored against history.

The small repertoire is the one of test_measures.py (bits: 1 ruling, 2 boycott, 4 tariff,
8 drills; the ruling and the boycott cannot be lifted).
"""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sim.core import conduct
from sim.core.measures import Measure, Repertoire
from sim.core.moves import Act, Move
from sim.core.params import ModelParams
from sim.core.scenario_yaml import load_scenario
from sim.history import real_path

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
SMALL = Repertoire(
    "seoul",
    (
        Measure("ruling", "A court ruling", "legal", 0.2, reversible=False),
        Measure("boycott", "A consumer boycott", "society", 0.3, reversible=False),
        Measure("tariff", "Tariffs on imports", "trade", 0.5),
        Measure("drills", "Drills near the islets", "security", 0.4),
    ),
)
RULING, BOYCOTT, TARIFF, DRILLS = 1, 2, 4, 8
E = np.exp(-1.0)


def states(*masks: int) -> np.ndarray:
    return np.array(masks, dtype=np.int16)


def pick_sequence(mask: int, sequence: tuple[int, ...], order: float = 1.0) -> float:
    """Probability of picking ``sequence`` (bits) one by one, written from the rule: each pick
    is the k-th still available in escalation order with weight exp(-order k)."""
    probability, state = 1.0, mask
    for bit in sequence:
        available = [b for b in (RULING, BOYCOTT, TARIFF, DRILLS) if not state & b]
        weights = {b: np.exp(-order * k) for k, b in enumerate(available)}
        probability *= weights[bit] / sum(weights.values())
        state |= bit
    return probability


def log_p(mask, act, enacted=0, lifted=0, signal=0.5, lift=0.3, order=1.0, burst=0.1):
    """Log-probability of one act given its move, from one state."""
    masks = states(mask)
    options = conduct.Options.of(SMALL, masks, order)
    return conduct.log_probability(
        SMALL, masks, options, act, enacted, lifted, signal, lift, order, burst
    )[0]


def test_enact_weights_follow_the_escalation_order():
    # from the ruling alone the boycott, tariff and drills are the 0th, 1st and 2nd available
    weights = conduct.enact_weights(SMALL, states(RULING, 15, 0), 1.0)
    np.testing.assert_allclose(weights[0], np.array([0, 1, E, E**2]) / (1 + E + E**2))
    np.testing.assert_array_equal(weights[1], 0)  # nothing left to enact
    # order 0: every available measure equally likely; a large order: the mildest
    np.testing.assert_allclose(
        conduct.enact_weights(SMALL, states(TARIFF), 0.0)[0], [1 / 3] * 2 + [0, 1 / 3]
    )
    np.testing.assert_allclose(
        conduct.enact_weights(SMALL, states(RULING), 20.0)[0], [0, 1, 0, 0], atol=1e-8
    )
    # a per-replication order
    both = conduct.enact_weights(SMALL, states(RULING, RULING), np.array([0.0, 1.0]))
    np.testing.assert_allclose(both[0], [0, 1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(both[1], weights[0])


def test_lift_weights_are_uniform_over_reversible_measures_in_force():
    weights = conduct.lift_weights(SMALL, states(15, RULING | BOYCOTT, TARIFF | RULING))
    np.testing.assert_allclose(weights, [[0, 0, 0.5, 0.5], [0, 0, 0, 0], [0, 0, 1, 0]])


def test_options_say_what_each_state_allows():
    options = conduct.Options.of(SMALL, states(0, RULING | BOYCOTT | TARIFF, 15, RULING), 1.0)
    assert options.can_enact.tolist() == [True, True, False, True]
    assert options.can_lift.tolist() == [False, True, True, False]


def test_options_of_one_order_equal_those_worked_out_row_by_row():
    # a repertoire of 7 measures has 128 states: more than the 64 rows past which one order's
    # options are looked up by state (a run with one order once recursed without end here)
    wide = Repertoire(
        "seoul",
        tuple(
            Measure(f"m{k}", f"M{k}", "trade", 0.1 * (k + 1), reversible=k % 2 == 0)
            for k in range(7)
        ),
    )
    masks = np.tile(np.arange(wide.states, dtype=np.int16), 3)
    looked_up = conduct.Options.of(wide, masks, 1.5)
    row_by_row = conduct.Options.of(wide, masks, np.full(masks.size, 1.5))
    for field in ("enact", "lift", "can_enact", "can_lift"):
        np.testing.assert_array_equal(getattr(looked_up, field), getattr(row_by_row, field))
    assert looked_up.enact.shape == (masks.size, 7)
    np.testing.assert_allclose(looked_up.enact[masks != 127].sum(axis=1), 1.0)


def test_log_probability_by_hand():
    signal, lift, burst = 0.5, 0.3, 0.1
    first = np.array([0, 1, E, E**2]) / (1 + E + E**2)  # from the ruling alone
    assert log_p(RULING, Act.HOSTILE_SIGNAL) == pytest.approx(np.log(signal))
    # one measure: not a signal, the tariff first, no second one
    assert log_p(RULING, Act.ENACT, enacted=TARIFF) == pytest.approx(
        np.log((1 - signal) * first[2] * (1 - burst))
    )
    # two measures, either order: boycott then drills (drills 2nd of tariff, drills), or
    # drills then boycott (boycott 1st of boycott, tariff); then the tariff is left, and the
    # week stops with probability 1 - burst
    pair = first[1] * E / (1 + E) + first[3] * 1 / (1 + E)
    assert log_p(RULING, Act.ENACT, enacted=BOYCOTT | DRILLS) == pytest.approx(
        np.log((1 - signal) * burst * pair * (1 - burst))
    )
    # all three left: the six orders, each a product of picks, two bursts and no stop
    three = sum(
        pick_sequence(RULING, order) for order in itertools.permutations((BOYCOTT, TARIFF, DRILLS))
    )
    assert log_p(RULING, Act.ENACT, enacted=BOYCOTT | TARIFF | DRILLS) == pytest.approx(
        np.log((1 - signal) * burst**2 * three)
    )
    # with one measure left there is no burst to avoid: the single enactment has 1 - signal
    assert log_p(15 & ~DRILLS, Act.ENACT, enacted=DRILLS) == pytest.approx(np.log(1 - signal))
    # with every measure in force a retaliation can only be a signal
    assert log_p(15, Act.HOSTILE_SIGNAL) == 0.0
    # cooperation: a gesture or one of the two liftable measures
    assert log_p(15, Act.CONCILIATORY_SIGNAL) == pytest.approx(np.log(1 - lift))
    assert log_p(15, Act.LIFT, lifted=TARIFF) == pytest.approx(np.log(lift * 0.5 * (1 - burst)))
    # both liftable measures in one week: either order, one burst, nothing left to stop
    assert log_p(15, Act.LIFT, lifted=TARIFF | DRILLS) == pytest.approx(
        np.log(lift * 2 * (0.5 * 1.0) * burst)
    )
    assert log_p(RULING | BOYCOTT, Act.CONCILIATORY_SIGNAL) == 0.0  # nothing to lift
    assert log_p(0, Act.NOTHING) == 0.0


@pytest.mark.parametrize(
    ("mask", "act", "enacted", "lifted"),
    [
        (RULING, Act.ENACT, RULING, 0),  # already in force
        (RULING, Act.ENACT, RULING | BOYCOTT, 0),  # one of them already in force
        (15, Act.ENACT, DRILLS, 0),  # nothing available
        (15, Act.LIFT, 0, RULING),  # irreversible
        (15, Act.LIFT, 0, TARIFF | RULING),  # one of them irreversible
        (RULING | TARIFF, Act.LIFT, 0, DRILLS),  # not in force
    ],
    ids=[
        "in-force",
        "one-in-force",
        "none-available",
        "irreversible",
        "one-irreversible",
        "not-in-force",
    ],
)
def test_impossible_acts_get_minus_infinity(mask, act, enacted, lifted):
    assert log_p(mask, act, enacted=enacted, lifted=lifted) == -np.inf


def test_an_enactment_or_lifting_of_nothing_has_probability_zero():
    assert log_p(0, Act.ENACT, enacted=0) == -np.inf
    assert log_p(15, Act.LIFT, lifted=0) == -np.inf


def test_certain_signals_rule_out_measures():
    assert log_p(0, Act.ENACT, enacted=RULING, signal=1.0) == -np.inf
    assert log_p(15, Act.LIFT, lifted=TARIFF, lift=0.0) == -np.inf
    assert log_p(0, Act.HOSTILE_SIGNAL, signal=0.0) == -np.inf


def outcomes(mask: int, move: Move) -> list[tuple[int, int, int]]:
    """Every (act, enacted, lifted) the conduct could produce for ``move`` from ``mask``."""
    free = [b for b in (RULING, BOYCOTT, TARIFF, DRILLS) if not mask & b]
    liftable = [b for b in (TARIFF, DRILLS) if mask & b]

    def subsets(bits: list[int]) -> list[int]:
        return [
            sum(chosen)
            for k in range(1, len(bits) + 1)
            for chosen in itertools.combinations(bits, k)
        ]

    match move:
        case Move.RETALIATE:
            return [(Act.HOSTILE_SIGNAL, 0, 0)] + [(Act.ENACT, m, 0) for m in subsets(free)]
        case Move.COOPERATE:
            lifts = [(Act.LIFT, 0, m) for m in subsets(liftable)]
            return [(Act.CONCILIATORY_SIGNAL, 0, 0)] + lifts
        case Move.HOLD:
            return [(Act.NOTHING, 0, 0)]
        case other:
            raise ValueError(other)


DRAWS = 20_000


@settings(max_examples=15, deadline=None, derandomize=True)  # the same draws on every run
@given(
    mask=st.integers(0, 15),
    signal=st.floats(0.05, 0.95),
    lift=st.floats(0.05, 0.95),
    order=st.floats(0.0, 3.0),
    burst=st.floats(0.0, 0.9),
    seed=st.integers(0, 2**32 - 1),
)
def test_draw_frequencies_match_log_probability(mask, signal, lift, order, burst, seed):
    """20,000 draws of each move from one state: each act's share is within 5 standard errors
    (plus 1/N) of exp(log_probability), and the probabilities of everything possible sum to 1.

    Derandomized, so the examples and their seeds are fixed: a correct sampler fails a 5-SE
    check with probability under 6e-7 each, under 2e-4 over the at most 270 checks here
    (15 examples, at most 18 possible acts over the three moves from one state).
    """
    masks = np.full(DRAWS, mask, dtype=np.int16)
    options = conduct.Options.of(SMALL, masks[:1], order)
    many = conduct.Options.of(SMALL, masks, order)
    rng = np.random.default_rng(seed)
    for move in Move:
        moves = np.full(DRAWS, move, dtype=np.int8)
        act, enacted, lifted = conduct.draw(
            SMALL, masks, many, moves, signal, lift, order, burst, rng
        )
        drawn = pd.Series(list(zip(act.tolist(), enacted.tolist(), lifted.tolist(), strict=True)))
        counts = drawn.value_counts()
        possible = outcomes(mask, move)
        assert set(counts.index) <= set(possible)
        total = 0.0
        for outcome in possible:
            logp = conduct.log_probability(
                SMALL, masks[:1], options, *outcome, signal, lift, order, burst
            )[0]
            p = float(np.exp(logp))
            total += p
            share = counts.get(outcome, 0) / DRAWS
            tolerance = 5 * np.sqrt(p * (1 - p) / DRAWS) + 1 / DRAWS
            assert abs(share - p) <= tolerance, (move, outcome, p, share)
        assert total == pytest.approx(1.0)


def test_draw_uses_per_replication_parameters():
    masks = states(*([0] * 4000 + [0] * 4000))
    signal = np.r_[np.zeros(4000), np.ones(4000)]
    options = conduct.Options.of(SMALL, masks, 1.0)
    moves = np.full(masks.size, R, dtype=np.int8)
    act, _, _ = conduct.draw(
        SMALL, masks, options, moves, signal, 0.3, 1.0, 0.1, np.random.default_rng(0)
    )
    assert (act[:4000] == Act.ENACT).all() and (act[4000:] == Act.HOSTILE_SIGNAL).all()


def test_draw_takes_the_same_uniforms_whatever_the_move():
    """Common random numbers: every draw takes `uniforms` per replication, whatever happens."""
    masks = states(0, 15, RULING, TARIFF)
    options = conduct.Options.of(SMALL, masks, 1.0)
    ends = []
    for move in Move:
        rng = np.random.default_rng(7)
        conduct.draw(SMALL, masks, options, np.full(4, move, np.int8), 0.5, 0.3, 1.0, 0.1, rng)
        ends.append(rng.random())
    reference = np.random.default_rng(7)
    reference.random((conduct.uniforms(SMALL), 4))
    assert ends == [reference.random()] * 3


def test_expected_after_by_hand():
    """Expected intensity in force after each move, from the ruling alone and from all four."""
    masks = states(RULING, 15)
    signal, lift, burst = 0.5, 0.3, 0.1
    options = conduct.Options.of(SMALL, masks, 1.0)
    after = conduct.expected_after(SMALL, masks, options, signal, lift, burst, SMALL.intensity)
    first = np.array([0, 1, E, E**2]) / (1 + E + E**2)
    # three measures left: 1 + burst + burst^2 picks expected, each valued like the first
    added = first @ SMALL.intensity * (1 + burst + burst**2)
    np.testing.assert_allclose(after[0], [0.2, 0.2, 0.2 + (1 - signal) * added])  # C, H, R
    # all in force: retaliation adds nothing; cooperation lifts the tariff or the drills (and
    # the other with probability burst)
    lifted = (0.5 + 0.4) / 2 * (1 + burst)
    np.testing.assert_allclose(after[1], [1.4 - lift * lifted, 1.4, 1.4])


def one_or_each(low: float, high: float):
    """A number, one value in an array, or one value per replication (sliced to their number)."""
    value = st.floats(low, high)
    return st.one_of(
        value, st.lists(value, min_size=1, max_size=1), st.lists(value, min_size=6, max_size=6)
    )


@settings(max_examples=80, deadline=None)
@given(
    masks=st.lists(st.integers(0, 15), min_size=1, max_size=6),
    burst=one_or_each(0.0, 1.0),
    order=one_or_each(0.0, 5.0),
)
# bursts whose square numpy rounds differently, in the last bit, for a 0-d array than in an array
@example(masks=[3], burst=0.5118869253857486, order=1.0)
@example(masks=[3, 5, 0], burst=[0.23869105620533715], order=[1.0])
def test_the_cached_tables_give_the_direct_computation_exactly(masks, burst, order):
    """The expected picks read from a run's table, the state totals worked out once and a row's
    enactment weights equal, to the last bit, what the week's own arithmetic gives."""
    masks = states(*masks)
    n = len(masks)
    burst = np.asarray(burst)[:n] if np.ndim(burst) else burst
    order = np.asarray(order)[:n] if np.ndim(order) else order
    for possible in (SMALL.available_by_state[masks], SMALL.liftable_by_state[masks]):
        direct = conduct._expected_count(conduct.vector(burst, n), possible)
        assert np.array_equal(conduct._picks(burst, possible, SMALL.size), direct)
    options = conduct.Options.of(SMALL, masks, order)
    by_profile = conduct.expected_after(SMALL, masks, options, 0.5, 0.3, burst)
    assert np.array_equal(
        by_profile, conduct.expected_after(SMALL, masks, options, 0.5, 0.3, burst, SMALL.profile)
    )
    factors = conduct.decay(order, SMALL.size)
    weights = conduct.enact_weights(SMALL, masks, order)
    free = SMALL.free_by_state[masks]
    rank = SMALL.rank_by_state[masks]
    by_rank = factors[rank] if factors.ndim == 1 else np.take_along_axis(factors, rank, axis=1)
    raw = np.where(free, by_rank, 0.0)
    total = raw.sum(axis=1, keepdims=True)
    assert np.array_equal(weights, np.divide(raw, total, out=np.zeros_like(raw), where=total > 0))


def test_the_cached_paths_guard_the_parameters_and_refuse_a_wrong_length():
    """A parameter handed out as it is cannot be written through; a cached table cannot be
    changed; a burst with neither one value nor one per replication is refused; a burst of a
    large run is worked out directly, with the same numbers."""
    burst = np.array([0.2, 0.7])
    with pytest.raises(ValueError, match="read-only"):
        conduct.vector(burst, 2)[0] = 0.9
    table = conduct._count_table(burst.tobytes(), SMALL.size)
    with pytest.raises(ValueError, match="read-only"):
        table[0, 0] = 1.0
    with pytest.raises(ValueError, match="3 values of burst for 2 replications"):
        conduct._picks(np.array([0.1, 0.2, 0.3]), np.array([1, 2]), SMALL.size)
    n = conduct.CACHED_BURST_VALUES + 1
    many = np.random.default_rng(0).random(n)
    possible = np.arange(n) % (SMALL.size + 1)
    direct = conduct._expected_count(many, possible)
    assert np.array_equal(conduct._picks(many, possible, SMALL.size), direct)


def producible(scenario_name: str) -> list[tuple[str, int, Act, float]]:
    """Each side-week of a real case with the log-probability of its act given its move."""
    scenario = load_scenario(scenario_name)
    real = real_path(scenario)
    params = ModelParams()
    found = []
    for slot, side in zip(("seoul", "tokyo"), scenario.sides, strict=True):
        repertoire, rule = scenario.measures[side], params.strategy(slot)
        before = scenario.initial.get(side, 0)
        for week in range(scenario.weeks):
            masks = states(before)
            options = conduct.Options.of(repertoire, masks, params.conduct.order)
            act = Act(int(real.acts[side][week]))
            logp = conduct.log_probability(
                repertoire,
                masks,
                options,
                act,
                int(real.enacted[side][week]),
                int(real.lifted[side][week]),
                rule.signal,
                rule.lift,
                params.conduct.order,
                params.conduct.burst,
            )[0]
            found.append((side, week, act, float(logp)))
            before = int(real.masks[side][week])
    return found


@pytest.mark.parametrize(
    "case",
    [
        "gsomia_2019",
        "thaad_2016",
        "senkaku_2010",  # three enactments in a week, two liftings in a week
    ],
)
def test_every_real_transition_is_producible(case):
    found = producible(case)
    impossible = [(side, week, act.label) for side, week, act, logp in found if logp == -np.inf]
    assert impossible == []
    assert all(np.isfinite(logp) for *_, logp in found)


def test_the_2019_transitions_the_ladder_could_not_make(gsomia_real):
    """The moves of 2019 that a strict stack ruled out now have a finite probability."""
    found = {(side, week): (act, logp) for side, week, act, logp in producible("gsomia_2019")}
    # week 42: Seoul's notice and drills in one week (a burst of two)
    assert found["seoul", 42][0] == Act.ENACT
    assert bin(int(gsomia_real.enacted["seoul"][42])).count("1") == 2
    # week 55: Seoul lifts the notice while its drills and WTO case stay
    assert found["seoul", 55][0] == Act.LIFT
    assert np.isfinite(found["seoul", 55][1])


def test_a_locked_measure_cannot_be_lifted():
    """A lapsed notice is locked in force: the lifts fall on the others, drawn and scored alike."""
    masks = np.full(DRAWS, TARIFF | DRILLS, dtype=np.int16)
    locked = np.full(DRAWS, DRILLS, dtype=np.int16)
    options = conduct.Options.of(SMALL, masks, 1.0, locked=locked)
    np.testing.assert_array_equal(options.lift[0], [0, 0, 1, 0])  # the tariff only
    moves = np.full(DRAWS, C, dtype=np.int8)
    rng = np.random.default_rng(3)
    act, _, lifted = conduct.draw(
        SMALL, masks, options, moves, 0.5, 0.6, 1.0, 0.5, rng, None, locked
    )
    assert set(lifted[act == Act.LIFT].tolist()) == {TARIFF}
    assert abs((act == Act.LIFT).mean() - 0.6) < 5 * np.sqrt(0.24 / DRAWS)

    one = options.take(np.array([0]))

    def logp(lifted: int) -> float:
        args = (Act.LIFT, 0, lifted, 0.5, 0.6, 1.0, 0.5, locked[:1])
        return conduct.log_probability(SMALL, masks[:1], one, *args)[0]

    assert logp(DRILLS) == -np.inf and logp(TARIFF | DRILLS) == -np.inf
    assert logp(TARIFF) == pytest.approx(np.log(0.6))  # the one liftable: no second pick
    after = conduct.expected_after(SMALL, masks[:1], one, 0.5, 0.6, 0.5, locked=locked[:1])
    tariff = states(TARIFF)
    alone = conduct.expected_after(
        SMALL, tariff, conduct.Options.of(SMALL, tariff, 1.0), 0.5, 0.6, 0.5
    )
    # cooperating leaves what it would from the tariff alone, plus the drills it cannot lift
    np.testing.assert_allclose(after[0, C], alone[0, C] + SMALL.profile[3])
