"""`escalation calibrate`: the command with tiny settings, the fit it writes, its errors.

Every test writes its fit into a temporary copy of conf/ (``calibrate.conf_dir``), never into
the shipped conf/fit/.
"""

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from one_line import refused

import sim.core.fitted
import sim.core.folders
from sim.analysis.calibrate.job import calibrate, generation_progress, installed, run_calibration
from sim.analysis.calibrate.presets import write_fit
from sim.analysis.case import build_case
from sim.analysis.fit import fit_ml
from sim.analysis.space import Space
from sim.core.errors import ConfigError, EscalationError
from sim.core.folders import CONF_DIR
from sim.core.params import ModelParams, lookup
from sim.experiment.config import CalibrateOptions, default_config
from sim.reports.calibration import format_calibration

ROOT = Path(__file__).resolve().parents[1]
KEYS = ["seoul.activity", "tokyo.activity", "payoffs.audience.seoul"]
#: Three fitted keys; the third sets Tokyo's audience weight too (tied: one value for both).
PARAMS = (
    "params=[seoul.activity,tokyo.activity,"
    "payoffs.audience.seoul+payoffs.audience.tokyo:0.01:100:log]"
)
TIED = {"payoffs.audience.tokyo": "payoffs.audience.seoul"}
SPAN = ["scenario.start=2019-05-06", "scenario.end=2019-09-30"]  # 22 weeks, to keep it quick
TINY = [
    "calibrate.popsize=5",
    "calibrate.maxiter=2",
    "calibrate.steps=30",
    "calibrate.burn=10",
    "calibrate.walkers=18",  # twice the 3 keys and the conduct's 6
]
CONDUCT_KEYS = [
    "seoul.signal",
    "tokyo.signal",
    "seoul.lift",
    "tokyo.lift",
    "conduct.order",
    "conduct.burst",
]
FIT_FILES = ["gsomia_2019.yaml", "gsomia_2019.json", "gsomia_2019.posterior.parquet"]


