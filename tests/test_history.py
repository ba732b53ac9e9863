"""The real history: events files, the coding protocol, and the real path on the weekly grid.

Every expected value about the real case below was worked out by hand from
scenarios/gsomia_2019/events.csv and scenario.yaml, not copied from a run of the code.
Week arithmetic: week 0 is Monday 2018-10-29; a date's week is (days from 2018-10-29) // 7.
Day counts used below: 2018-10-29 + 63 days = Monday 2018-12-31; 2019-07-01 is day 245
(245 / 7 = 35); 2019-08-22 is day 297 (Monday 2019-08-19 is day 294 = 42 * 7).
"""

import csv
import datetime as dt
import re

import numpy as np
import pytest

from sim.core.errors import EscalationError, EventsFileError
from sim.core.moves import Act
from sim.core.scenario_yaml import known_scenarios, load_scenario
from sim.history import (
    COLUMNS,
    US_PRESSURE,
    Code,
    Event,
    code_events,
    encode,
    load_events,
    real_path,
)

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
    (
        "unsorted rows",
        [HEADER, R2, R1, R3],
        3,
        "its date 2019-07-01 comes before 2019-08-02 of line 2; rows must be sorted by date",
    ),
    (
        "duplicate rows",
        [HEADER, R1, R2, R2.replace("Tokyo removes", "Again"), R3],
        4,
        "duplicates line 3",
    ),
    ("too few fields", [HEADER, R1, R2.rsplit(",", 1)[0], R3], 3, "expected 7 fields, found 6$"),
    (  # the usual cause, a comma in an unquoted description, is said
        "too many fields",
        [HEADER, R1, R2 + ",extra", R3],
        3,
        "expected 7 fields, found 8; a description or source with a comma in it goes in double",
    ),
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


def test_a_line_of_spaces_is_skipped_like_an_empty_line(tmp_path):
    # Lines 3 and 5 hold only spaces or a tab; the bad actor after them is on line 6.
    path = write(tmp_path, [HEADER, R1, "  ", R2, "\t", R3])
    assert [e.line for e in load_events(path)] == [2, 4, 6]
    path = write(tmp_path, [HEADER, R1, "  ", R2, "\t", R3.replace(",seoul,", ",seul,")])
    with pytest.raises(EventsFileError, match=where(path, 6) + ".*actor 'seul'"):
        load_events(path)


def test_error_is_an_escalation_error():
    assert issubclass(EventsFileError, EscalationError)


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "events.csv"
    text = (HEADER + "\n" + R1 + "\n").encode("utf-8")
    path.write_bytes(text + b"\xff\xfe,\n")
    said = f"{path}, line 3: not UTF-8 text (byte {len(text)} of the file)"
    with pytest.raises(EventsFileError, match=re.escape(said)):
        load_events(path)


def test_a_byte_not_utf8_deep_in_a_long_file_is_found_where_it_is(tmp_path):
    # a byte at 12,233 was reported at "byte 4041", one at 18,388 at "byte 0": the decoder's
    # offset counts from the chunk it was reading
    path = tmp_path / "events.csv"
    rows = (HEADER + "\n" + (R1 + "\n") * 200).encode("utf-8")
    cut = rows.index(b"\n", 12_000) + 1
    path.write_bytes(rows[:cut] + b"\xe9" + rows[cut:])
    line = rows[:cut].count(b"\n") + 1
    said = f"{path}, line {line}: not UTF-8 text (byte {cut} of the file)"
    with pytest.raises(EventsFileError, match=re.escape(said)):
        load_events(path)


def test_the_actors_a_row_may_name_are_the_cases(tmp_path):
    path = write(tmp_path, [HEADER, R1])
    with pytest.raises(EventsFileError, match=where(path, 2) + ".*actor 'tokyo'.*seoul, beijing"):
        load_events(path, ("seoul", "beijing", "washington"))


# The coding protocol (sim/history/coding.py), on events made here.


