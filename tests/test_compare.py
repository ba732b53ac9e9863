"""`escalation compare`: the case on its span, milestones, paths, the report and the command."""

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from sim.analysis.compare import (
    build_case,
    compare,
    dtw_distance,
    likelihood_report,
    milestone_report,
    path_report,
    write_comparison,
)
from sim.core.errors import ConfigError, EventsFileError, ScenarioError
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import default_config
from sim.figures.comparison import RASTER_CODES, make_raster_data, plot_event_raster

ROOT = Path(__file__).resolve().parents[1]
HEADER = "date,actor,domain,direction,move,description,source"
SEVERAL_YEARS = [
    HEADER,
    "2017-03-08,tokyo,trade,retaliate,announce_export_controls_three_chemicals,Controls.,unverified",
    "2017-06-14,seoul,diplomatic,cooperate,propose_talks,Talks.,unverified",
    "2017-09-12,seoul,trade,retaliate,announce_japan_whitelist_removal,List.,unverified",
    "2018-05-16,washington,security,pressure,press_allies,Pressure.,unverified",
    "2019-02-06,seoul,security,retaliate,announce_gsomia_termination,Notice.,unverified",
    "2019-04-03,seoul,security,cooperate,conditionally_suspend_gsomia_termination,Kept.,unverified",
    "2020-11-18,tokyo,diplomatic,cooperate,offer_talks,Talks.,unverified",
]
SPAN = ["scenario.start=2017-01-02", "scenario.end=2020-12-28"]
INITIAL = ["+scenario.initial_rungs.tokyo=arbitration", "+scenario.initial_rungs.seoul=boycott"]


