import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from sim.core.scenario_yaml import load_scenario
from sim.experiment.factory import load_real, read_events
from sim.history.event_ids import event_id_warnings

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "scenarios" / "gsomia_2019"


def test_the_shipped_data_has_no_suspicious_id():
    scenario = load_scenario("gsomia_2019")
    assert event_id_warnings(scenario, read_events(scenario.events_path), "events.csv") == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_real(scenario)


@pytest.fixture
def typo_copy(tmp_path, monkeypatch):
    folder = tmp_path / "gsomia_2019"
    shutil.copytree(SHIPPED, folder)
    monkeypatch.setenv("ESCALATION_SCENARIOS", str(tmp_path))
    return folder


def test_a_typo_in_the_suspension_flips_the_real_outcome_and_is_reported(typo_copy):
    events = typo_copy / "events.csv"
    right = "conditionally_suspend_gsomia_termination"
    events.write_text(events.read_text().replace(right, "conditionaly_suspend_gsomia_termination"))
    scenario = load_scenario("gsomia_2019")
    with pytest.warns(UserWarning) as caught:
        real = load_real(scenario)
    assert real.outcome == "terminated"  # what the typo does to the real 2019 outcome
    messages = [str(w.message) for w in caught]
    assert any(f"no event has the move id '{right}'" in m for m in messages)
    assert any(
        "'conditionaly_suspend_gsomia_termination' is named by no measure; did you mean "
        f"'{right}' (seoul measure gsomia_notice)?" in m
        for m in messages
    )


def test_a_measure_id_the_file_never_uses_is_reported(typo_copy):
    yaml_file = typo_copy / "scenario.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("[file_wto_complaint]", "[file_wto_case]"))
    scenario = load_scenario("gsomia_2019")
    messages = event_id_warnings(scenario, read_events(scenario.events_path), "events.csv")
    assert messages == [
        "events.csv: no event has the move id 'file_wto_case' that seoul measure wto_case lists "
        "in scenario 'gsomia_2019'; check the id for a typo"
    ]


def test_the_ids_a_part_of_the_sequence_lacks_are_one_message(typo_copy):
    events = typo_copy / "events.csv"
    header, *rows = events.read_text().splitlines()
    # Seoul's rows alone: no id that Tokyo's measures list is used any more.
    kept = [row for row in rows if row.split(",")[1] != "tokyo"]
    events.write_text("\n".join([header, *kept]) + "\n")
    scenario = load_scenario("gsomia_2019")
    tokyo = [
        move
        for measure in scenario.measures["tokyo"].measures
        for move in (*measure.events, *measure.lifted_by)
    ]
    (message,) = event_id_warnings(scenario, read_events(scenario.events_path), "events.csv")
    assert message.startswith(f"events.csv: no event has any of the {len(tokyo)} move ids")
    assert all(f"'{move}' (tokyo measure " in message for move in tokyo)
    assert "seoul measure" not in message and "\n" not in message


def test_the_run_command_prints_the_warning_on_one_line(typo_copy, tmp_path):
    events = typo_copy / "events.csv"
    events.write_text(events.read_text().replace("file_wto_complaint", "file_wto_complaimt"))
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", "run.replications=20", f"hydra.run.dir={tmp_path}/r"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"ESCALATION_SCENARIOS": str(typo_copy.parent), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warned) == 2, "each warning once, though the data is checked before and in the job"
    assert (
        "'file_wto_complaimt' is named by no measure; did you mean 'file_wto_complaint'"
        in (warned[1])
    )
    assert "Traceback" not in done.stderr and "UserWarning" not in done.stderr


def test_compare_and_calibrate_report_the_typo_too(typo_copy):
    from sim.analysis.case import load_case_events

    events = typo_copy / "events.csv"
    events.write_text(events.read_text().replace("file_wto_complaint", "file_wto_complaimt"))
    with pytest.warns(UserWarning) as caught:
        case = load_case_events("gsomia_2019")
    messages = [str(w.message) for w in caught]
    assert any("'file_wto_complaimt' is named by no measure" in m for m in messages)
    assert any("no event has the move id 'file_wto_complaint'" in m for m in messages)
    assert case.real.outcome == "noticed_then_kept"


def test_events_outside_the_declared_span_are_reported_not_dropped_silently(typo_copy):
    events = typo_copy / "events.csv"
    lines = events.read_text().splitlines()
    late = "2025-03-03,seoul,diplomatic,pressure,late_row,A late row.,https://example.org"
    events.write_text("\n".join([*lines, late, late.replace("2025", "2026")]) + "\n")
    scenario = load_scenario("gsomia_2019")
    with pytest.warns(UserWarning) as caught:
        load_real(scenario)
    assert [str(w.message) for w in caught] == [
        f"{events}, line {len(lines) + 1}: 2 event(s) dated outside the span of scenario.yaml "
        "(2018-10-29 to 2019-12-30), the first 2025-03-03, are ignored; widen start or end "
        "there, or remove them"
    ]
    with warnings.catch_warnings():  # a span narrowed on the command line leaves out by design
        warnings.simplefilter("error")  # (with what was in force by then given)
        events.write_text("\n".join(lines) + "\n")
        later = scenario.with_span("2019-06-03", None).with_initial(
            {"seoul": ["court_rulings", "asset_seizure"], "tokyo": ["consultations", "arbitration"]}
        )
        load_real(later)


def test_the_shipped_cases_have_no_suspicious_id():
    for name in (
        "thaad_2016",
        "senkaku_2010",
        "australia_2020",
        "scarborough_2012",
        "lithuania_2021",
    ):
        scenario = load_scenario(name)
        events = read_events(scenario.events_path, scenario.actors)
        assert event_id_warnings(scenario, events, "events.csv") == [], name
        with warnings.catch_warnings():  # nor an event outside its span
            warnings.simplefilter("error")
            load_real(scenario)


def test_an_id_close_to_one_the_file_uses_is_another_move_not_a_typo(typo_copy):
    events = typo_copy / "events.csv"
    header, *rows = events.read_text().splitlines()
    last = rows[-1].split(",")
    twin = ",".join([last[0], "seoul", "legal", "retaliate", "file_wto_complaints", *last[5:]])
    events.write_text("\n".join([header, *rows, twin]) + "\n")
    scenario = load_scenario("gsomia_2019")
    assert event_id_warnings(scenario, read_events(scenario.events_path), "events.csv") == []