def event(day: str, actor: str, direction: str, move: str) -> Event:
    return Event(dt.date.fromisoformat(day), actor, "diplomatic", direction, move, "-", "-", 0)


def codes(events: list[Event], scenario=SCENARIO) -> list[tuple[str, str]]:
    return [(c.code.value, c.measure) for c in code_events(events, scenario)]


def test_a_measures_event_enacts_it_and_its_lifting_lifts_it():
    events = [
        event("2019-08-22", "seoul", "retaliate", "announce_gsomia_termination"),
        event("2019-11-22", "seoul", "cooperate", "conditionally_suspend_gsomia_termination"),
        event("2019-12-02", "seoul", "retaliate", "deliver_gsomia_termination_notice"),
    ]
    assert codes(events) == [
        ("enact", "gsomia_notice"),
        ("lift", "gsomia_notice"),
        ("enact", "gsomia_notice"),  # lifted, so the notice can be given again
    ]


def test_a_repeated_enactment_is_a_hostile_signal_that_says_why():
    events = [
        event("2018-10-30", "seoul", "pressure", "sc_ruling_nippon_steel"),
        event("2018-11-29", "seoul", "pressure", "sc_ruling_mitsubishi_heavy"),
    ]
    coded = code_events(events, SCENARIO)
    assert [(c.code.value, c.measure) for c in coded] == [
        ("enact", "court_rulings"),
        ("hostile_signal", ""),
    ]
    assert coded[1].note == "court_rulings is already in force: the event reaffirms it"


def test_a_measure_in_force_from_the_start_is_reaffirmed_not_enacted():
    scenario = SCENARIO.with_initial({"seoul": ["court_rulings"]})
    events = [event("2018-10-30", "seoul", "pressure", "sc_ruling_nippon_steel")]
    assert codes(events, scenario) == [("hostile_signal", "")]


def test_lifting_a_measure_not_in_force_is_a_signal_by_its_direction():
    events = [event("2019-11-22", "seoul", "cooperate", "conditionally_suspend_gsomia_termination")]
    coded = code_events(events, SCENARIO)
    assert (coded[0].code, coded[0].measure) == (Code.CONCILIATORY_SIGNAL, "")
    assert coded[0].note == "gsomia_notice is not in force: nothing to lift"


@pytest.mark.parametrize(
    ("direction", "code"),
    [
        ("retaliate", "hostile_signal"),
        ("pressure", "hostile_signal"),
        ("cooperate", "conciliatory_signal"),
        ("neutral", "context"),
    ],
)
def test_other_rows_are_signals_by_direction(direction, code):
    assert codes([event("2019-07-01", "tokyo", direction, "any_statement")]) == [(code, "")]
    # a patron's row is never a measure or a signal: it is one of the patron's moves
    patron = {
        "retaliate": "press",
        "pressure": "press",
        "cooperate": "engage",
        "neutral": "abstain",
    }
    assert codes([event("2019-07-01", "washington", direction, "any_statement")]) == [
        (patron[direction], "")
    ]


def test_a_measures_event_is_an_enactment_whatever_its_direction():
    # the move id decides: an event that brings a measure into force is coded by that
    assert codes([event("2019-07-05", "seoul", "neutral", "consumer_boycott_begins")]) == [
        ("enact", "boycott")
    ]


def patron_rows(counts) -> int:
    """How many rows the patron's three codes count."""
    return counts[Code.PRESS] + counts[Code.ENGAGE] + counts[Code.ABSTAIN]


def test_us_pressure_levels_by_direction():
    assert US_PRESSURE == {"retaliate": 1.0, "pressure": 1.0, "cooperate": 0.3, "neutral": 0.0}


# The real 2019 file.


@pytest.fixture(scope="module")
def real_events():
    return load_events(SCENARIO.events_path)


def test_real_file_loads(real_events):
    assert len(real_events) == 68
    assert all(e.source.strip() for e in real_events)
    assert all(e.description for e in real_events)
    dates = [e.date for e in real_events]
    assert dates == sorted(dates)
    assert dates[0] == dt.date(2018, 10, 30) and dates[-1] == dt.date(2019, 12, 24)
    # every row has a source page; the Bangkok trilateral was `unverified` until 2026-12-06
    assert all(e.source.startswith("http") for e in real_events)


