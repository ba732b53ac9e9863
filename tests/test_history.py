"""The events file: validation, the real sequence on the weekly grid, and the notice outcome.

Every expected value about the real case below was worked out by hand from
scenarios/gsomia_2019/events.csv and scenario.yaml, not copied from a run of the code.
Week arithmetic: week 0 is Monday 2018-10-29; a date's week is (days from 2018-10-29) // 7.
Day counts used below: 2018-10-29 + 63 days = Monday 2018-12-31; 2019-07-01 is day 245
(245 / 7 = 35); 2019-08-22 is day 297 (Monday 2019-08-19 is day 294 = 42 * 7).
"""

import datetime as dt
import re

import numpy as np
import pytest

from sim.core.errors import EventsFileError
from sim.core.metrics import OUTCOMES, NoticeTracker
from sim.core.moves import Move
from sim.core.scenario_yaml import load_scenario
from sim.history import COLUMNS, US_PRESSURE, encode, load_events, real_path

SCENARIO = load_scenario("gsomia_2019")
HEADER = ",".join(COLUMNS)
ROWS = [
    "2019-07-01,tokyo,trade,retaliate,announce_export_controls_three_chemicals,"
    "Tokyo tightens export controls.,https://example.org/a",
    "2019-08-02,tokyo,trade,retaliate,cabinet_removes_korea_whitelist,"
    "Tokyo removes Korea from its white list.,https://example.org/b",
    "2019-08-22,seoul,security,retaliate,announce_gsomia_termination,"
    "Seoul gives notice on GSOMIA.,https://example.org/c ; https://example.org/d",
]
R1, R2, R3 = ROWS


def write(tmp_path, lines, name="events.csv"):
    path = tmp_path / name
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def where(path, line):
    """The start of a message naming ``path`` and ``line``, as a regular expression."""
    return re.escape(f"{path}, line {line}:")


# ----------------------------------------------------------------------------- validation

# (case, file lines, line at fault, a fragment of the message). The header is line 1.
BAD_FILES = [
    ("unknown actor", [HEADER, R1, R2.replace(",tokyo,", ",tokio,")], 3, "actor 'tokio'"),
    ("bad date", [HEADER, R1, R2.replace("2019-08-02", "2019-02-30")], 3, "date '2019-02-30'"),
    ("bad date text", [HEADER, R1, R2.replace("2019-08-02", "2 Aug 2019")], 3, "date"),
    ("unknown direction", [HEADER, R1, R2.replace(",retaliate,", ",escalate,")], 3, "direction"),
    ("unknown domain", [HEADER, R1, R2.replace(",trade,", ",economy,")], 3, "domain 'economy'"),
    ("move id upper case", [HEADER, R1, R2.replace(",cabinet_", ",Cabinet_")], 3, "move"),
    ("move id with space", [HEADER, R1, R2.replace(",cabinet_", ",cabinet ")], 3, "move"),
    (
        "empty move id",
        [HEADER, R1, R2.replace(",cabinet_removes_korea_whitelist,", ",,")],
        3,
        "move",
    ),
    ("empty source", [HEADER, R1, R2.replace(",https://example.org/b", ",")], 3, "source"),
    ("blank source", [HEADER, R1, R2.replace(",https://example.org/b", ",   ")], 3, "source"),
    ("wrong header", [HEADER.replace("move", "event"), R1], 1, "the header is"),
    ("missing column", [HEADER.replace(",description", ""), R1], 1, "the header is"),
    ("headerless file", [R1, R2], 1, "the header is"),
    ("unsorted rows", [HEADER, R2, R1, R3], 3, "rows must be sorted by date"),
    (
        "duplicate rows",
        [HEADER, R1, R2, R2.replace("Tokyo removes", "Again"), R3],
        4,
        "duplicates line 3",
    ),
    ("too few fields", [HEADER, R1, R2.rsplit(",", 1)[0], R3], 3, "expected 7 fields"),
    ("too many fields", [HEADER, R1, R2 + ",extra", R3], 3, "expected 7 fields"),
    ("empty file", [], 1, r"the header is \(empty\)"),
]