def escalation(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def conf_copy(folder: Path) -> Path:
    """A copy of the shipped config tree to write fits into."""
    return Path(shutil.copytree(CONF_DIR, folder / "conf"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibrate")
    conf = conf_copy(folder)
    before = snapshot(conf)
    out = folder / "out"
    done = escalation(
        "calibrate",
        PARAMS,
        *TINY,
        *SPAN,
        f"calibrate.conf_dir={conf}",
        f"hydra.run.dir={out}",
    )
    assert done.returncode == 0, done.stderr
    return done, out, conf, before


def test_calibrate_writes_its_report_figure_and_the_three_fit_files(calibrated):
    done, out, conf, before = calibrated
    for name in ("calibration.json", "calibration.md", "posterior.png"):
        assert (out / name).stat().st_size > 0, name
    assert "](posterior.png)" in (out / "calibration.md").read_text()
    after = snapshot(conf)
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == sorted(f"fit/{name}" for name in FIT_FILES)
    assert "fitting 3 parameters to 22 weeks" in done.stderr
    assert f"results: {out}" in done.stdout
    # where the fit went, and that runs do not pick it up from a copy of conf/
    preset = conf / "fit" / "gsomia_2019.yaml"
    line = (
        f"fit written to {preset}: outside the shipped conf/, where a fit 'gsomia_2019' comes "
        "first, so runs do not pick it up; write it under another name (calibrate.fit=NAME) "
        "to run it"
    )
    assert done.stderr.splitlines()[-1] == line
    # two generations (TINY) cannot converge: noted as it happens (the posterior follows),
    # with the warning itself once, in the summary
    warning = (
        "warning: the ML fit did not converge (Maximum number of iterations has been exceeded)"
    )
    assert done.stdout.count(warning) == 1 and warning not in done.stderr
    # calibration.md, the methods appendix, said it only as scipy's message in passing
    report = (out / "calibration.md").read_text()
    assert "## Estimates\n\n**Warning:** the ML fit did not converge" in report
    assert "the ML fit stopped before converging; going on from it" in done.stderr
    # the posterior's 30 steps said at each tenth, with the time taken and left
    steps = [line for line in done.stderr.splitlines() if line.startswith("  step ")]
    assert [line.split(" (")[0] for line in steps] == [f"  step {3 * k}/30" for k in range(1, 11)]
    assert "s left" in steps[0] and "left" not in steps[-1]


def test_the_report_holds_estimates_posterior_and_baselines(calibrated):
    _, out, _, _ = calibrated
    report = json.loads((out / "calibration.json").read_text())
    assert [e["key"] for e in report["estimates"]] == KEYS
    for row in report["estimates"]:
        assert row["low"] <= row["estimate"] <= row["high"]
        assert row["posterior_q05"] <= row["posterior_q50"] <= row["posterior_q95"]
        # 4 kept steps a walker: too few for R-hat and ESS, null as the report's dashes (the
        # JSON gave R-hat 1.45 and ESS 71 where the report said they could not be estimated)
        assert row["posterior_r_hat"] is None and row["posterior_ess_bulk"] is None
    assert report["parameters"] == 3 + 6 and set(report["conduct"]) == {
        "seoul.signal",
        "tokyo.signal",
        "seoul.lift",
        "tokyo.lift",
        "conduct.order",
        "conduct.burst",
    }
    assert report["posterior"]["draws"] == 18 * (30 - 10) // 5
    # The posterior samples the conduct with the keys: each conduct parameter has its interval.
    conduct = report["conduct_estimates"]
    assert [e["key"] for e in conduct] == CONDUCT_KEYS
    for row in conduct:
        assert row["estimate"] == report["conduct"][row["key"]]
        assert row["posterior_q05"] <= row["posterior_q50"] <= row["posterior_q95"]
        assert row["low"] <= row["posterior_q05"] and row["posterior_q95"] <= row["high"]
    assert set(report["loglik"]) == {"model", "base_rates", "markov", "regime_break", "logit"}
    assert report["loglik"]["model"]["parameters"] == 9
    best = min(list(report["loglik"])[1:], key=lambda n: report["loglik"][n]["aic"])
    assert report["best_baseline_aic"] == best
    model, rival = report["loglik"]["model"], report["loglik"][best]
    assert report["margin_aic"] == pytest.approx(rival["aic"] - model["aic"])
    assert report["command"].startswith("escalation calibrate params=")
    assert report["weeks"] == 22 and report["start"] == "2019-05-06"


def test_the_fit_files_say_what_was_fitted(calibrated):
    _, out, conf, _ = calibrated
    report = json.loads((out / "calibration.json").read_text())
    record = json.loads((conf / "fit" / "gsomia_2019.json").read_text())
    assert record["keys"] == KEYS and record["parameters"] == 9
    assert record["loglik"] == pytest.approx(report["loglik"]["model"]["total"], rel=1e-9)
    assert record["margin_aic"] == pytest.approx(report["margin_aic"])
    assert record["conduct_keys"] == sorted(report["conduct"])
    assert record["tied"] == TIED
    # whether the fit and its chains converged, as the report said, for the runs to warn of
    assert record["posterior_converged"] == report["posterior"]["converged"]
    assert isinstance(record["ml_converged"], bool)
    # The entries keep each key's box and scale, so a refit searches what this fit searched.
    fitted = Space.of(default_config().model_params, record["params"]).parameters
    assert [(p.key, p.low, p.high, p.log, p.twins) for p in fitted] == [
        ("seoul.activity", 0.0, 1.0, False, ()),
        ("tokyo.activity", 0.0, 1.0, False, ()),
        ("payoffs.audience.seoul", 0.01, 100.0, True, ("payoffs.audience.tokyo",)),
    ]
    assert [e["tied"] for e in report["estimates"]] == [[], [], ["payoffs.audience.tokyo"]]
    draws = pd.read_parquet(conf / "fit" / "gsomia_2019.posterior.parquet")
    assert list(draws.columns) == KEYS + CONDUCT_KEYS + list(TIED)
    assert (draws["payoffs.audience.tokyo"] == draws["payoffs.audience.seoul"]).all()
    assert len(draws) == report["posterior"]["draws"]
    for row in report["estimates"] + report["conduct_estimates"]:
        assert draws[row["key"]].median() == pytest.approx(row["posterior_q50"])
    preset = (conf / "fit" / "gsomia_2019.yaml").read_text()
    assert preset.startswith("# @package _global_\n")
    assert "fit: gsomia_2019\n" in preset and "(22 weeks from 2019-05-06)" in preset


def test_the_written_fit_composes_into_every_run(calibrated, monkeypatch):
    _, out, conf, _ = calibrated
    report = json.loads((out / "calibration.json").read_text())
    written = {e["key"]: e["estimate"] for e in report["estimates"]} | report["conduct"]
    written |= {twin: written[key] for twin, key in TIED.items()}
    monkeypatch.setattr(sim.core.folders, "CONF_DIR", conf)
    monkeypatch.setattr(sim.core.fitted, "CONF_DIR", conf)
    composed = default_config(["run.progress=false"])
    assert composed.fit == "gsomia_2019"
    bare = sim.core.fitted.fitted_params()
    for key, value in written.items():
        expected = float(f"{value:.6g}")
        assert lookup(composed.model_params, key)[1] == pytest.approx(expected, rel=1e-12), key
        assert lookup(bare, key)[1] == pytest.approx(expected, rel=1e-12), key
    # Keys this fit left alone are the hand-set values again, not the shipped fit's.
    hand_set = lookup(ModelParams(), "tokyo.decay")[1]
    assert lookup(composed.model_params, "tokyo.decay")[1] == hand_set
    hand_set = default_config(["run.progress=false", "fit=none"])
    assert lookup(hand_set.model_params, KEYS[0])[1] == lookup(ModelParams(), KEYS[0])[1]


def test_the_fit_says_where_it_went_and_which_runs_use_it():
    shipped = CONF_DIR / "fit"
    options = CalibrateOptions()
    assert installed(shipped / "gsomia_2019.yaml", options) == (
        "fit written to conf/fit/gsomia_2019.yaml: every run now uses it (fit=none runs the "
        "hand-set values)"
    )
    options = dataclasses.replace(options, fit="mine")
    assert installed(shipped / "mine.yaml", options) == (
        "fit written to conf/fit/mine.yaml: runs use it with fit=mine"
    )
    # written with calibrate.conf_dir: the run's search path said too (a fit of one's own)
    elsewhere = Path("/tmp/mine/conf")
    assert installed(elsewhere / "fit" / "mine.yaml", options) == (
        "fit written to /tmp/mine/conf/fit/mine.yaml: runs use it with fit=mine "
        "'hydra.searchpath=[file:///tmp/mine/conf]'"
    )


def test_the_ml_fit_says_where_it_stands_every_25_generations():
    said: list[str] = []
    progress = generation_progress(300, said.append)
    for generation in range(1, 61):
        progress(generation, -100.0 - 1 / generation)
    assert said == [
        "  generation 25 of at most 300: best log-likelihood -100.04",
        "  generation 50 of at most 300: best log-likelihood -100.02",
    ]


@pytest.mark.filterwarnings("ignore:calibrate.steps=12:UserWarning")  # a tiny chain on purpose
def test_write_false_writes_nothing_into_conf(tmp_path):
    conf = conf_copy(tmp_path)
    before = snapshot(conf)
    config = default_config(
        ["run.progress=false", "params=[seoul.activity,tokyo.activity]", *TINY]
        + ["calibrate.steps=12", "calibrate.burn=4", "calibrate.walkers=16"]
        + ["calibrate.write=false"]
        + ["scenario.start=2019-06-24", "scenario.end=2019-08-26", f"calibrate.conf_dir={conf}"],
        "calibrate",
    )
    said, written = [], []
    report, fit_line = run_calibration(
        config, "escalation calibrate", "2026-01-01", said.append, written.append
    )
    assert written == [report] and fit_line is None
    assert report.posterior is not None and report.ml.keys == tuple(KEYS[:2])
    # the report holds what the seeded fit finds (the ML fit itself is tested in test_fit.py)
    c = config.calibrate
    space = Space.of(config.model_params, list(config.params))
    again = fit_ml(space, (build_case(config).episode(),), config.run.seed, c.popsize, c.maxiter)
    np.testing.assert_array_equal(report.ml.estimates, again.estimates)
    assert report.ml.loglik == again.loglik
    assert snapshot(conf) == before
    assert said[0] == "fitting 2 parameters to 10 weeks by differential evolution"
    # A fit written without a posterior takes the earlier fit's draws away with it: they were
    # left, and run.posterior=true drew keys this fit does not set, silently.
    stale = conf / "fit" / f"{config.calibrate.fit}.posterior.parquet"
    assert stale.is_file()
    written = write_fit(dataclasses.replace(report, posterior=None), config)
    assert set(written) == {"preset", "record"} and not stale.exists()


@pytest.mark.slow
def test_leave_one_case_out_reports_its_split_and_figure(tmp_path):
    out = tmp_path / "out"
    done = escalation(
        "calibrate",
        "params=[seoul.activity]",
        "calibrate.popsize=5",
        "calibrate.maxiter=1",
        "calibrate.loco=true",
        "calibrate.cases=[gsomia_2019,senkaku_2010,lithuania_2021]",  # three, to keep it quick
        "calibrate.posterior=false",
        "calibrate.write=false",
        f"hydra.run.dir={out}",
    )
    assert done.returncode == 0, done.stderr
    assert "the same plug-in scores split: when to move, which move once moving" in done.stdout
    assert "  3 folds, each a fit, 1 at a time: a line as each one ends" in done.stderr
    folds = [line for line in done.stderr.splitlines() if line.startswith("  fold ")]  # progress
    assert [line.split(":")[0] for line in folds] == ["  fold 1/3", "  fold 2/3", "  fold 3/3"]
    report = json.loads((out / "calibration.json").read_text())
    rows = pd.DataFrame(report["loco"])
    assert list(rows.case.unique()) == ["gsomia_2019", "senkaku_2010", "lithuania_2021"]
    # the study's default: every coded case, each scenario folder once
    shipped = sorted(p.parent.name for p in (ROOT / "scenarios").glob("*/scenario.yaml"))
    assert sorted(default_config(config_name="calibrate").calibrate.cases) == shipped
    assert len(shipped) == 6 and "lithuania_2021" in shipped  # no case dropped unnoticed
    for scorer in ("model", "base_rates", "markov", "logit"):
        assert (rows[scorer] <= rows[f"{scorer}_when"]).all()  # which move: at most 0
    assert (out / "loco.png").stat().st_size > 0
    markdown = (out / "calibration.md").read_text()
    assert "](loco.png)" in markdown and "| all | which move |" in markdown


def test_too_few_walkers_stop_before_the_fit_with_one_line(tmp_path):
    # The 6 shipped keys and the conduct's 6 need 24 walkers: emcee refused fewer with a
    # traceback after the whole fit.
    done = escalation("calibrate", "calibrate.walkers=20", f"hydra.run.dir={tmp_path}")
    assert done.returncode == 2
    assert done.stderr == (
        "error: calibrate.walkers=20 is too few for the posterior of 12 parameters (6 fitted "
        "keys and the conduct's 6): the ensemble sampler needs at least two walkers per "
        "parameter; set calibrate.walkers=24 or more\n"
    )
    assert not (tmp_path / "calibration.json").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["calibrate.burn=4500"],
            "calibrate.burn=4500 discards every one of the calibrate.steps=4500 steps: set "
            "calibrate.burn below calibrate.steps",
        ),
        (
            [
                "calibrate.rolling=true",
                "calibrate.predictive=true",
                "calibrate.predictive_burn=1500",
            ],
            "calibrate.predictive_burn=1500 discards every one of the "
            "calibrate.predictive_steps=1500 steps: set calibrate.predictive_burn below "
            "calibrate.predictive_steps",
        ),
    ],
)
def test_a_burn_in_as_long_as_the_chain_stops_before_the_fit(overrides, message, tmp_path, capsys):
    assert refused(capsys, "calibrate", *overrides, f"hydra.run.dir={tmp_path}") == (
        f"error: {message}"
    )
    assert list(tmp_path.glob("calibration.*")) == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (["params=[seoul.nerve]"], "params: 'seoul.nerve' is not a parameter"),
        (["params=[us.pressure]"], "params: 'us.pressure' cannot be fitted"),
        (["params=[seoul.activity:0:2]"], "go beyond the allowed range"),
        (["params=[]"], "params is empty"),
        (["run.weeks=20"], "run.weeks=20 does not apply to a comparison"),
    ],
)
def test_calibration_errors_are_one_clear_line(overrides, fragment):
    config = default_config(["run.progress=false", *overrides], "calibrate")
    with pytest.raises(EscalationError) as error:
        calibrate(config, "escalation calibrate", "2026-01-01", lambda message: None)
    assert fragment in str(error.value) and "\n" not in str(error.value)