CASES = known_scenarios()  # every shipped case


@pytest.mark.parametrize("case", CASES)
def test_every_measures_event_ids_are_in_its_cases_events_file(case):
    scenario = load_scenario(case)
    moves = {(e.actor, e.move) for e in load_events(scenario.events_path, scenario.actors)}
    for actor, repertoire in scenario.measures.items():
        for measure in repertoire.measures:
            assert measure.events, (actor, measure.id)  # each measure can come into force
            for move in (*measure.events, *measure.lifted_by):
                assert (actor, move) in moves, (actor, measure.id, move)


@pytest.mark.parametrize("case", CASES)
def test_coding_csv_agrees_row_by_row_with_the_protocol(case):
    """Each scenario's coding.csv is the protocol's coding of its events file, with a reason.

    A patron's row is one of its moves (press, engage, abstain), by its direction.
    """
    scenario = load_scenario(case)
    coded = code_events(load_events(scenario.events_path, scenario.actors), scenario)
    with (scenario.folder / "coding.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == ("date", "actor", "move", "code", "measure", "reason")
        rows = list(reader)
    assert len(rows) == len(coded)
    for row, c in zip(rows, coded, strict=True):
        e = c.event
        where_ = f"{case} line {e.line}"
        assert (row["date"], row["actor"], row["move"]) == (e.date.isoformat(), e.actor, e.move)
        if e.actor == scenario.patron:
            assert c.code in (Code.PRESS, Code.ENGAGE, Code.ABSTAIN), where_
        assert (row["code"], row["measure"]) == (c.code.value, c.measure), where_
        assert row["reason"].strip(), where_


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
        ("2019-08-22", 42),  # day 297; Monday 2019-08-19 is day 294 = 42 * 7
        ("2019-08-25", 42),  # day 300, the Sunday of week 42
        ("2019-11-22", 55),  # day 389; Monday 2019-11-18 is day 385 = 55 * 7
        ("2019-12-30", 61),  # day 427 = 61 * 7, the end
        ("2018-10-28", -1),  # the Sunday before the start
    ],
)
def test_week_of(day, week):
    assert SCENARIO.week_of(dt.date.fromisoformat(day)) == week


# Each week's act, worked out by hand from events.csv (week: the side's rows that week):
# Seoul enacts: 0 Nippon Steel ruling (court_rulings); 9 share seizure (asset_seizure, with a
# rebuttal video); 35 boycott; 41 white-list removal (with the Liberation Day offer); 42 GSOMIA
# notice and Dokdo drills (with the formal delivery, a reaffirmation); 45 WTO case.
# Seoul lifts: 55 the notice's suspension (with a neutral WTO round).
# Seoul's hostile signals: 3 foundation dissolved; 4 the Mitsubishi ruling (rulings already in
# force); 12 low-flyby protest; 20 the MHI seizure (already in force); 36 WTO goods council,
# probe proposal; 37 rejects arbitration; 38 WTO council, objections; 39 vows countermeasures.
# Seoul's conciliatory signals: 33 joint fund; 51 Lee meets Abe; 53 Bangkok talk; 60 Chengdu.
# Seoul's context only (nothing): 6 routine drill; 7 radar incident; 46 white list takes effect;
# 49 first WTO consultation.
SEOUL_ACTS = {
    Act.ENACT: {0, 9, 35, 41, 42, 45},
    Act.LIFT: {55},
    Act.HOSTILE_SIGNAL: {3, 4, 12, 20, 36, 37, 38, 39},
    Act.CONCILIATORY_SIGNAL: {33, 51, 53, 60},
}
# Tokyo enacts: 10 consultations; 29 arbitration committee; 35 export controls (with the
# white-list procedure, a signal); 39 white-list removal. No lifting.
# Tokyo's hostile signals: 0 and 4 protests of the rulings; 7 radar disclosure; 8 radar video;
# 9 countermeasure study; 12 ends radar talks; 33 third-country panel (arbitration already in
# force) and rejects the fund; 34 no summit at the G20; 37 Kono summons the ambassador;
# 42 protests the notice; 44 objections. Conciliatory: 40 first photoresist licence;
# 55 export-control talks; 59 policy dialogue, photoresist eased.
TOKYO_ACTS = {
    Act.ENACT: {10, 29, 35, 39},
    Act.LIFT: set(),
    Act.HOSTILE_SIGNAL: {0, 4, 7, 8, 9, 12, 33, 34, 37, 42, 44},
    Act.CONCILIATORY_SIGNAL: {40, 55, 59},
}


