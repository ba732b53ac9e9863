"""The scenario loader (`sim.core.scenario_yaml`): bad scenario.yaml files end in one line.

Each case edits a private copy of the shipped 2019 scenario and checks that loading it raises a
`ScenarioError` whose single line names the file, the place and what is wrong.
"""

import shutil
from pathlib import Path

import pytest

from sim.core.errors import ScenarioError
from sim.core.scenario import PatronAlarm
from sim.core.scenario_yaml import known_scenarios, load_scenario
from sim.reports.labels import policy_name

ROOT = Path(__file__).resolve().parents[1]
CASES = tuple(known_scenarios())  # every shipped case (test_calibrate checks the six are there)


@pytest.fixture
def copy(tmp_path):
    """A private copy of the 2019 scenario folder that a test may edit."""
    folder = tmp_path / "gsomia_2019"
    shutil.copytree(ROOT / "scenarios" / "gsomia_2019", folder)
    return folder


def edit(folder: Path, old: str, new: str) -> Path:
    path = folder / "scenario.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} is not in the shipped file"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def refused(folder: Path) -> str:
    """Load the folder; return the one-line message of the `ScenarioError` it must raise."""
    with pytest.raises(ScenarioError) as problem:
        load_scenario(str(folder))
    message = str(problem.value)
    assert "\n" not in message
    assert message.startswith(str(folder / "scenario.yaml")), message
    return message


@pytest.mark.parametrize("case", CASES)
def test_the_shipped_scenarios_load(case):
    scenario = load_scenario(case)
    for repertoire in scenario.measures.values():
        for measure in repertoire.measures:
            assert isinstance(measure.reversible, bool)
            assert measure.reversible or not measure.lifted_by


def test_the_patron_presses_both_sides_unless_the_case_names_its_target(copy):
    assert load_scenario("gsomia_2019").pressed == ("seoul", "tokyo")
    for case in set(CASES) - {"gsomia_2019"}:  # Washington backed its ally against Beijing
        scenario = load_scenario(case)
        assert scenario.pressed == ("beijing",), case
        assert not scenario.feels_pressure(scenario.sides[0])
    edit(copy, "patron_presses: [seoul, tokyo]", "patron_presses: tokyo")
    assert load_scenario(str(copy)).pressed == ("tokyo",)
    edit(copy, "patron_presses: tokyo", "")
    default = load_scenario(str(copy))
    assert default.pressed == ("seoul", "tokyo") and default.feels_pressure("seoul")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("[washington]", "patron_presses names washington, not a side (choose from seoul, tokyo)"),
        ("[seoul, beijing]", "patron_presses names beijing, not a side"),
        ("[]", "patron_presses must name one or both sides, got []"),
        ("{seoul: 1}", "patron_presses must name one or both sides"),
        ("[seoul, seoul]", "patron_presses names seoul more than once; name each side once"),
    ],
)
def test_a_patron_target_that_is_not_a_side_is_refused(copy, value, fragment):
    edit(copy, "patron_presses: [seoul, tokyo]", f"patron_presses: {value}")
    assert fragment in refused(copy)


def test_a_security_measure_of_either_side_alarms_the_patron_unless_the_case_says(copy):
    assert load_scenario("gsomia_2019").alarm == PatronAlarm(("security",), ())
    assert load_scenario("lithuania_2021").alarm == PatronAlarm(
        ("diplomatic", "trade"), ("beijing",)
    )
    # the settings form words it as the file lists it (it read "trade or diplomatic")
    lithuania = load_scenario("lithuania_2021").alarm
    assert policy_name("reactive", lithuania) == (
        "presses once a diplomatic or trade measure of Beijing's lasts"
    )
    assert policy_name("reactive") == "presses once a security measure lasts"
    edit(copy, "patron_presses: [seoul, tokyo]", "patron_alarm: {domains: [trade]}")
    assert load_scenario(str(copy)).alarm == PatronAlarm(("trade",), ())
    edit(copy, "patron_alarm: {domains: [trade]}", "patron_alarm: {sides: tokyo}")
    assert load_scenario(str(copy)).alarm == PatronAlarm(("security",), ("tokyo",))


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{domains: [military]}", "patron_alarm.domains names military, not a domain (choose from"),
        ("{domains: []}", "patron_alarm.domains must list one or more of legal, trade"),
        ("{sides: [beijing]}", "patron_alarm.sides names beijing, not a side"),
        ("[security]", "patron_alarm must be a mapping of domains, sides, got ['security']"),
        ("{domain: [trade]}", "patron_alarm has an unknown key 'domain' (did you mean 'domains'?)"),
    ],
)
def test_a_patron_alarm_that_names_no_domain_or_side_is_refused(copy, value, fragment):
    edit(copy, "patron_presses: [seoul, tokyo]", f"patron_alarm: {value}")
    assert fragment in refused(copy)


def test_reversible_reads_yaml_booleans(gsomia):
    seoul = {m.id: m.reversible for m in gsomia.measures["seoul"].measures}
    assert seoul["court_rulings"] is False and seoul["gsomia_notice"] is True