@pytest.mark.parametrize(
    ("lines", "line", "fragment"),
    [pytest.param(lines, line, fragment, id=case) for case, lines, line, fragment in BAD_FILES],
)
def test_bad_events_file_names_file_and_line(tmp_path, lines, line, fragment):
    path = write(tmp_path, lines)
    with pytest.raises(EventsFileError, match=where(path, line) + ".*" + fragment):
        load_events(path)


def test_error_after_a_multiline_description_names_the_right_line(tmp_path):
    # The quoted description spans lines 3-4, so the bad actor on the next row is on line 5.
    multiline = R2.replace("Tokyo removes Korea", '"Tokyo removes\nKorea').replace(
        "white list.,", 'white list.",'
    )
    path = write(tmp_path, [HEADER, R1, multiline, R3.replace(",seoul,", ",pyongyang,")])
    with pytest.raises(EventsFileError, match=where(path, 5) + ".*actor 'pyongyang'"):
        load_events(path)


@pytest.mark.parametrize("date", ["20190802", "2019-W31-5"])
def test_dates_other_than_yyyy_mm_dd_are_rejected(tmp_path, date):
    path = write(tmp_path, [HEADER, R1, R2.replace("2019-08-02", date)])
    with pytest.raises(EventsFileError, match=where(path, 3) + ".*date"):
        load_events(path)


def test_missing_file_names_the_path(tmp_path):
    # A missing file has no line to name: the message names the path.
    path = tmp_path / "nowhere.csv"
    with pytest.raises(EventsFileError, match="no events file at " + re.escape(str(path))):
        load_events(path)


def test_header_only_file_names_the_path(tmp_path):
    path = write(tmp_path, [HEADER])
    with pytest.raises(EventsFileError, match=re.escape(f"{path}: no events")):
        load_events(path)


def test_valid_file_loads_with_line_numbers(tmp_path):
    # Blank lines are skipped but still counted, and a row may share a date with the one before.
    path = write(tmp_path, [HEADER, R1, "", R2, R3.replace("2019-08-22", "2019-08-02")])
    events = load_events(path)
    assert [e.line for e in events] == [2, 4, 5]
    assert [e.date for e in events] == [
        dt.date(2019, 7, 1),
        dt.date(2019, 8, 2),
        dt.date(2019, 8, 2),
    ]
    assert events[2].source == "https://example.org/c ; https://example.org/d"
    assert events[0].description == "Tokyo tightens export controls."


def test_error_is_an_escalation_error():
    from sim.core.errors import EscalationError

    assert issubclass(EventsFileError, EscalationError)


# ----------------------------------------------------------------------------- the real file


@pytest.fixture(scope="module")
def real_events():
    return load_events(SCENARIO.events_path)


@pytest.fixture(scope="module")
def real():
    return real_path(SCENARIO)


def test_real_file_loads(real_events):
    assert len(real_events) == 68
    assert all(e.source.strip() for e in real_events)
    assert all(e.description for e in real_events)
    dates = [e.date for e in real_events]
    assert dates == sorted(dates)
    assert dates[0] == dt.date(2018, 10, 30) and dates[-1] == dt.date(2019, 12, 24)
    # Only the 2019-08-02 Bangkok trilateral lacks a confirming page (see the reference README).
    unverified = [(e.date, e.move) for e in real_events if e.source == "unverified"]
    assert unverified == [(dt.date(2019, 8, 2), "pompeo_trilateral_bangkok")]


def test_every_ladder_event_id_is_in_the_real_file(real_events):
    moves = {(e.actor, e.move) for e in real_events}
    for actor, ladder in SCENARIO.ladders.items():
        for rung in ladder.rungs:
            for move in (*rung.events, *rung.undone_by):
                assert (actor, move) in moves, (actor, rung.id, move)


# ----------------------------------------------------------------------------- the weekly grid


def test_grid_span():
    # 2018-10-29 to 2019-12-30 is 427 days = 61 weeks, so weeks 0..61: 62 weeks.
    assert SCENARIO.start == dt.date(2018, 10, 29)
    assert SCENARIO.weeks == 62