def expected_acts(table: dict) -> np.ndarray:
    acts = np.full(SCENARIO.weeks, Act.NOTHING)
    for act, weeks in table.items():
        acts[sorted(weeks)] = act
    return acts


def test_each_weeks_act(gsomia_real):
    np.testing.assert_array_equal(gsomia_real.acts["seoul"], expected_acts(SEOUL_ACTS))
    np.testing.assert_array_equal(gsomia_real.acts["tokyo"], expected_acts(TOKYO_ACTS))
    for side in ("seoul", "tokyo"):
        stances = [Act(int(a)).stance for a in gsomia_real.acts[side]]
        np.testing.assert_array_equal(gsomia_real.moves[side], stances)


def test_the_measures_each_week_changed(gsomia_real):
    seoul, tokyo = SCENARIO.measures["seoul"], SCENARIO.measures["tokyo"]
    enacted = {w: int(m) for w, m in enumerate(gsomia_real.enacted["seoul"]) if m}
    assert enacted == {
        0: seoul.bit("court_rulings"),
        9: seoul.bit("asset_seizure"),
        35: seoul.bit("boycott"),
        41: seoul.bit("whitelist_removal"),
        42: seoul.mask(["gsomia_notice", "dokdo_drills"]),
        45: seoul.bit("wto_case"),
    }
    lifted = {w: int(m) for w, m in enumerate(gsomia_real.lifted["seoul"]) if m}
    assert lifted == {55: seoul.bit("gsomia_notice")}
    assert {w: int(m) for w, m in enumerate(gsomia_real.enacted["tokyo"]) if m} == {
        10: tokyo.bit("consultations"),
        29: tokyo.bit("arbitration"),
        35: tokyo.bit("export_controls"),
        39: tokyo.bit("whitelist_removal"),
    }
    assert not gsomia_real.lifted["tokyo"].any()


def test_measures_in_force_after_each_week(gsomia_real):
    # bits: Seoul rulings 1, seizure 2, boycott 4, WTO 8, drills 16, white list 32, notice 64;
    # Tokyo consultations 1, arbitration 2, export controls 4, white list 8
    seoul = gsomia_real.masks["seoul"]
    assert seoul[[0, 8, 9, 34, 35, 40, 41, 42, 44, 45, 54, 55, 61]].tolist() == [
        1, 1, 3, 3, 7, 7, 39, 119, 119, 127, 127, 63, 63
    ]  # fmt: skip
    tokyo = gsomia_real.masks["tokyo"]
    assert tokyo[[0, 9, 10, 28, 29, 34, 35, 38, 39, 61]].tolist() == [
        0, 0, 1, 1, 3, 3, 7, 7, 15, 15
    ]  # fmt: skip


def test_real_pressure(gsomia_real):
    # Washington's rows by week: 37 Stilwell and Trump offer help (cooperate); 38 Bolton visits
    # (cooperate); 39 standstill urged (pressure) and Bangkok trilateral (cooperate); 42 Pompeo,
    # Pentagon (pressure), State warns (Sunday 08-25); 53 Stilwell presses; 54 Esper and Milley
    # press Moon; 55 Senate resolution (pressure) and a welcome (cooperate).
    expected = np.zeros(SCENARIO.weeks)
    expected[[37, 38]] = 0.3
    expected[[39, 42, 53, 54, 55]] = 1.0
    np.testing.assert_array_equal(gsomia_real.pressure, expected)