@pytest.mark.parametrize("value", ['"false"', "'no'", "0", "null"])
def test_reversible_that_is_not_a_yaml_boolean_is_refused(copy, value):
    edit(copy, "reversible: false", f"reversible: {value}")
    message = refused(copy)
    assert "measures.seoul: measure 'court_rulings': reversible is " in message
    assert message.endswith("write true or false (without quotes)")


def test_the_reserved_measure_id_none_is_refused(copy):
    edit(copy, "id: wto_case", "id: none")
    message = refused(copy)
    assert "measures.seoul: measure 'none': the id 'none' is reserved" in message


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        pytest.param(
            "start: 2018-10-29",
            "strat: 2018-10-29",
            "scenario.yaml: the top level has an unknown key 'strat' (did you mean 'start'?); "
            "allowed keys: name, title, start, end, events, sides, patron, patron_presses, "
            "patron_alarm, outcome, milestones, measures, initial_measures",
            id="top level",
        ),
        pytest.param(
            "  label: GSOMIA",
            "  lable: GSOMIA",
            "scenario.yaml: outcome has an unknown key 'lable' (did you mean 'label'?); "
            "allowed keys: actor, measure, lapse_weeks, label",
            id="outcome",
        ),
        pytest.param(
            "lifted_by: [conditionally",
            "lifted_bye: [conditionally",
            "measures.seoul: measure 'gsomia_notice' has an unknown key 'lifted_bye' (did you "
            "mean 'lifted_by'?); allowed keys: id, name, domain, intensity, reversible, undo, "
            "events, lifted_by",
            id="measure",
        ),
        pytest.param(
            "kind: peak_pressure, actor: washington}",
            "kind: peak_pressure, actor: washington, week: 55}",
            "milestone 'washington_peak_pressure' has an unknown key 'week'; allowed keys: id, "
            "label, kind, actor, measure",
            id="milestone",
        ),
        pytest.param(
            "    gesture: Tokyo offers",
            "    gestures: Tokyo offers",
            "measures.tokyo has an unknown key 'gestures' (did you mean 'gesture'?); allowed "
            "keys: list, gesture, signal",
            id="side",
        ),
    ],
)
def test_an_unknown_key_is_refused_with_its_place_and_the_allowed_keys(copy, old, new, fragment):
    edit(copy, old, new)
    message = refused(copy)
    assert fragment in message
    assert "__init__" not in message


def test_a_milestone_without_a_required_key_names_it(copy):
    edit(copy, 'label: "Washington: peak pressure", ', "")
    message = refused(copy)
    assert "milestone 'washington_peak_pressure' lacks the key 'label'" in message


def test_end_before_start_is_refused(copy):
    edit(copy, "end: 2019-12-30", "end: 2018-10-01")
    assert refused(copy).endswith("scenario.yaml: end 2018-10-01 is before start 2018-10-29")


def test_an_irreversible_measure_with_lifting_events_is_refused(copy):
    edit(
        copy,
        "events: [consumer_boycott_begins]",
        "events: [consumer_boycott_begins]\n        lifted_by: [boycott_fades]",
    )
    message = refused(copy)
    assert (
        "measures.seoul: measure 'boycott' is not reversible but lists lifted_by "
        "['boycott_fades']; a measure its side cannot lift has no lifting events"
    ) in message


def test_a_key_given_twice_is_refused_with_both_lines(copy):
    edit(copy, "patron: washington\n", "patron: washington\npatron: beijing\n")
    message = refused(copy)
    lines = (copy / "scenario.yaml").read_text(encoding="utf-8").splitlines()
    first = lines.index("patron: washington") + 1
    assert message.endswith(
        f"line {first + 1}: the key 'patron' is given twice (also on line {first}); keep one"
    )