@pytest.mark.parametrize(
    ("day", "week"),
    [
        ("2018-10-29", 0),  # the start, a Monday
        ("2018-11-04", 0),  # the Sunday of week 0
        ("2018-11-05", 1),  # the next Monday
        ("2019-01-06", 9),  # day 69, a Sunday: days 63..69 are week 9
        ("2019-07-01", 35),  # day 245 = 35 * 7, a Monday
        ("2019-08-02", 39),  # day 277; Monday 2019-07-29 is day 273 = 39 * 7
        ("2019-08-12", 41),  # day 287 = 41 * 7
        ("2019-08-22", 42),  # day 297; Monday 2019-08-19 is day 294 = 42 * 7
        ("2019-08-25", 42),  # day 300, the Sunday of week 42
        ("2019-11-15", 54),  # day 382; Monday 2019-11-11 is day 378 = 54 * 7
        ("2019-11-22", 55),  # day 389; Monday 2019-11-18 is day 385 = 55 * 7
        ("2019-12-30", 61),  # day 427 = 61 * 7, the end
        ("2018-10-28", -1),  # the Sunday before the start
    ],
)
def test_week_of(day, week):
    assert SCENARIO.week_of(dt.date.fromisoformat(day)) == week


# Worked out by hand, event by event (week: the rows of that week for the actor):
# Seoul: 0 Nippon Steel ruling; 3 foundation dissolved; 4 Mitsubishi ruling; 9 share seizure,
# rebuttal video; 12 low-flyby protest; 20 MHI seizure; 35 boycott; 36 WTO goods council,
# international probe; 37 rejects arbitration; 38 WTO General Council, objections; 39 Moon vows
# countermeasures; 41 white-list removal (+ Liberation Day offer, cooperate); 42 GSOMIA notice,
# delivery, Dokdo drills; 45 WTO complaint -- all retaliate or pressure, so retaliate.
# Cooperate only: 33 joint fund proposal; 51 Lee meets Abe; 53 Bangkok talk; 55 GSOMIA notice
# suspended (with a neutral WTO consultation); 60 Chengdu summit.
# Neutral only (hold): 6 routine Dokdo drill; 7 radar lock-on; 46 white list takes effect;
# 49 first WTO consultation.
SEOUL_RETALIATE = {0, 3, 4, 9, 12, 20, 35, 36, 37, 38, 39, 41, 42, 45}
SEOUL_COOPERATE = {33, 51, 53, 55, 60}
# Tokyo: 0 protest; 4 protest; 7 radar disclosure; 8 radar video (+ neutral teleconference);
# 9 Abe orders countermeasures (Sunday 2019-01-06); 10 consultations; 12 ends radar talks;
# 29 arbitration committee; 33 third-country panel, rejects joint fund; 34 no summit at G20;
# 35 export controls, white-list procedure (+ neutral entry into force); 37 Kono summons the
# ambassador; 39 white-list removal; 42 protests the GSOMIA decision; 44 objections filed.
# Cooperate only: 40 first photoresist licence; 55 export-control talks resume; 59 DG dialogue,
# photoresist eased. Neutral only (hold): 36 Tokyo meeting; 43 white list takes effect;
# 46 accepts WTO consultations.
TOKYO_RETALIATE = {0, 4, 7, 8, 9, 10, 12, 29, 33, 34, 35, 37, 39, 42, 44}
TOKYO_COOPERATE = {40, 55, 59}


def expected_moves(retaliate, cooperate):
    moves = np.full(SCENARIO.weeks, Move.HOLD)
    moves[sorted(retaliate)] = Move.RETALIATE
    moves[sorted(cooperate)] = Move.COOPERATE
    return moves


def test_real_moves_week_by_week(real):
    np.testing.assert_array_equal(
        real.moves["seoul"], expected_moves(SEOUL_RETALIATE, SEOUL_COOPERATE)
    )
    np.testing.assert_array_equal(
        real.moves["tokyo"], expected_moves(TOKYO_RETALIATE, TOKYO_COOPERATE)
    )