def test_out_of_range_settings_are_rejected_when_composed():
    with pytest.raises(ConfigError, match=r"^calibrate.popsize=2 is outside the allowed range"):
        default_config(["calibrate.popsize=2"], "calibrate")


def test_the_shipped_fit_is_what_runs_by_default():
    default = default_config(["run.progress=false"])
    record = json.loads((CONF_DIR / "fit" / "gsomia_2019.json").read_text())
    written = yaml.safe_load((CONF_DIR / "fit" / "gsomia_2019.yaml").read_text())
    assert default.fit == "gsomia_2019" and written["fit"] == "gsomia_2019"
    assert record["parameters"] == len(record["keys"]) + len(record["conduct_keys"])
    for key in record["keys"] + record["conduct_keys"]:
        node = written
        for part in key.split("."):
            node = node[part]
        assert lookup(default.model_params, key)[1] == pytest.approx(node, rel=1e-12), key


@pytest.mark.parametrize(
    ("cells", "said"),
    [
        (["calibrate.walkers=40,8"], "calibrate.walkers=8 is too few for the posterior of 12"),
        (["calibrate.fit=ok,bad/name"], "calibrate.fit=bad/name is not a plain name"),
        (["calibrate.steps=4500,1500"], "calibrate.burn=1500 discards every one of the"),
        (
            ["calibrate.loco=true", "calibrate.cases=[gsomia_2019,thaad_2016],[gsomia_2019]"],
            "leaving one case out needs at least two cases",
        ),
        (
            ["calibrate.rolling=true", "calibrate.origin=2019-05-06,2030-01-01"],
            "calibrate.origin=2030-01-01 leaves no week to forecast",
        ),
    ],
)
def test_a_calibrate_sweep_runs_the_fits_own_checks_for_every_cell_first(cells, said):
    """Each check calibrate makes before its fit refuses the sweep's last cell up front: before,
    the cells before it ran a calibration each before the last one was refused."""
    from sim.experiment.launch import check_sweep

    with pytest.raises(ConfigError, match=r"^sweep cell 2 of \d+ \(") as refusal:
        check_sweep([*cells, "calibrate.write=false"], "calibrate")
    assert said in str(refusal.value) and str(refusal.value).endswith("no job was started")


