"""`escalation calibrate`: parameters and bounds, recovery, determinism, presets, the 2019 fit."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.analysis.calibrate import (
    DROP_95,
    Objective,
    calibrate,
    fit,
    fittable_keys,
    preset_files,
    profile,
    resolve_parameters,
    with_values,
    write_presets,
)
from sim.analysis.compare import baseline_log_probabilities, build_case
from sim.analysis.likelihood import TeacherForcing, summarize
from sim.core.errors import ConfigError
from sim.core.folders import CONF_DIR
from sim.core.model import EscalationModel
from sim.experiment.config import default_config
from sim.experiment.factory import build_model, build_scenario
from sim.history import RealPath

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def calibrate_default():
    return default_config(["run.progress=false"], "calibrate")


@pytest.mark.parametrize(
    ("entries", "fragment"),
    [
        (["seoul.rationalty"], "'seoul.rationalty' is not a parameter of this configuration"),
        (["payoffs.audience.beijing"], "is not a parameter of this configuration"),
        (["us.pressure"], "us.* does not enter the likelihood"),
        (["run.seed"], "run.* sets how the job runs"),
        (["seoul.memory"], "seoul.memory=4 is an integer"),
        (["payoffs.name"], "is not a real number"),
        (["seoul.initial"], "has no allowed range in the config schema"),
        (["seoul.rationality:2:5"], "start value seoul.rationality=1.0 lies outside its bounds"),
        (["seoul.activity:0:2"], "go beyond the allowed range"),
        (["seoul.activity:0.5:0.1"], "needs LOW < HIGH"),
        (["seoul.activity:0.1"], "is not KEY or KEY:LOW:HIGH"),
        (["seoul.activity", "seoul.activity"], "more than once"),
        ([], "params is empty"),
    ],
)
def test_bad_parameters_and_bounds_are_clear_errors(calibrate_default, entries, fragment):
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        resolve_parameters(calibrate_default, entries)


def test_bounds_come_from_the_schema_and_narrow_inline(calibrate_default):
    a, b, c = resolve_parameters(
        calibrate_default, ["seoul.rationality", "tokyo.noise:0.01:0.5", "payoffs.audience.tokyo"]
    )
    assert (a.low, a.high, a.start, a.owners) == (0.0, 100.0, 1.0, ("seoul",))
    assert (b.low, b.high, b.start, b.owners, b.post_hoc) == (0.01, 0.5, 0.02, ("tokyo",), True)
    assert c.owners == ("tokyo",) and not c.post_hoc
    (shared,) = resolve_parameters(calibrate_default, ["payoffs.cooperation_reward"])
    assert shared.owners == ("seoul", "tokyo")
    assert "payoffs.domains.security" in fittable_keys(calibrate_default)
    changed = with_values(calibrate_default, {"payoffs.domains.trade": 0.9, "tokyo.noise": 0.1})
    assert changed.payoffs.domains.trade == 0.9 and changed.tokyo.noise == 0.1
    assert calibrate_default.payoffs.domains.trade == 0.6  # the original is untouched


@pytest.mark.parametrize(
    ("cutoff", "fragment"),
    [("2021-01-01", "falls outside the compared span"), ("2018-10-30", "leaves no weeks")],
)
def test_a_cutoff_outside_the_span_is_a_clear_error(cutoff, fragment):
    config = default_config(
        ["run.progress=false", f"calibrate.cutoff={cutoff}", "params=[seoul.activity]"],
        "calibrate",
    )
    with pytest.raises(ConfigError, match=fragment):
        calibrate(config)


def simulated_path(model: EscalationModel) -> RealPath:
    """A single simulated run as a 'real' path to calibrate on (only what forcing reads)."""
    rec = model.recorder
    return RealPath(
        moves={a: rec.move[a][:, 0].copy() for a in ("seoul", "tokyo")},
        pressure=rec.pressure[:, 0].copy(),
        in_force={},
        rungs={a: rec.rung[a][:, 0].copy() for a in ("seoul", "tokyo")},
        tension=rec.tension[:, 0].copy(),
        outcome="",
        milestones={},
        first_retaliation={},
        noticed=False,
    )


@pytest.mark.slow
def test_known_parameters_are_recovered_from_a_simulated_sequence():
    """Simulate 418 weeks with known logit rationality and activity, then fit from defaults.

    Tolerance, for this fixed seed: activities within 0.05, rationalities within 25% of the
    truth, and every true value inside its 95% profile-likelihood interval.
    """
    truth = {
        "seoul.rationality": 2.0,
        "tokyo.rationality": 0.5,
        "seoul.activity": 0.5,
        "tokyo.activity": 0.3,
    }
    config = default_config(["run.progress=false", *(f"{k}={v}" for k, v in truth.items())])
    scenario = build_scenario(config.scenario).with_span("2018-10-29", "2026-10-26")
    model = build_model(config, scenario, replications=1, weeks=None, rng=7).run()
    start = default_config(["run.progress=false"])  # rationality 1, activity 0.25
    parameters = resolve_parameters(start, list(truth))
    objective = Objective(start, parameters, TeacherForcing(scenario, simulated_path(model)))
    theta, result = fit(objective, starts=1, seed=1)
    estimates = dict(zip(truth, theta, strict=True))
    for key, value in truth.items():
        tolerance = 0.05 if "activity" in key else 0.25 * value
        assert abs(estimates[key] - value) < tolerance, (key, estimates[key])
    for i, key in enumerate(truth):
        interval, _ = profile(objective, theta, i, result)
        assert interval["lower"] < truth[key] < interval["upper"], (key, interval)
        assert max(interval["drops"]) >= DROP_95 - 0.05


SMALL = [
    "run.progress=false",
    "run.replications=50",
    "params=[seoul.activity,tokyo.activity,seoul.rationality]",
    "calibrate.intervals=false",
    "calibrate.starts=2",
]


@pytest.mark.slow
def test_the_fit_is_deterministic_and_reproduces_its_preset():
    config = default_config(SMALL, "calibrate")
    first, second = calibrate(config, "2026-01-01"), calibrate(config, "2026-01-01")
    assert first.report["estimates"] == second.report["estimates"]
    assert first.report["loglik"] == second.report["loglik"]
    assert first.report["holdout"] == second.report["holdout"]
    texts = [preset_files(r.config, r.report, "x", "escalation calibrate") for r in (first, second)]
    assert texts[0] == texts[1]


def test_presets_compose_into_the_fitted_configuration(tmp_path):
    config = default_config(SMALL, "calibrate")
    result = calibrate(config, "2026-01-01")
    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf)
    write_presets(result.config, result.report, "fit_test", "escalation calibrate", conf)
    from hydra import compose, initialize_config_dir

    from sim.experiment.config import register, to_config

    register()
    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
        full = to_config(compose("config", ["+experiment=fit_test"]))
        payoffs_only = to_config(compose("config", ["payoffs=fit_test"]))
    for key, estimate in ((e["key"], e["estimate"]) for e in result.report["estimates"]):
        value = full
        for part in key.split("."):
            value = getattr(value, part)
        assert value == pytest.approx(estimate, rel=1e-5), key
    assert full.seoul.rule == full.tokyo.rule == "q_learning"
    assert payoffs_only.payoffs.name == "fit_test"
    assert payoffs_only.seoul.rule == "quantal_response"  # only the payoff part


def committed_fit():
    """The committed 2019 calibration, as a compare config, and the log-likelihood it logs."""
    text = (CONF_DIR / "experiment" / "calibrated_2019.yaml").read_text()
    logged = float(re.search(r"log-likelihood: (-?[\d.]+)", text).group(1))
    config = default_config(["run.progress=false", "+experiment=calibrated_2019"], "compare")
    return config, logged, yaml.safe_load(text)


def test_calibrated_2019_beats_both_baselines_per_its_log():
    config, logged, _ = committed_fit()
    case = build_case(config)
    model = summarize(TeacherForcing(case.scenario, case.real).log_probabilities(config))
    baselines = {k: summarize(v) for k, v in baseline_log_probabilities(case.real).items()}
    assert model["total"] == pytest.approx(logged, abs=2e-3)
    assert model["total"] > baselines["markov"]["total"] > baselines["base_rates"]["total"]


@pytest.mark.slow
def test_rerunning_the_default_calibration_reproduces_the_committed_preset():
    # Intervals only matter if a profile finds a better optimum, which restarts the fit; the
    # committed fit had none (restarts_from_profiles: 0), so the fit alone must reproduce it.
    _, _, committed = committed_fit()
    config = default_config(
        ["run.progress=false", "calibrate.intervals=false", "calibrate.cutoff=null"],
        "calibrate",
    )
    result = calibrate(config, "2026-01-01")
    for e in result.report["estimates"]:
        group, name = e["key"].rsplit(".", 1)
        if group in ("seoul", "tokyo"):
            expected = committed[group][name]
        else:
            payoffs = yaml.safe_load((CONF_DIR / "payoffs" / "calibrated_2019.yaml").read_text())
            expected = payoffs[group.split(".")[1]][name]
        assert float(f"{e['estimate']:.6g}") == pytest.approx(expected, rel=1e-9), e["key"]


@pytest.mark.slow
def test_calibrate_command_writes_report_figures_and_presets(tmp_path):
    folder = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "calibrate",
            "params=[seoul.activity,tokyo.activity,payoffs.audience.seoul]",
            "calibrate.starts=1",
            "calibrate.preset=cli_test",
            f"calibrate.conf_dir={tmp_path / 'conf'}",
            "run.replications=100",
            f"hydra.run.dir={folder}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "hold-out" in done.stdout and "95% interval" in done.stdout
    report = json.loads((folder / "calibration.json").read_text())
    for e in report["estimates"]:
        assert e["lower"] <= e["estimate"] <= e["upper"]
    assert report["holdout"]["cutoff"] == "2019-08-19"
    assert set(report["holdout"]["loglik"]) == {"model", "base_rates", "markov"}
    assert report["command"].startswith("escalation calibrate params=")
    for name in (
        "calibration.md",
        "profiles.png",
        "cumulative_gain.png",
        "tension_fan.png",
        "event_raster.png",
        "comparison.json",
        "preset/payoffs/cli_test.yaml",
        "preset/experiment/cli_test.yaml",
    ):
        assert (folder / name).is_file(), name
    preset = (tmp_path / "conf" / "experiment" / "cli_test.yaml").read_text()
    assert preset.startswith("# @package _global_\n")
    assert "seed: 2019" in preset and "command: escalation calibrate" in preset


@pytest.mark.slow
def test_calibrate_command_prints_an_error_without_traceback(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "calibrate",
            "params=[seoul.nerve]",
            f"hydra.run.dir={tmp_path}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: params: 'seoul.nerve' is not a parameter")
    assert "Traceback" not in done.stderr


def test_batched_gradient_equals_one_parameter_at_a_time(calibrate_default):
    # A Seoul and a Tokyo parameter share a run: each ally's change shows its own derivative.
    case = build_case(calibrate_default)
    parameters = resolve_parameters(
        calibrate_default, ["seoul.rationality", "tokyo.rationality", "payoffs.audience.seoul"]
    )
    objective = Objective(calibrate_default, parameters, TeacherForcing(case.scenario, case.real))
    assert objective.batches([0, 1, 2]) == [[0, 1], [2]]
    theta = np.array([1.5, 0.7, 2.0])
    value, gradient = objective.value_and_gradient(theta, [0, 1, 2], [0, 1])
    assert value == pytest.approx(objective.per_ally(theta).sum())
    for j in range(3):
        h = 1e-6 * objective.scale[j]
        moved = theta.copy()
        moved[j] += h
        alone = (objective.per_ally(moved).sum() - value) / h
        assert gradient[j] == pytest.approx(alone, rel=1e-6, abs=1e-6)
    (shared,) = resolve_parameters(calibrate_default, ["payoffs.cooperation_reward"])
    linked = Objective(calibrate_default, [*parameters, shared], objective.scorer)
    assert linked.batches([0, 1, 3]) == [[0, 1], [3]]


def test_gain_and_profile_figures_draw_their_numbers():
    from matplotlib.figure import Figure

    from sim.figures.comparison import (
        make_gain_data,
        make_profile_data,
        plot_cumulative_gain,
        plot_profiles,
    )

    model = np.log(np.array([[0.5, 0.5], [0.25, 0.5], [0.5, 0.5]]))
    rates = np.log(np.full((3, 2), 0.5))
    data = make_gain_data(
        ["2019-01-07", "2019-01-14", "2019-01-21"], model, {"base_rates": rates}, 1
    )
    np.testing.assert_allclose(data.gains["base_rates"]["seoul"], [0, np.log(0.5), np.log(0.5)])
    np.testing.assert_allclose(data.gains["base_rates"]["tokyo"], [0, 0, 0])
    assert isinstance(plot_cumulative_gain(data), Figure)
    profiles = [
        {
            "key": "seoul.activity",
            "values": [0.3, 0.1, 0.5],
            "drops": [0.0, 2.5, 2.0],
            "estimate": 0.3,
            "lower": 0.15,
            "upper": 0.48,
        },
    ]
    shown = make_profile_data(profiles, DROP_95)
    np.testing.assert_allclose(shown.values[0], [0.1, 0.3, 0.5])
    np.testing.assert_allclose(shown.drops[0], [2.5, 0.0, 2.0])
    assert shown.intervals == [(0.15, 0.48)]
    assert isinstance(plot_profiles(shown), Figure)