def test_real_tension(gsomia_real):
    # Intensities: Tokyo 0.15 + 0.25 + 0.60 + 0.80 = 1.80; Seoul 0.20 + 0.30 + 0.35 + 0.60 +
    # 0.85 + 0.50 + 0.40 = 3.20; total 5.00.
    tension = gsomia_real.tension
    assert tension.shape == (62,)
    assert (np.diff(tension[:55]) >= 0).all()  # nothing is lifted before week 55
    assert tension[0] == pytest.approx(0.20 / 5.0)
    assert tension[42] == pytest.approx((5.0 - 0.40) / 5.0)  # all but the WTO case
    assert tension[45] == pytest.approx(1.0)  # every measure of both sides
    assert tension[55] == pytest.approx((5.0 - 0.85) / 5.0)  # the notice suspended
    assert (tension[55:] == tension[55]).all()
    assert tension.max() <= 1.0


def test_real_outcome_and_milestones(gsomia_real):
    assert gsomia_real.outcome == "noticed_then_kept"
    assert gsomia_real.noticed
    # The notice came into force in week 42 and was suspended in week 55: 12 weeks old at
    # week 54, below lapse_weeks = 13, so it was kept. Peak pressure: the 4-week mean of the
    # pressure above is 0.75 at weeks 55 and 56 (1 + 1 + 1 over 4) and at most 0.5 before,
    # so its first maximum is week 55.
    assert gsomia_real.milestones == {
        "tokyo_export_controls": 35,
        "tokyo_whitelist_removal": 39,
        "seoul_whitelist_removal": 41,
        "seoul_gsomia_notice": 42,
        "washington_peak_pressure": 55,
        "seoul_gsomia_suspension": 55,
    }
    # Seoul's first row enacts the rulings, Tokyo's first protests them: both retaliations.
    assert gsomia_real.first_retaliation == {"seoul": 0, "tokyo": 0}


def test_real_path_keeps_the_coded_rows(gsomia_real):
    assert len(gsomia_real.coded) == 68
    counts = {code: sum(c.code == code for c in gsomia_real.coded) for code in Code}
    # 11 enactments (Seoul 7 measures in 6 weeks, Tokyo 4), 1 lifting, and 12 patron rows:
    # 2 in week 37, 1 in 38, 2 in 39, 3 in 42, 1 in 53, 1 in 54, 2 in 55
    assert counts[Code.ENACT] == 11 and counts[Code.LIFT] == 1 and patron_rows(counts) == 12
    assert sum(counts.values()) == 68


def test_real_path_accepts_an_explicit_events_file(tmp_path):
    path = write(tmp_path, [HEADER, R1])
    path_real = real_path(SCENARIO, path)
    assert path_real.outcome == "never_noticed"
    assert path_real.milestones["tokyo_export_controls"] == 35


def test_a_scenario_without_an_events_file_says_so():
    from dataclasses import replace

    with pytest.raises(EventsFileError, match="names no events file"):
        real_path(replace(SCENARIO, events_path=None))


# A hand-made case on a short span.

SHORT = [
    HEADER,
    # before the span: left out, so arbitration is never in force
    "2019-06-28,tokyo,legal,pressure,request_arbitration_committee,Before.,https://e.org/0",
    "2019-07-01,tokyo,trade,retaliate,announce_export_controls_three_chemicals,C.,https://e.org/1",
    "2019-07-05,seoul,society,retaliate,consumer_boycott_begins,Boycott.,https://e.org/2",
    "2019-07-10,seoul,diplomatic,cooperate,propose_talks,Talks.,https://e.org/3",
    "2019-07-17,washington,diplomatic,cooperate,offer_help,Help.,https://e.org/4",
    "2019-07-19,tokyo,trade,neutral,meeting,Meeting.,https://e.org/5",
    "2019-08-02,tokyo,trade,retaliate,cabinet_removes_korea_whitelist,W.,https://e.org/6",
    # the same week as an enactment, and listed first: the week is still an enactment
    "2019-08-22,seoul,diplomatic,cooperate,offer_dialogue,Offer.,https://e.org/8",
    "2019-08-22,seoul,security,retaliate,announce_gsomia_termination,G.,https://e.org/7",
    "2019-09-01,tokyo,trade,pressure,submit_objections,Last day.,https://e.org/9",
    # after the span of the first test: left out, so the notice is still running at its end
    "2019-09-02,seoul,security,cooperate,conditionally_suspend_gsomia_termination,S.,https://e.org/x",
    "2019-09-03,seoul,diplomatic,retaliate,protest,P.,https://e.org/y",
]