def write_events(tmp_path, lines, name="events.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def config_for(events, *overrides, replications=200):
    return default_config(
        [
            "run.progress=false",
            f"run.replications={replications}",
            f"events={events}",
            *overrides,
        ],
        "compare",
    )


@pytest.fixture(scope="module")
def several_years(tmp_path_factory):
    folder = tmp_path_factory.mktemp("several_years")
    events = write_events(folder, SEVERAL_YEARS)
    result = compare(config_for(events, *SPAN, *INITIAL))
    write_comparison(result, folder / "out", samples=4)
    return result, folder / "out"


@pytest.mark.slow
def test_several_year_case_with_rungs_in_force_runs_end_to_end(several_years):
    result, folder = several_years
    report = result.report
    assert report["weeks"] == 209  # 2017-01-02 .. week of 2020-12-28
    assert report["initial_rungs"] == {"seoul": "boycott", "tokyo": "arbitration"}
    real = result.case.real
    assert real.rungs["tokyo"][0] == 3 and real.rungs["seoul"][0] == 3
    assert real.rungs["tokyo"][9] == 4  # export controls in the week of 2017-03-06
    assert report["outcome"] == "noticed_then_kept"
    weeks = {m["id"]: m["real_week"] for m in report["milestones"]}
    assert weeks == {
        "tokyo_export_controls": 9,
        "tokyo_whitelist_removal": None,
        "seoul_whitelist_removal": 36,
        "seoul_gsomia_notice": 109,
        "washington_peak_pressure": 71,
        "seoul_gsomia_suspension": 117,
    }
    # the simulated runs start from the same rungs as the real path
    # boycott is irreversible, so Seoul never falls below it; Tokyo moves one rung at most
    assert (result.model.recorder.rung["seoul"] >= 3).all()
    assert set(np.unique(result.model.recorder.rung["tokyo"][0])) <= {2, 3, 4}
    for name in ("comparison.json", "comparison.md", "tension_fan.png", "event_raster.png"):
        assert (folder / name).is_file(), name


def test_report_holds_every_documented_number(several_years):
    report = json.loads((several_years[1] / "comparison.json").read_text())
    for name in ("model", "base_rates", "markov"):
        assert set(report["loglik"][name]["per_actor"]) == {"seoul", "tokyo"}
        total = report["loglik"][name]["total"]
        assert total == pytest.approx(sum(report["loglik"][name]["per_actor"].values()))
        assert total < 0
    assert report["gain_nats_per_actor_week"] == pytest.approx(
        (
            report["loglik"]["model"]["total"]
            - max(report["loglik"]["base_rates"]["total"], report["loglik"]["markov"]["total"])
        )
        / (2 * report["weeks"])
    )
    assert 0 <= report["outcome_probability"] <= 1
    assert set(report["path"]) >= {"rmse", "dtw", "band_coverage"}
    assert 0 <= report["path"]["band_coverage"] <= 1
    for m in report["milestones"]:
        assert m["percentile"] is None or 0 <= m["percentile"] <= 1
        assert 0 <= m["never_share"] <= 1


def test_default_span_is_the_events_files_own(tmp_path):
    events = write_events(tmp_path, SEVERAL_YEARS)
    case = build_case(config_for(events))
    assert case.scenario.start.isoformat() == "2017-03-06"
    assert case.scenario.end.isoformat() == "2020-11-16"
    assert case.left_out == 0
    trimmed = build_case(config_for(events, "scenario.start=2018-01-01"))
    assert trimmed.left_out == 3 and trimmed.scenario.end.isoformat() == "2020-11-16"


def test_2019_sequence_is_compared_from_its_first_to_its_last_week():
    case = build_case(config_for(ROOT / "scenarios/gsomia_2019/events.csv"))
    assert case.scenario.start.isoformat() == "2018-10-29"
    assert case.weeks == 61
    assert case.real.outcome == "noticed_then_kept"


@pytest.mark.parametrize(
    ("lines", "overrides", "error", "fragment"),
    [
        (
            SEVERAL_YEARS,
            ["scenario.start=2022-01-03", "scenario.end=2022-12-26"],
            EventsFileError,
            "outside the compared span",
        ),
        (
            [*SEVERAL_YEARS[:2], "2017-04-05,beijing,trade,retaliate,tariffs,Tariffs.,unverified"],
            [],
            EventsFileError,
            "actor 'beijing' is not valid",
        ),
        (
            [HEADER, "2018-05-16,washington,security,pressure,press_allies,Pressure.,unverified"],
            [],
            EventsFileError,
            "nothing to score",
        ),
        (SEVERAL_YEARS, ["run.weeks=10"], ConfigError, "run.weeks=10 does not apply"),
        (
            SEVERAL_YEARS,
            ["+scenario.initial_rungs.tokyo=embargo"],
            ScenarioError,
            "tokyo has no rung 'embargo'",
        ),
    ],
    ids=["outside-span", "unknown-actor", "no-ally-move", "run-weeks", "unknown-rung"],
)
def test_bad_input_is_a_clear_error(tmp_path, lines, overrides, error, fragment):
    events = write_events(tmp_path, lines)
    with pytest.raises(error, match=fragment):
        build_case(config_for(events, *overrides))


def test_missing_events_file_names_the_path(tmp_path):
    with pytest.raises(EventsFileError, match="no events file at"):
        build_case(config_for(tmp_path / "nowhere.csv"))


# Milestones on hand-made sequences.
def hand_table(**columns):
    n = len(next(iter(columns.values())))
    base = {
        "week_tokyo_export_controls": [None] * n,
        "week_tokyo_whitelist_removal": [None] * n,
        "week_seoul_whitelist_removal": [None] * n,
        "week_seoul_gsomia_notice": [None] * n,
        "withdrawal_week": [None] * n,
        "peak_pressure_week": [0] * n,
        "peak_pressure": [0.0] * n,
    }
    base.update(columns)
    return pd.DataFrame(
        {k: pd.array(v, dtype="Int16") if k != "peak_pressure" else v for k, v in base.items()}
    )


def test_milestone_percentile_counts_earlier_runs_and_half_the_ties():
    scenario = load_scenario("gsomia_2019")
    real = SimpleNamespace(
        milestones={
            "tokyo_export_controls": 20,
            "tokyo_whitelist_removal": None,
            "seoul_whitelist_removal": 5,
            "seoul_gsomia_notice": 40,
            "washington_peak_pressure": 3,
            "seoul_gsomia_suspension": 50,
        }
    )
    table = hand_table(
        week_tokyo_export_controls=[10, 20, 20, 30, None],
        week_tokyo_whitelist_removal=[1, 2, None, None, None],
        week_seoul_whitelist_removal=[6, 7, 8, 9, 10],
        week_seoul_gsomia_notice=[None] * 5,
        withdrawal_week=[50, 50, 50, 50, 60],
        peak_pressure_week=[0, 3, 5, 3, 1],
        peak_pressure=[0.0, 0.5, 0.5, 0.6, 0.0],
    )
    rows = {m["id"]: m for m in milestone_report(scenario, real, table)}
    assert rows["tokyo_export_controls"]["percentile"] == pytest.approx((1 + 2 / 2) / 4)
    assert rows["tokyo_export_controls"]["never_share"] == pytest.approx(0.2)
    assert rows["tokyo_export_controls"]["simulated_median_week"] == 20
    assert rows["tokyo_whitelist_removal"]["percentile"] is None  # never happened for real
    assert rows["tokyo_whitelist_removal"]["never_share"] == pytest.approx(0.6)
    assert rows["seoul_whitelist_removal"]["percentile"] == 0.0  # real came before every run
    assert rows["seoul_gsomia_notice"]["percentile"] is None  # no run reached it
    assert rows["seoul_gsomia_notice"]["never_share"] == 1.0
    assert rows["seoul_gsomia_suspension"]["percentile"] == pytest.approx((0 + 4 / 2) / 5)
    # a run whose pressure never rose above 0 has no peak: 3 of 5 runs count
    assert rows["washington_peak_pressure"]["never_share"] == pytest.approx(0.4)
    assert rows["washington_peak_pressure"]["percentile"] == pytest.approx((0 + 2 / 2) / 3)
    assert rows["seoul_gsomia_notice"]["real_date"] == scenario.week_start(40).isoformat()


def test_milestones_of_a_hand_made_events_file(tmp_path):
    events = write_events(
        tmp_path,
        [
            HEADER,
            "2019-01-09,tokyo,trade,retaliate,announce_export_controls_three_chemicals,C.,unverified",
            "2019-01-23,tokyo,trade,retaliate,cabinet_removes_korea_whitelist,W.,unverified",
            "2019-02-13,seoul,security,retaliate,announce_gsomia_termination,N.,unverified",
            "2019-02-20,washington,security,pressure,press,P.,unverified",
            "2019-03-06,seoul,security,cooperate,conditionally_suspend_gsomia_termination,K.,u",
        ],
    )
    case = build_case(
        config_for(
            events,
            "+scenario.initial_rungs.tokyo=arbitration",
            "+scenario.initial_rungs.seoul=whitelist_removal",
        )
    )
    assert case.scenario.start.isoformat() == "2019-01-07"
    assert case.real.milestones == {
        "tokyo_export_controls": 0,
        "tokyo_whitelist_removal": 2,
        "seoul_whitelist_removal": 0,  # in force from the start
        "seoul_gsomia_notice": 5,
        "washington_peak_pressure": 6,
        "seoul_gsomia_suspension": 8,
    }
    assert case.real.outcome == "noticed_then_kept"


# Paths.
def test_dtw_of_small_series():
    assert dtw_distance([0, 0, 1, 1], [0, 1, 1, 1]) == 0.0  # the same shape, shifted
    assert dtw_distance([0, 1], [1, 0]) == 2.0
    assert dtw_distance([1, 2, 3], [2, 3, 4]) == 2.0  # 1-2, 2-2, 3-3, 3-4


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=15), st.integers(0, 2**31 - 1))
def test_dtw_is_at_most_the_unwarped_distance(series, seed):
    a = np.array(series)
    b = np.random.default_rng(seed).random(len(a))
    assert dtw_distance(a, b) <= np.abs(a - b).sum() + 1e-12
    assert dtw_distance(a, a) == 0.0