@pytest.mark.parametrize(
    ("actor", "week", "move"),
    [
        ("seoul", 42, Move.RETALIATE),  # GSOMIA notice, 2019-08-22
        ("tokyo", 35, Move.RETALIATE),  # export controls, 2019-07-01
        ("seoul", 33, Move.COOPERATE),  # only the joint fund proposal
        ("tokyo", 40, Move.COOPERATE),  # only the first photoresist licence
        ("seoul", 41, Move.RETALIATE),  # white-list removal and a Liberation Day offer
        ("seoul", 55, Move.COOPERATE),  # a neutral WTO round and the suspension
        ("tokyo", 36, Move.HOLD),  # only a neutral meeting
        ("seoul", 7, Move.HOLD),  # only the disputed radar incident (neutral)
        ("tokyo", 43, Move.HOLD),  # only the white list taking effect
        ("seoul", 1, Move.HOLD),  # no event at all
    ],
)
def test_real_move_in_a_week(real, actor, week, move):
    assert real.moves[actor][week] == move


def test_real_pressure(real):
    assert US_PRESSURE == {"retaliate": 1.0, "pressure": 1.0, "cooperate": 0.3, "neutral": 0.0}
    # Washington's rows by week: 37 Stilwell and Trump offer help (cooperate); 38 Bolton visits
    # (cooperate); 39 standstill urged (pressure) and Bangkok trilateral (cooperate); 42 Pompeo,
    # Pentagon (pressure), State warns (Sunday 08-25); 53 Stilwell presses (pressure);
    # 54 Esper and Milley press Moon; 55 Senate resolution (pressure) and welcome (cooperate).
    expected = np.zeros(SCENARIO.weeks)
    expected[[37, 38]] = 0.3
    expected[[39, 42, 53, 54, 55]] = 1.0
    np.testing.assert_array_equal(real.pressure, expected)
    assert real.pressure[SCENARIO.week_of(dt.date(2019, 11, 15))] == 1.0
    assert real.pressure[SCENARIO.week_of(dt.date(2019, 7, 23))] == 0.3


def test_real_outcome_and_milestones(real):
    assert real.outcome == "noticed_then_kept"
    assert real.noticed
    # The notice came into force in week 42 and was suspended in week 55, after 13 weeks: the
    # notice was 12 weeks old at week 54, below lapse_weeks = 13, so it was kept.
    # Peak pressure: the 4-week trailing sum of the pressure above is 3.0 at weeks 55 and 56
    # (1 + 1 + 1) and at most 2.0 before, so its first maximum is week 55.
    assert real.milestones == {
        "tokyo_export_controls": 35,
        "tokyo_whitelist_removal": 39,
        "seoul_whitelist_removal": 41,
        "seoul_gsomia_notice": 42,
        "washington_peak_pressure": 55,
        "seoul_gsomia_suspension": 55,
    }
    # Both allies' first rows (2018-10-30) are pressure: the ruling and Tokyo's protest.
    assert real.first_retaliation == {"seoul": 0, "tokyo": 0}


def test_real_rungs_in_force(real):
    # Tokyo: protest 0, consultations 10, arbitration 29, export controls 35, white list 39.
    # Seoul: rulings 0, seizure 9, boycott 35, white list 41, GSOMIA notice and drills 42,
    # WTO case 45; the notice is out of force from week 55.
    tokyo, seoul = real.in_force["tokyo"], real.in_force["seoul"]
    assert tokyo.shape == (62, 5) and seoul.shape == (62, 7)
    for column, week in enumerate([0, 10, 29, 35, 39]):
        assert not tokyo[:week, column].any() and tokyo[week:, column].all(), column
    for column, week in enumerate([0, 9, 35, 41, 42, 42, 45]):
        if column == 4:
            assert not seoul[:42, 4].any() and seoul[42:55, 4].all() and not seoul[55:, 4].any()
        else:
            assert not seoul[:week, column].any() and seoul[week:, column].all(), column
    assert real.rungs["tokyo"][[0, 9, 10, 29, 35, 38, 39, 61]].tolist() == [1, 1, 2, 3, 4, 4, 5, 5]
    # Seoul's top rung: 1 at week 0, 2 from 9, 3 from 35, 4 at 41, 6 at 42 (notice + drills),
    # 7 from 45 and still 7 after the notice is withdrawn (the WTO case stays).
    assert real.rungs["seoul"][[0, 9, 35, 41, 42, 45, 55, 61]].tolist() == [1, 2, 3, 4, 6, 7, 7, 7]


