"""Measures as sets: a side's state is a bit mask over its measures in escalation order.

The small repertoire below has four measures; its masks are read right to left (bit 0 is the
court ruling):

    bit  id       domain    intensity  reversible
    0    ruling   legal     0.2        no
    1    boycott  society   0.3        no
    2    tariff   trade     0.5        yes (undo text given)
    3    drills   security  0.4        yes (no undo text)
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.errors import ScenarioError
from sim.core.measures import MAX_MEASURES, Measure, Repertoire
from sim.core.moves import Move

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
SMALL = Repertoire(
    "seoul",
    (
        Measure("ruling", "A court ruling", "legal", 0.2, reversible=False),
        Measure("boycott", "A consumer boycott", "society", 0.3, reversible=False),
        Measure("tariff", "Tariffs on imports", "trade", 0.5, undo="Seoul drops its tariffs"),
        Measure("drills", "Drills near the islets", "security", 0.4),
    ),
    gesture="Seoul proposes talks",
    signal="Seoul protests",
)
RULING, BOYCOTT, TARIFF, DRILLS = 1, 2, 4, 8


def test_bits_masks_and_indices():
    assert SMALL.size == 4 and SMALL.states == 16
    assert SMALL.ids == ("ruling", "boycott", "tariff", "drills")
    assert [SMALL.bit(i) for i in SMALL.ids] == [RULING, BOYCOTT, TARIFF, DRILLS]
    assert SMALL.mask(["tariff", "ruling"]) == RULING | TARIFF
    assert SMALL.mask([]) == 0
    assert SMALL.index("drills") == 3
    assert SMALL.bits.tolist() == [1, 2, 4, 8] and SMALL.bits.dtype == np.int16


def test_unknown_measure_names_the_side_and_its_measures():
    with pytest.raises(ScenarioError, match="seoul has no measure 'embargo'.*ruling, boycott"):
        SMALL.bit("embargo")


def test_in_force_per_state():
    got = SMALL.in_force(np.array([RULING | TARIFF, 0, 15]))
    assert got.shape == (3, 4)
    assert got.tolist() == [
        [True, False, True, False],
        [False, False, False, False],
        [True, True, True, True],
    ]
    assert SMALL.ids_in_force(RULING | TARIFF) == ["ruling", "tariff"]
    assert SMALL.names_in_force(BOYCOTT | DRILLS) == [
        "A consumer boycott",
        "Drills near the islets",
    ]


@pytest.mark.parametrize(
    ("mask", "total", "economic", "security"),
    [
        (0, 0.0, 0.0, 0.0),
        (RULING, 0.2, 0.0, 0.0),  # legal: neither economic nor security
        (RULING | TARIFF, 0.7, 0.5, 0.0),
        (BOYCOTT | TARIFF, 0.8, 0.8, 0.0),  # society and trade are both economic
        (DRILLS, 0.4, 0.0, 0.4),
        (15, 1.4, 0.8, 0.4),
    ],
)
def test_intensities_by_state(mask, total, economic, security):
    assert SMALL.total_by_state[mask] == pytest.approx(total)
    assert SMALL.economic_by_state[mask] == pytest.approx(economic)
    assert SMALL.security_by_state[mask] == pytest.approx(security)
    assert SMALL.total_by_state.shape == (16,)


def test_per_measure_arrays():
    np.testing.assert_allclose(SMALL.intensity, [0.2, 0.3, 0.5, 0.4])
    np.testing.assert_allclose(SMALL.economic, [0, 0.3, 0.5, 0])
    np.testing.assert_allclose(SMALL.security, [0, 0, 0, 0.4])
    assert SMALL.reversible.tolist() == [False, False, True, True]
    assert SMALL.full == pytest.approx(1.4)


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        (0, 0),
        (RULING | BOYCOTT, 2),
        (RULING | TARIFF, 1),  # not a stack: the boycott is still available below the tariff
        (RULING | BOYCOTT | TARIFF, 3),
        (15, None),
    ],
)
def test_next_available_is_the_mildest_measure_not_in_force(mask, expected):
    assert SMALL.next_available(mask) == expected


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        (0, None),
        (RULING | BOYCOTT, None),  # both irreversible
        (RULING | TARIFF, 2),
        (15, 3),
        (RULING | BOYCOTT | TARIFF, 2),
    ],
)
def test_last_liftable_is_the_last_reversible_measure_in_force(mask, expected):
    assert SMALL.last_liftable(mask) == expected


@pytest.mark.parametrize(
    ("mask", "move", "text"),
    [
        (0, R, "A court ruling"),
        (RULING | BOYCOTT, R, "Tariffs on imports"),
        (RULING | TARIFF, R, "A consumer boycott"),
        (15, R, "Seoul protests"),  # nothing left to enact: a hostile signal
        (RULING | TARIFF, C, "Seoul drops its tariffs"),  # the measure's own undo text
        (RULING | DRILLS, C, "Seoul lifts drills"),  # no undo text: a generic one
        (RULING | BOYCOTT, C, "Seoul proposes talks"),  # nothing liftable: a gesture
        (15, H, "Seoul holds its position"),
        (0, H, "Seoul holds its position"),
    ],
)
def test_describe(mask, move, text):
    assert SMALL.describe(mask, move) == text


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Measure("x", "X", "economy", 0.5), "domain 'economy' is not one of"),
        (lambda: Measure("x", "X", "trade", 0.0), r"intensity 0.0 is not in \(0, 1\]"),
        (lambda: Measure("x", "X", "trade", 1.5), r"intensity 1.5 is not in \(0, 1\]"),
        (lambda: Repertoire("tokyo", ()), "tokyo has no measures"),
        (
            lambda: Repertoire("tokyo", (SMALL.measures[0], SMALL.measures[0])),
            "tokyo lists the measure id ruling more than once",
        ),
        (
            lambda: Repertoire(
                "tokyo",
                tuple(Measure(f"m{k}", "M", "trade", 0.1) for k in range(MAX_MEASURES + 1)),
            ),
            f"more than {MAX_MEASURES} measures",
        ),
    ],
    ids=["domain", "intensity-0", "intensity-1.5", "empty", "duplicate", "too-many"],
)
def test_bad_measures_are_rejected_with_their_name(build, message):
    with pytest.raises(ScenarioError, match=message):
        build()


def test_twelve_measures_fit_the_mask_type():
    many = Repertoire(
        "tokyo", tuple(Measure(f"m{k}", "M", "trade", 0.1) for k in range(MAX_MEASURES))
    )
    full = many.states - 1
    assert many.in_force(np.array([full], dtype=np.int16)).all()
    assert many.total_by_state[full] == pytest.approx(1.2)


def test_the_2019_repertoires(gsomia):
    seoul, tokyo = gsomia.measures["seoul"], gsomia.measures["tokyo"]
    assert seoul.ids == (
        "court_rulings",
        "asset_seizure",
        "boycott",
        "wto_case",
        "dokdo_drills",
        "whitelist_removal",
        "gsomia_notice",
    )
    assert tokyo.ids == ("consultations", "arbitration", "export_controls", "whitelist_removal")
    # the rulings, the seizure and the boycott are not Seoul's to lift
    assert seoul.reversible.tolist() == [False, False, False, True, True, True, True]
    assert seoul.full == pytest.approx(3.2) and tokyo.full == pytest.approx(1.8)
    # Seoul after week 55 of 2019: all but the suspended notice
    after = seoul.mask([i for i in seoul.ids if i != "gsomia_notice"])
    assert seoul.security_by_state[after] == pytest.approx(0.5)  # the drills
    assert seoul.economic_by_state[after] == pytest.approx(0.35 + 0.60 + 0.40)
    assert seoul.last_liftable(after) == seoul.index("whitelist_removal")
    assert seoul.describe(after, R) == seoul.measures[6].name  # re-enacting the notice


@settings(max_examples=40, deadline=None)
@given(mask=st.integers(0, 15))
def test_every_state_round_trips_and_its_intensities_add_up(mask):
    ids = SMALL.ids_in_force(mask)
    assert SMALL.mask(ids) == mask
    total = sum(m.intensity for m in SMALL.measures if m.id in ids)
    assert SMALL.total_by_state[mask] == pytest.approx(total)
    parts = SMALL.economic_by_state[mask] + SMALL.security_by_state[mask]
    assert parts <= SMALL.total_by_state[mask] + 1e-12
    k = SMALL.next_available(mask)
    assert k is None or (not mask >> k & 1 and all(mask >> j & 1 for j in range(k)))


def test_a_running_notice_is_lifted_first(gsomia):
    """While Seoul's GSOMIA notice is in force, a lifting lifts it; otherwise uniform."""
    seoul = gsomia.measures["seoul"]
    assert seoul.lifted_first == "gsomia_notice"
    assert gsomia.measures["tokyo"].lifted_first is None
    notice = seoul.index("gsomia_notice")
    with_notice = seoul.mask(["court_rulings", "whitelist_removal", "gsomia_notice", "wto_case"])
    expected = np.zeros(seoul.size)
    expected[notice] = 1.0
    np.testing.assert_array_equal(seoul.lift_by_state[with_notice], expected)
    without = seoul.mask(["court_rulings", "whitelist_removal", "dokdo_drills", "wto_case"])
    liftable = [seoul.index(m) for m in ("whitelist_removal", "dokdo_drills", "wto_case")]
    np.testing.assert_allclose(seoul.lift_by_state[without][liftable], 1 / 3)
    assert seoul.lift_by_state[without].sum() == pytest.approx(1.0)