def test_path_report_by_hand():
    fan = pd.DataFrame({"q05": [0, 0, 0], "q50": [0, 0.5, 0.5], "q95": [0.1, 0.6, 0.9]})
    report = path_report(np.array([0.0, 0.5, 1.0]), fan)
    assert report["rmse"] == pytest.approx(np.sqrt(0.25 / 3))
    assert report["band_coverage"] == pytest.approx(2 / 3)
    assert report["dtw"] == pytest.approx(0.5)


def test_gain_is_against_the_better_baseline():
    model = np.log(np.full((4, 2), 0.5))
    report = likelihood_report(
        model, {"base_rates": np.log(np.full((4, 2), 0.25)), "markov": np.log(np.full((4, 2), 0.4))}
    )
    assert report["better_baseline"] == "markov"
    assert report["gain_nats_per_actor_week"] == pytest.approx(np.log(0.5) - np.log(0.4))
    assert report["gain_per_actor"]["base_rates"]["seoul"] == pytest.approx(4 * np.log(2))


# The event raster.
def test_raster_puts_the_real_sequence_above_the_sampled_runs():
    scenario = load_scenario("gsomia_2019").with_span("2019-01-07", "2019-01-28")
    real = SimpleNamespace(
        moves={"seoul": np.array([2, 1, 1, 0]), "tokyo": np.array([1, 2, 1, 1])},
        pressure=np.array([0.0, 0.3, 1.0, 0.0]),
        milestones={"seoul_gsomia_notice": 2, "tokyo_export_controls": None},
    )
    moves = {"seoul": np.zeros((4, 5), dtype=int), "tokyo": np.full((4, 5), 2)}
    pressure = np.full((4, 5), 0.6)
    data = make_raster_data(scenario, real, moves, pressure, samples=3)
    assert data.codes.shape == (3 * 4, 4)
    np.testing.assert_array_equal(data.codes[0], [2, 1, 1, 0])
    np.testing.assert_array_equal(data.codes[1], [1, 2, 1, 1])
    assert [RASTER_CODES[c] for c in data.codes[2]] == [
        "no pressure",
        "engage",
        "press",
        "no pressure",
    ]
    np.testing.assert_array_equal(data.codes[3], [0, 0, 0, 0])
    assert [RASTER_CODES[c] for c in data.codes[5]] == ["press"] * 4
    assert data.blocks == ["real", "run 1", "run 2", "run 3"]
    assert data.milestones == [(2, "Seoul: GSOMIA notice")]
    figure = plot_event_raster(data)
    assert isinstance(figure, Figure)


@pytest.mark.slow
def test_compare_command_writes_its_files(tmp_path):
    events = write_events(tmp_path, SEVERAL_YEARS)
    folder = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "compare",
            f"events={events}",
            *SPAN,
            *INITIAL,
            "run.replications=100",
            f"hydra.run.dir={folder}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "log-likelihood of the real moves" in done.stdout
    report = json.loads((folder / "comparison.json").read_text())
    assert report["weeks"] == 209 and report["replications"] == 100
    assert (folder / "event_raster.png").is_file()


@pytest.mark.slow
def test_compare_command_prints_an_error_without_traceback(tmp_path):
    events = write_events(tmp_path, SEVERAL_YEARS)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "compare",
            f"events={events}",
            "scenario.start=2022-01-03",
            "scenario.end=2022-12-26",
            f"hydra.run.dir={tmp_path}/x",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "outside the compared span" in done.stderr
    assert "Traceback" not in done.stderr