def test_real_tension(real):
    # Intensities: Tokyo 0.10 + 0.15 + 0.25 + 0.60 + 0.80 = 1.90; Seoul 0.20 + 0.30 + 0.35 +
    # 0.60 + 0.85 + 0.50 + 0.40 = 3.20; total 5.10.
    tension = real.tension
    assert tension.shape == (62,)
    # A share of the total intensity: in [0, 1] up to rounding (see the strict test below).
    assert ((tension >= 0) & (tension <= 1 + 1e-12)).all()
    assert (np.diff(tension[:55]) >= 0).all()  # nothing is undone before week 55
    assert tension[0] == pytest.approx((0.10 + 0.20) / 5.10)
    assert tension[42] == pytest.approx((1.90 + 3.20 - 0.40) / 5.10)  # all but the WTO case
    assert tension[45] == pytest.approx(1.0)  # every rung of both ladders
    assert tension[55] == pytest.approx((5.10 - 0.85) / 5.10)  # the notice suspended
    assert (tension[55:] == tension[55]).all()
    assert tension.argmax() == 45


def test_real_tension_never_exceeds_one(real):
    assert real.tension.max() <= 1.0


def test_real_path_accepts_an_explicit_events_file(tmp_path):
    path = write(tmp_path, [HEADER, R1])
    path_real = real_path(SCENARIO, path)
    assert path_real.outcome == "never_noticed"
    assert path_real.milestones["tokyo_export_controls"] == 35


# ----------------------------------------------------------------------------- a hand-made case

SHORT = [
    HEADER,
    # before the span: left out, so the arbitration rung is never in force
    "2019-06-28,tokyo,legal,pressure,request_arbitration_committee,Before.,https://e.org/0",
    "2019-07-01,tokyo,trade,retaliate,announce_export_controls_three_chemicals,C.,https://e.org/1",
    "2019-07-05,seoul,society,retaliate,consumer_boycott_begins,Boycott.,https://e.org/2",
    "2019-07-10,seoul,diplomatic,cooperate,propose_talks,Talks.,https://e.org/3",
    "2019-07-17,washington,diplomatic,cooperate,offer_help,Help.,https://e.org/4",
    "2019-07-19,tokyo,trade,neutral,meeting,Meeting.,https://e.org/5",
    "2019-08-02,tokyo,trade,retaliate,cabinet_removes_korea_whitelist,W.,https://e.org/6",
    # the same week as a retaliation, and listed first: the week is still retaliate
    "2019-08-22,seoul,diplomatic,cooperate,offer_dialogue,Offer.,https://e.org/8",
    "2019-08-22,seoul,security,retaliate,announce_gsomia_termination,G.,https://e.org/7",
    "2019-09-01,tokyo,trade,pressure,submit_objections,Last day.,https://e.org/9",
    # after the span: left out, so the notice is still running at the end
    "2019-09-02,seoul,security,cooperate,conditionally_suspend_gsomia_termination,S.,https://e.org/x",
]


