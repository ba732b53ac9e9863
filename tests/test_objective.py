"""run.objective: a run returns one number, so Hydra's optimising sweepers (Optuna) work."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from one_line import refused

from sim.core.errors import ConfigError
from sim.core.metrics import wilson_interval
from sim.experiment.objective import objective_value, parse_objective
from sim.experiment.threshold import answer_line, find_threshold, render_threshold

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = {
    "replications": 1000,
    "us_pressure": 0.55,
    "simulated": {
        "outcome_shares": {
            "never_noticed": 0.5,
            "noticed_then_kept": 0.36,
            "terminated": 0.06,
            "pending": 0.08,
        },
        "median_peak_tension": 0.65,
        "outcome_shares_settled": {
            "never_noticed": 0.5,
            "noticed_then_kept": 0.41,
            "terminated": 0.09,
            "pending": 0.0,
        },
    },
    "real": {"outcome": "noticed_then_kept"},
}


def run(*args, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("p_terminated", 0.06),
        ("p_never_noticed", 0.5),
        ("p_real", 0.36),
        ("p_settled_terminated", 0.09),
        ("p_settled_noticed_then_kept", 0.41),
        ("peak_tension", 0.65),
        # the settled P(terminated), 90/1000 (0.06 before the pending runs were followed)
        ("least_pressure:0.12", 0.55),  # Wilson upper bound of 90/1000 is 0.1094 < 0.12
        ("least_pressure:0.10", 1.0 + float(wilson_interval(90, 1000)[1]) - 0.10),
    ],
)
def test_objective_values_come_from_the_summary(name, value):
    assert objective_value(name, SUMMARY) == pytest.approx(value)


@pytest.mark.parametrize("name", ["p_bogus", "least_pressure", "least_pressure:2", "tension"])
def test_unknown_objectives_are_refused_with_the_key(name):
    with pytest.raises(ConfigError, match="run.objective"):
        parse_objective(name)


def test_a_settled_share_needs_runs_followed_past_the_end():
    assert parse_objective("p_settled_terminated") == ("p_settled_terminated", None)
    with pytest.raises(ConfigError, match="run.follow=true"):
        parse_objective("p_settled_terminated", follow=False)
    with pytest.raises(ConfigError, match="run.objective"):
        parse_objective("p_settled_pending")
    unfollowed = {**SUMMARY, "simulated": {**SUMMARY["simulated"], "outcome_shares_settled": None}}
    with pytest.raises(ConfigError, match="not followed"):
        objective_value("p_settled_terminated", unfollowed)
    with pytest.raises(ConfigError, match="run.follow=true"):
        parse_objective("least_pressure:0.5", follow=False)
    with pytest.raises(ConfigError, match="not followed"):
        objective_value("least_pressure:0.5", unfollowed)


def test_threshold_brackets_the_least_pressure():
    trials = pd.DataFrame(
        {
            "pressure": [0.1, 0.3, 0.5, 0.7, 0.9],
            "replications": 1000,
            "p_terminated": [0.30, 0.18, 0.10, 0.06, 0.04],
            "lo": [0.27, 0.16, 0.085, 0.047, 0.03],
            "hi": [0.33, 0.20, 0.12, 0.077, 0.055],
        }
    )
    result = find_threshold(trials, 0.10)
    assert (result.above, result.meets) == (0.3, 0.7)
    assert result.estimate == pytest.approx(0.5)


def trials_of(p_terminated, half_width=0.03):
    return pd.DataFrame(
        {
            "pressure": np.linspace(0.2, 0.8, len(p_terminated)),
            "replications": 200,
            "p_terminated": p_terminated,
            "lo": np.subtract(p_terminated, half_width),
            "hi": np.add(p_terminated, half_width),
        }
    )


@pytest.mark.parametrize(
    ("p_terminated", "why"),
    [
        # every estimate under the cap: the least pressure tried is an upper end, not a crossing
        ([0.545, 0.525, 0.485], "is at or below 0.200, the least tried"),
        ([0.70, 0.65, 0.60], "is above 0.800, the greatest tried, if any pressure meets it"),
        ([0.50, 0.60], "never fall through the cap as pressure rises"),
    ],
)
def test_without_a_crossing_there_is_no_estimate_and_the_report_says_why(p_terminated, why):
    result = find_threshold(trials_of(p_terminated), 0.55)
    assert result.estimate is None and why in result.no_estimate
    assert answer_line(result).endswith(why) and "estimate not found" in answer_line(result)
    text = render_threshold(result, "escalation run -m")
    assert "**not found** (" in text and why in text


def test_the_bracket_says_in_words_when_it_has_no_lower_end():
    # It read "above not found (every pressure up to it has P(terminated) over the cap at 95%)"
    result = find_threshold(trials_of([0.545, 0.525, 0.485], half_width=0.07), 0.55)
    assert result.above is None and result.meets is None
    bracket = next(line for line in render_threshold(result, "c").splitlines() if "Bracket" in line)
    assert bracket.startswith(
        "- Bracket: no lower end: no trial's 95% interval lies wholly over the cap and no upper end"
    )
    crossing = find_threshold(trials_of([0.60, 0.50]), 0.55)
    assert crossing.estimate == pytest.approx(0.5) and crossing.no_estimate == ""


def test_a_bad_objective_stops_the_run_in_one_line(tmp_path, capsys):
    line = refused(
        capsys, "run", "run.objective=p_bogus", f"hydra.run.dir={tmp_path}", "run.replications=10"
    )
    assert line.startswith("error: run.objective='p_bogus'")
    assert not (tmp_path / "summary.json").exists()


def test_a_settled_objective_without_following_stops_before_simulating(tmp_path, capsys):
    line = refused(
        capsys,
        "run",
        "run.objective=p_settled_terminated",
        "run.follow=false",
        f"hydra.run.dir={tmp_path}",
        "run.replications=10",
    )
    assert line.startswith("error: run.objective=p_settled_terminated needs runs followed")
    assert not (tmp_path / "summary.json").exists()


@pytest.mark.slow
def test_optuna_finds_the_least_pressure_with_its_bracket(tmp_path):
    done = run(
        "run",
        "-m",
        "+experiment=least_pressure",
        "run.objective=least_pressure:0.60",
        "hydra.sweeper.n_trials=6",
        "run.replications=1500",
        f"hydra.sweep.dir={tmp_path}",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "\x1b[" not in done.stderr  # Optuna's log lines coloured a pipe with escape codes
    best = yaml.safe_load((tmp_path / "optimization_results.yaml").read_text())
    assert 0.0 <= best["best_value"] <= 1.0  # a trial met the cap: the value is its pressure
    threshold = json.loads((tmp_path / "threshold.json").read_text())
    assert threshold["meets"] == pytest.approx(best["best_value"])
    trials = pd.DataFrame(threshold["trials"])
    assert len(trials) == 6 and (trials["lo"] <= trials["p_terminated"]).all()
    met = trials[trials["pressure"] == threshold["meets"]].iloc[0]
    assert met["hi"] < 0.60
    assert (tmp_path / "threshold.png").is_file() and (tmp_path / "sweep.parquet").is_file()


@pytest.mark.parametrize(
    ("swept", "keys"),
    [
        (["us.pressure=interval(0,1)"], ["us.pressure"]),  # the ad hoc search of docs/sweeps.md
        (["+experiment=least_pressure"], ["us.pressure"]),  # the preset's, in sweeper.params
        (  # a rule searched: its column was "strategy", all None
            ["us.pressure=interval(0,1)", "strategy@seoul=choice(tit_for_tat,grim_trigger)"],
            ["us.pressure", "strategy@seoul"],
        ),
        (["++us.pressure=interval(0,1)"], ["us.pressure"]),  # its column was "++us.pressure"
    ],
)
def test_an_optuna_search_tabulates_the_keys_it_searches(tmp_path, swept, keys):
    # a key given on the command line had no column in sweep.parquet and no curve: only the
    # preset's keys, under hydra.sweeper.params, were read
    from sim.experiment.launch import prepare_sweep

    optuna = ["hydra/sweeper=optuna"] if "us." in swept[0] else []
    launch = prepare_sweep(
        [*optuna, *swept, "run.objective=p_terminated", f"hydra.sweep.dir={tmp_path}"]
    )
    try:
        assert launch.search is not None and launch.search.keys == keys
    finally:
        launch.release()