def test_a_posterior_too_short_for_its_diagnostics_is_said_before_the_fit():
    from sim.analysis.checks import check_calibration

    config = default_config(["calibrate.steps=60", "calibrate.burn=20"], "calibrate")
    with pytest.warns(UserWarning, match="keep 8 steps per walker, fewer than the 50"):
        check_calibration(config, build_case(config).scenario)


def test_a_key_the_case_does_not_bear_on_is_left_out_of_the_fit_and_of_k():
    # THAAD has no notice, so the deadline's weight moves nothing: it was fitted anyway, sat
    # wherever the optimiser stopped and counted in k against the model by AIC and BIC
    params = "params=[seoul.activity,payoffs.deadline]"
    tiny = ["calibrate.maxiter=3", "calibrate.popsize=5", "calibrate.posterior=false"]
    settings = ["run.progress=false", params, *tiny, "calibrate.write=false"]
    said: list[str] = []
    thaad = default_config([*settings, "scenario=thaad_2016"], "calibrate")
    report = calibrate(thaad, "escalation calibrate", "2026-01-01", said.append)
    assert report.left_out == ("payoffs.deadline",) and list(report.ml.keys) == ["seoul.activity"]
    assert report.ml.parameters == 1 + len(CONDUCT_KEYS)
    assert report.in_sample.rows[0].parameters == report.ml.parameters
    assert any(line.startswith("left out payoffs.deadline: thaad_2016") for line in said)
    assert report.to_json()["left_out"] == ["payoffs.deadline"]
    assert "payoffs.deadline left out of the fit" in format_calibration(report)
    # its parameters were named seoul.* and tokyo.* without saying tokyo.* is Beijing
    slots = "in thaad_2016, the keys seoul.* set Seoul and tokyo.* set Beijing"
    assert format_calibration(report).splitlines()[1].startswith(slots)
    # 2019's notice makes the deadline count: nothing is left out there
    gsomia = default_config([*settings, *SPAN], "calibrate")
    kept = calibrate(gsomia, "escalation calibrate", "2026-01-01", said.append)
    assert "the keys seoul.* set" not in format_calibration(kept)
    assert kept.left_out == () and list(kept.ml.keys) == ["seoul.activity", "payoffs.deadline"]


def test_a_relative_events_path_is_recorded_so_that_any_folder_finds_it(tmp_path, monkeypatch):
    """Calibrated from another folder with events=data/events.csv, the record kept the path
    as typed; compare, reading it against the checkout, then called the fit's own events
    "not those the model's fit was made on"."""
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "scenarios" / "gsomia_2019" / "events.csv", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    config = default_config(
        ["run.progress=false", "params=[seoul.activity]", *TINY, "calibrate.posterior=false"]
        + ["calibrate.write=false", "events=data/events.csv"]
        + ["scenario.start=2019-06-24", "scenario.end=2019-08-26"],
        "calibrate",
    )
    report, _ = run_calibration(config, "escalation calibrate", "2026-01-01", [].append, [].append)
    assert report.events == str(tmp_path / "data" / "events.csv")
    monkeypatch.chdir(ROOT)  # compare, elsewhere, finds the same file
    from sim.analysis.compare import fitted_events

    assert fitted_events({"scenario": "gsomia_2019", "events": report.events}).is_file()