def test_encode_a_hand_made_sequence_on_a_short_span(tmp_path):
    # Span: Monday 2019-07-01 to the week of Saturday 2019-08-31, which snaps to Monday 08-26;
    # 56 days = 8 weeks, so weeks 0..8, and week 8 runs to Sunday 2019-09-01.
    scenario = SCENARIO.with_span("2019-07-01", "2019-08-31")
    assert scenario.weeks == 9
    events = load_events(write(tmp_path, SHORT))
    path = encode(events, scenario)
    H, R, C = Move.HOLD, Move.RETALIATE, Move.COOPERATE
    # Tokyo: 07-01 week 0; 07-19 neutral, week 2; 08-02 week 4 (Monday 07-29 is day 28);
    # 09-01 week 8 (its Sunday).
    assert path.moves["tokyo"].tolist() == [R, H, H, H, R, H, H, H, R]
    # Seoul: 07-05 week 0; 07-10 week 1; 08-22 retaliate and cooperate, week 7 (day 52).
    assert path.moves["seoul"].tolist() == [R, C, H, H, H, H, H, R, H]
    # Washington only engaged, in week 2.
    assert path.pressure.tolist() == [0, 0, 0.3, 0, 0, 0, 0, 0, 0]
    tokyo, seoul = path.in_force["tokyo"], path.in_force["seoul"]
    assert not tokyo[:, :3].any()  # protest, consultations, arbitration: never in this span
    assert tokyo[:, 3].all() and tokyo[4:, 4].all() and not tokyo[:4, 4].any()
    assert seoul[:, 2].all() and seoul[7:, 4].all() and not seoul[:7, 4].any()
    assert path.rungs["tokyo"].tolist() == [4, 4, 4, 4, 5, 5, 5, 5, 5]
    assert path.rungs["seoul"].tolist() == [3, 3, 3, 3, 3, 3, 3, 5, 5]
    assert path.tension[0] == pytest.approx((0.60 + 0.35) / 5.10)
    assert path.tension[8] == pytest.approx((0.60 + 0.80 + 0.35 + 0.85) / 5.10)
    assert path.outcome == "pending"  # 1 week old at the end, and its suspension is left out
    assert path.noticed
    assert path.milestones == {
        "tokyo_export_controls": 0,
        "tokyo_whitelist_removal": 4,
        "seoul_whitelist_removal": None,
        "seoul_gsomia_notice": 7,
        "washington_peak_pressure": 2,  # 0.3 / 4 from week 2 to 5; first at week 2
        "seoul_gsomia_suspension": None,
    }
    assert path.first_retaliation == {"seoul": 0, "tokyo": 0}


def test_events_outside_the_span_are_left_out(tmp_path):
    events = load_events(write(tmp_path, SHORT))
    # A span that holds none of the events: everything stays at hold and nothing is in force.
    early = encode(events, SCENARIO.with_span("2019-01-07", "2019-03-25"))
    assert (early.moves["seoul"] == Move.HOLD).all() and (early.moves["tokyo"] == Move.HOLD).all()
    assert not early.pressure.any()
    assert not any(v.any() for v in early.in_force.values())
    assert early.outcome == "never_noticed" and not early.noticed
    assert early.milestones["washington_peak_pressure"] is None
    assert early.first_retaliation == {"seoul": None, "tokyo": None}
    # A span from 2019-09-02 holds only the last row, the suspension, with nothing to suspend.
    late = encode(events, SCENARIO.with_span("2019-09-02", "2019-09-30"))
    assert late.moves["seoul"].tolist() == [
        Move.COOPERATE,
        Move.HOLD,
        Move.HOLD,
        Move.HOLD,
        Move.HOLD,
    ]
    assert late.outcome == "never_noticed"
    assert late.milestones["seoul_gsomia_suspension"] is None


def test_notice_withdrawn_within_the_span(tmp_path):
    # Notice 2019-08-22 (week 7 of a span from 07-01), suspension 2019-09-02 (week 9).
    events = load_events(write(tmp_path, SHORT))
    path = encode(events, SCENARIO.with_span("2019-07-01", "2019-09-30"))
    assert path.outcome == "noticed_then_kept"
    assert path.milestones["seoul_gsomia_notice"] == 7
    assert path.milestones["seoul_gsomia_suspension"] == 9
    assert path.in_force["seoul"][7:9, 4].all() and not path.in_force["seoul"][9:, 4].any()


def test_notice_never_withdrawn_lapses(tmp_path):
    # Without its suspension, a notice given in week 42 is 13 weeks old in week 55: terminated.
    path = encode(load_events(write(tmp_path, SHORT[:-1])), SCENARIO)
    assert path.outcome == "terminated"
    assert path.milestones["seoul_gsomia_notice"] == 42
    assert path.milestones["seoul_gsomia_suspension"] is None