def test_a_key_given_twice_in_a_measure_is_refused(copy):
    edit(copy, "        intensity: 0.60\n", "        intensity: 0.60\n        intensity: 0.9\n")
    assert "the key 'intensity' is given twice" in refused(copy)


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("start: 2018-10-29", "start: 2018-11-31", "start: '2018-11-31' is not a date in YYYY-MM"),
        (
            "start: 2018-10-29",
            "start: 2018-10-29 10:00:00",
            "start: '2018-10-29 10:00:00' is not a date in YYYY-MM-DD form",
        ),
        (
            "events: events.csv",
            "events: [events.csv]",
            "events: ['events.csv'] must be one file name, such as events.csv",
        ),
        (
            "intensity: 0.60",
            "intensity: high",
            "measures.tokyo: measure 'export_controls': intensity 'high' is not a number",
        ),
        (
            "sides: [seoul, tokyo]",
            "sides: [seoul, tokio]",
            "measures must be given for exactly seoul, tokio, not tokyo, seoul (sides names "
            "'tokio', measures 'tokyo': is one a typo?)",
        ),
        (
            "sides: [seoul, tokyo]",
            "sides: [seoul, tokyo]\ninitial_measures: {tokyo: [embargo]}",
            "initial_measures: tokyo has no measure 'embargo'",
        ),
        (
            "sides: [seoul, tokyo]",
            "sides: [seoul, tokyo]\ninitial_measures: [consultations]",
            "initial_measures must map each side to a measure id or a list of them",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(copy, old, new, said):
    edit(copy, old, new)
    message = refused(copy)
    assert said in message
    assert "could not" not in message and "datetime" not in message


def test_initial_measures_in_the_file_are_in_force_at_week_0(copy):
    edit(
        copy,
        "sides: [seoul, tokyo]",
        "sides: [seoul, tokyo]\ninitial_measures: {tokyo: consultations}",
    )
    scenario = load_scenario(str(copy))
    assert scenario.measures["tokyo"].ids_in_force(scenario.initial["tokyo"]) == ["consultations"]


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (
            "events: [announce_export_controls_three_chemicals]",
            "events: announce_export_controls_three_chemicals",
            "measure 'export_controls': events is 'announce_export_controls_three_chemicals'; "
            "write a list of move ids, such as [announce_export_controls_three_chemicals]",
        ),
        (
            "lifted_by: [conditionally_suspend_gsomia_termination]",
            "lifted_by: conditionally_suspend_gsomia_termination",
            "measure 'gsomia_notice': lifted_by is 'conditionally_suspend_gsomia_termination'",
        ),
    ],
)
def test_move_ids_given_as_a_string_are_refused(copy, old, new, said):
    edit(copy, old, new)
    assert said in refused(copy)


def test_a_move_that_both_enacts_and_lifts_a_measure_is_refused(copy):
    edit(
        copy,
        "lifted_by: [conditionally_suspend_gsomia_termination]",
        "lifted_by: [conditionally_suspend_gsomia_termination, announce_gsomia_termination]",
    )
    assert refused(copy).endswith(
        "measures.seoul: measure 'gsomia_notice' lists announce_gsomia_termination in both "
        "events and lifted_by; a move either enacts the measure or lifts it"
    )


def test_a_milestone_id_given_twice_is_refused(copy):
    edit(copy, "{id: tokyo_whitelist_removal,", "{id: tokyo_export_controls,")
    assert refused(copy).endswith(
        "milestones repeat the id tokyo_export_controls; give each milestone its own id"
    )


def test_a_milestone_label_given_twice_is_refused(copy):
    # reports and figures name milestones by label: two alike could not be told apart
    edit(copy, 'label: "Tokyo: white-list removal"', 'label: "Tokyo: export controls"')
    assert refused(copy).endswith(
        "milestones repeat the label 'Tokyo: export controls'; reports name a milestone by "
        "its label, so give each its own"
    )


def test_a_move_id_named_by_two_measures_is_refused(copy):
    # the coding gives an event to the first measure that names it: the second never changed
    edit(
        copy,
        "events: [court_approves_nippon_steel_share_seizure,",
        "events: [sc_ruling_mitsubishi_heavy,",
    )
    assert refused(copy).endswith(
        "seoul: the move id 'sc_ruling_mitsubishi_heavy' is named by measures 'court_rulings' "
        "and 'asset_seizure'; an event changes one measure, so name it under one"
    )


def test_a_name_other_than_the_folders_is_refused(tmp_path):
    folder = tmp_path / "turkey_2015"
    shutil.copytree(ROOT / "scenarios" / "gsomia_2019", folder)  # name: gsomia_2019 left in
    assert refused(folder).endswith(
        "name 'gsomia_2019' must be the folder's name, 'turkey_2015'; change it or leave it out"
    )


def test_without_a_name_the_case_is_called_after_its_folder(copy, monkeypatch):
    edit(copy, "name: gsomia_2019", "")
    monkeypatch.chdir(copy)
    assert load_scenario("./").name == "gsomia_2019"  # a folder given as "./" has a name too
    assert load_scenario(str(copy) + "/").name == "gsomia_2019"


def test_measures_listed_out_of_their_escalation_order_are_warned_of(copy):
    # the list is the side's escalation order; one out of order changed 2019's fit until
    # 2026-12-06, and a new case's list out of order loaded without a word
    assert not out_of_order_warnings(copy)  # the shipped lists are in order
    edit(copy, "intensity: 0.15", "intensity: 0.35")  # consultations above arbitration's 0.25
    said = out_of_order_warnings(copy)
    assert said == [
        f"{copy / 'scenario.yaml'}: measures.tokyo are not listed from mildest to harshest "
        "(consultations 0.35 before arbitration 0.25); the list is the side's escalation order"
    ]


def out_of_order_warnings(folder: Path) -> list[str]:
    """What a run says of the order, which compare and calibrate must say too (they did not)."""
    import warnings

    from sim.analysis.case import load_case_events
    from sim.experiment.factory import load_real

    said = []
    for load in (
        lambda: load_real(load_scenario(str(folder))),
        lambda: load_case_events(str(folder)),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            load()
        said.append([str(w.message) for w in caught if "mildest" in str(w.message)])
    assert said[0] == said[1], said
    return said[0]