def test_a_persons_cooperation_lifts_a_running_notice_first(gsomia):
    seoul = gsomia.measures["seoul"]
    running = seoul.mask(["whitelist_removal", "gsomia_notice", "dokdo_drills", "wto_case"])
    assert seoul.to_lift(running) == seoul.index("gsomia_notice")
    assert seoul.describe(running, 0) == "Seoul suspends its notice to end GSOMIA"
    lifted = seoul.mask(["whitelist_removal", "dokdo_drills", "wto_case"])
    assert seoul.to_lift(lifted) == seoul.index("whitelist_removal")  # the last, as before
    tokyo = gsomia.measures["tokyo"]
    assert tokyo.to_lift(tokyo.mask(["consultations", "export_controls"])) == tokyo.index(
        "export_controls"
    )


@settings(max_examples=50, deadline=None)
@given(
    mask=st.integers(0, 15),
    escalate=st.booleans(),
    measure=st.sampled_from([None, "ruling", "tariff"]),
)
def test_an_outside_event_moves_its_named_measure_or_changes_nothing_and_says_so(
    mask, escalate, measure
):
    # An instructor's event: the next step when it names no measure; a named one exactly that
    # measure, refused when it would change nothing (before, every event took the next step)
    if measure is None:
        step = SMALL.event_step(mask, escalate)
        assert step == (SMALL.next_available(mask) if escalate else SMALL.to_lift(mask))
        return
    k = SMALL.index(measure)
    in_force = bool(mask >> k & 1)
    changes = not in_force if escalate else in_force and SMALL.measures[k].reversible
    if changes:
        assert SMALL.event_step(mask, escalate, measure) == k
    else:
        with pytest.raises(ScenarioError, match="nothing|cannot be lifted"):
            SMALL.event_step(mask, escalate, measure)