def test_initial_rungs_are_in_force_from_week_0(tmp_path):
    scenario = SCENARIO.with_span("2019-07-01", "2019-08-31").with_initial_rungs(
        {"tokyo": "arbitration"}
    )
    path = encode(load_events(write(tmp_path, SHORT)), scenario)
    assert path.in_force["tokyo"][:, :4].all()  # protest..arbitration, then export controls
    assert path.rungs["tokyo"][0] == 4


# ----------------------------------------------------------------------------- NoticeTracker


def track(sequence, lapse_weeks):
    """Feed one replication's on-notice weeks ("." off, "N" on) to a fresh tracker."""
    tracker = NoticeTracker(1, lapse_weeks)
    for week, mark in enumerate(sequence):
        tracker.update(week, np.array([mark == "N"]))
    return (
        OUTCOMES[tracker.outcome_codes()[0]],
        int(tracker.notice_week[0]),
        int(tracker.withdrawal_week[0]),
        int(tracker.termination_week[0]),
    )


@pytest.mark.parametrize(
    ("sequence", "lapse", "expected"),
    [
        pytest.param("........", 3, ("never_noticed", -1, -1, -1), id="never noticed"),
        # on at 2 and 3, off at 4: withdrawn at 4, before the lapse at 2 + 3 = 5
        pytest.param("..NN....", 3, ("noticed_then_kept", 2, 4, -1), id="withdrawn"),
        # on at 0..2 (ages 0, 1, 2), off at 3: one week short of the lapse, kept
        pytest.param("NNN.....", 3, ("noticed_then_kept", 0, 3, -1), id="withdrawn at the last"),
        # on from 1: ages 0, 1, 2, 3 at weeks 1..4, so it lapses at week 4 = 1 + 3
        pytest.param(".NNNN...", 3, ("terminated", 1, -1, 4), id="lapses"),
        # terminated for good: stepping down later withdraws nothing, a new notice changes nothing
        pytest.param(".NNNN.NN", 3, ("terminated", 1, -1, 4), id="terminated is final"),
        # on from 5: ages 0, 1, 2 at weeks 5..7, still running when the run ends
        pytest.param(".....NNN", 3, ("pending", 5, -1, -1), id="pending"),
        pytest.param(".......N", 3, ("pending", 7, -1, -1), id="noticed in the last week"),
        # on at 1, off at 2 (kept), on again at 3 and held: ages 0..3 at weeks 3..6, lapses at 6;
        # the first notice and the first withdrawal weeks are kept
        pytest.param(".N.NNNNN", 3, ("terminated", 1, 2, 6), id="re-notice lapses"),
        pytest.param(".N..NN..", 3, ("noticed_then_kept", 1, 2, -1), id="re-notice withdrawn"),
        pytest.param(".N..NNN", 3, ("pending", 1, 2, -1), id="re-notice pending"),
        # the real case's rule: 13 weeks; notice at 42, withdrawn at 55
        pytest.param(
            "." * 42 + "N" * 13 + "." * 7, 13, ("noticed_then_kept", 42, 55, -1), id="gsomia"
        ),
        pytest.param(
            "." * 42 + "N" * 14 + "." * 6, 13, ("terminated", 42, -1, 55), id="gsomia held"
        ),
    ],
)
def test_notice_tracker(sequence, lapse, expected):
    assert track(sequence, lapse) == expected


def test_notice_tracker_runs_replications_independently():
    tracker = NoticeTracker(3, 2)
    on = np.array(
        [
            [False, True, True],  # week 0
            [False, False, True],  # week 1
            [False, False, True],  # week 2: replication 2 is 2 weeks old, lapses
        ]
    )
    for week, row in enumerate(on):
        tracker.update(week, row)
    assert [OUTCOMES[c] for c in tracker.outcome_codes()] == [
        "never_noticed",
        "noticed_then_kept",
        "terminated",
    ]
    assert tracker.notice_week.tolist() == [-1, 0, 0]
    assert tracker.withdrawal_week.tolist() == [-1, 1, -1]
    assert tracker.termination_week.tolist() == [-1, -1, 2]