def test_encode_a_hand_made_sequence_on_a_short_span(tmp_path):
    # Span: Monday 2019-07-01 to the week of Saturday 2019-08-31, which snaps to Monday 08-26;
    # 56 days = 8 weeks, so weeks 0..8, and week 8 runs to Sunday 2019-09-01.
    scenario = SCENARIO.with_span("2019-07-01", "2019-08-31")
    assert scenario.weeks == 9
    path = encode(load_events(write(tmp_path, SHORT)), scenario)
    N, HS, CS, E = Act.NOTHING, Act.HOSTILE_SIGNAL, Act.CONCILIATORY_SIGNAL, Act.ENACT
    # Tokyo: 07-01 week 0; 07-19 neutral, week 2; 08-02 week 4; 09-01 week 8 (its Sunday)
    assert path.acts["tokyo"].tolist() == [E, N, N, N, E, N, N, N, HS]
    # Seoul: 07-05 week 0; 07-10 week 1; 08-22 an offer and the notice, week 7
    assert path.acts["seoul"].tolist() == [E, CS, N, N, N, N, N, E, N]
    assert path.pressure.tolist() == [0, 0, 0.3, 0, 0, 0, 0, 0, 0]  # engaged in week 2
    tokyo, seoul = SCENARIO.measures["tokyo"], SCENARIO.measures["seoul"]
    export, white = tokyo.bit("export_controls"), tokyo.bit("whitelist_removal")
    assert path.masks["tokyo"].tolist() == [export] * 4 + [export | white] * 5
    boycott, notice = seoul.bit("boycott"), seoul.bit("gsomia_notice")
    assert path.masks["seoul"].tolist() == [boycott] * 7 + [boycott | notice] * 2
    assert path.tension[0] == pytest.approx((0.60 + 0.35) / 5.0)
    assert path.tension[8] == pytest.approx((0.60 + 0.80 + 0.35 + 0.85) / 5.0)
    assert path.outcome == "pending"  # 1 week old at the end; its suspension is left out
    assert path.noticed
    assert path.milestones == {
        "tokyo_export_controls": 0,
        "tokyo_whitelist_removal": 4,
        "seoul_whitelist_removal": None,
        "seoul_gsomia_notice": 7,
        "washington_peak_pressure": None,  # engaging (0.3) is not pressing
        "seoul_gsomia_suspension": None,
    }
    assert path.first_retaliation == {"seoul": 0, "tokyo": 0}


def test_a_week_that_lifts_and_protests_is_a_lifting(tmp_path):
    # 2019-09-02 (week 9 of a span from 07-01) suspends the notice and 09-03 protests
    path = encode(
        load_events(write(tmp_path, SHORT)), SCENARIO.with_span("2019-07-01", "2019-09-30")
    )
    assert path.acts["seoul"][9] == Act.LIFT
    assert path.lifted["seoul"][9] == SCENARIO.measures["seoul"].bit("gsomia_notice")
    assert path.outcome == "noticed_then_kept"
    assert path.milestones["seoul_gsomia_suspension"] == 9


def test_events_outside_the_span_are_left_out(tmp_path):
    events = load_events(write(tmp_path, SHORT))
    early = encode(events, SCENARIO.with_span("2019-01-07", "2019-03-25"))
    assert not any(a.any() for a in early.acts.values())
    assert not early.pressure.any() and not any(m.any() for m in early.masks.values())
    assert early.outcome == "never_noticed" and not early.noticed
    assert early.first_retaliation == {"seoul": None, "tokyo": None}
    # a span from 2019-09-02 holds the suspension, with nothing to suspend, and a protest
    late = encode(events, SCENARIO.with_span("2019-09-02", "2019-09-30"))
    assert late.acts["seoul"].tolist()[:2] == [Act.HOSTILE_SIGNAL, Act.NOTHING]
    assert late.coded[0].note == "gsomia_notice is not in force: nothing to lift"
    assert late.outcome == "never_noticed"


def test_a_notice_never_withdrawn_lapses(tmp_path):
    # Without its suspension, a notice given in week 42 is 13 weeks old in week 55: terminated.
    path = encode(load_events(write(tmp_path, SHORT[:-2])), SCENARIO)
    assert path.outcome == "terminated"
    assert path.milestones["seoul_gsomia_notice"] == 42
    assert path.milestones["seoul_gsomia_suspension"] is None


def test_initial_measures_are_in_force_from_week_0(tmp_path):
    scenario = SCENARIO.with_span("2019-07-01", "2019-08-31").with_initial(
        {"tokyo": ["consultations", "arbitration"]}
    )
    path = encode(load_events(write(tmp_path, SHORT)), scenario)
    tokyo = SCENARIO.measures["tokyo"]
    assert path.masks["tokyo"][0] == tokyo.mask(["consultations", "arbitration", "export_controls"])
    assert path.tension[0] == pytest.approx((0.15 + 0.25 + 0.60 + 0.35) / 5.0)


def test_the_coding_table_script_checks_a_case_outside_scenarios(tmp_path):
    # it printed the table of a case whose coding.csv lacked a row, and ended a missing
    # coding.csv or a misspelt case in a traceback; test_coding_csv_agrees... covers only the
    # shipped cases
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    case = tmp_path / "thaad_2016"
    shutil.copytree(root / "scenarios" / "thaad_2016", case)

    def script(name: str) -> subprocess.CompletedProcess:
        args = [sys.executable, str(root / "scripts" / "coding_table.py"), name]
        return subprocess.run(args, capture_output=True, text=True, cwd=root)

    done = script(str(case))
    assert done.returncode == 0 and done.stdout.startswith("| date | actor | move | coded as")
    coding = case / "coding.csv"
    lines = coding.read_text(encoding="utf-8").splitlines()
    swapped = [*lines[:5], lines[6], lines[5], *lines[7:]]  # two rows out of order
    coding.write_text("\n".join(swapped) + "\n", encoding="utf-8")
    done = script(str(case))
    assert done.returncode == 2 and not done.stdout
    assert re.fullmatch(
        rf"error: {re.escape(str(coding))}, line 6: [^\n]*; the protocol codes events line 6 "
        r"as [^\n]*\n",
        done.stderr,
    ), done.stderr
    coding.write_text("\n".join(lines[:5] + lines[6:]) + "\n", encoding="utf-8")  # one row out
    assert ": 52 rows for the 53 rows of the events file; keep one row" in script(str(case)).stderr
    short = [*lines[:2], "2016-07-08,seoul", *lines[3:]]  # a row cut short: a traceback
    coding.write_text("\n".join(short) + "\n", encoding="utf-8")
    said = script(str(case)).stderr
    assert said.startswith(f"error: {coding}, line 3: 2016-07-08,seoul,,,;")
    assert said.count("\n") == 1
    coding.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")  # as Excel saves it
    assert script(str(case)).returncode == 0  # its header was "not date,actor,move,..."
    yaml_file = case / "scenario.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("events: events.csv\n", ""))
    said = script(str(case)).stderr  # a traceback: the events file's path was None
    assert said == f"error: {coding}: the case names no events file for it to code\n"
    coding.unlink()
    said = script(str(case)).stderr
    assert said == f"error: {coding}: no coding.csv; write it as scenarios/README.md says\n"
