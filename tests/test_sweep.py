import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from one_line import refused
from PIL import Image

import sim
from sim.core.metrics import OUTCOMES, wilson_interval
from sim.core.scenario_yaml import load_scenario
from sim.figures.sweep import make_heatmap_data, make_outcome_curve_data, make_tournament_data

ROOT = Path(__file__).resolve().parents[1]


def sweep(folder, *overrides, launcher=None, env=None):
    args = [
        sys.executable,
        "-m",
        "sim",
        "run",
        "-m",
        f"hydra.sweep.dir={folder}",
        "run.progress=false",
        *overrides,
    ]
    if launcher:
        args.append(f"hydra/launcher={launcher}")
    done = subprocess.run(
        args,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    return done


def cells(folder):
    return sorted(p for p in Path(folder).iterdir() if p.is_dir() and p.name.isdigit())


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [  # Wilson score intervals at 95% (z = 1.96), as tabulated by Newcombe (1998), Stat Med 17
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),
    ],
)
def test_wilson_interval_matches_published_values(k, n, lo, hi):
    low, high = wilson_interval(k, n)
    assert low == pytest.approx(lo, abs=5e-5)
    assert high == pytest.approx(hi, abs=5e-5)


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    done = sweep(folder, "us.pressure=0.0,1.0", "run.replications=400", "run.trajectories=false")
    assert done.returncode == 0, done.stderr
    return folder, done


def test_each_cells_fan_names_its_runs(small_sweep):
    # Every cell's tension_fan.png had the same title, so two cells could not be told apart.
    from sim.figures.fan import make_fan_data
    from sim.reports.run import RunSummary

    folder, _ = small_sweep
    scenario = load_scenario("gsomia_2019")
    fan = pd.read_parquet(cells(folder)[0] / "tension_fan.parquet")
    titles = []
    for cell, pressure in zip(cells(folder), ("0", "1"), strict=True):
        summary = RunSummary.from_dict(json.loads((cell / "summary.json").read_text()))
        assert summary.caption() == (
            "400 runs; Seoul fictitious play, Tokyo fictitious play; US reactive, pressure "
            f"{pressure}; parameters: the fit gsomia_2019 (point estimate); seed 2019"
        )
        titles.append(make_fan_data(fan, scenario, None, summary.caption()).title)
    assert titles[0] != titles[1] and titles[0].startswith(scenario.title + "\n")


def test_aggregation_matches_the_per_cell_tables(small_sweep):
    folder, done = small_sweep
    table = pd.read_parquet(folder / "sweep.parquet")
    assert table["cell"].tolist() == [0, 1]
    assert table["us.pressure"].tolist() == [0.0, 1.0]
    for cell, row in zip(cells(folder), table.itertuples(index=False), strict=True):
        reps = pd.read_parquet(cell / "replications.parquet")
        assert row.replications == len(reps) == 400
        shares = reps["outcome"].astype(str).value_counts(normalize=True)
        assert row.p_terminated == pytest.approx(shares.get("terminated", 0))
        assert row.p_noticed_then_kept == pytest.approx(shares.get("noticed_then_kept", 0))
        lo, hi = wilson_interval(round(row.p_terminated * 400), 400)
        assert (row.p_terminated_lo, row.p_terminated_hi) == pytest.approx((lo, hi))
        settled = reps["outcome_settled"].astype(str).value_counts(normalize=True)
        assert row.p_settled_terminated == pytest.approx(settled.get("terminated", 0))
        assert row.p_settled_noticed_then_kept == pytest.approx(settled.get("noticed_then_kept", 0))
        assert row.p_settled_terminated >= row.p_terminated
        notice = reps["week_seoul_gsomia_notice"].dropna().astype(float)
        assert row.seoul_gsomia_notice_median == pytest.approx(np.median(notice))
        assert row.seoul_gsomia_notice_never == pytest.approx(1 - len(notice) / 400)
    assert "[cell 2/2]" in done.stdout and "sweep: 2 cells" in done.stdout


def test_sweep_figures_are_real_pictures(small_sweep):
    folder, _ = small_sweep
    for name in ("outcomes_by_us_pressure.png", "milestones.png"):
        image = Image.open(folder / name)
        assert image.size[0] > 500
        assert len(image.convert("L").getcolors(maxcolors=100_000)) > 20, name


def test_plot_command_redraws_from_disk(small_sweep, tmp_path):
    folder, _ = small_sweep
    before = pd.read_parquet(folder / "sweep.parquet")
    (folder / "sweep.parquet").unlink()
    (folder / "milestones.png").unlink()
    stale = folder / "outcomes_by_us_pressure_as_drawn_before.png"  # an earlier version's figure
    stale.write_bytes(b"an old figure")
    done = subprocess.run(
        [sys.executable, "-m", "sim", "plot", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(before, pd.read_parquet(folder / "sweep.parquet"))
    assert (folder / "milestones.png").stat().st_size > 10_000
    assert not stale.exists()  # it would sit beside the figures drawn now, unexplained


@pytest.fixture(scope="module")
def case_sweep(tmp_path_factory):
    """A sweep of a case given by path: a copy of gsomia_2019 named x."""
    case = tmp_path_factory.mktemp("cases") / "x"
    shutil.copytree(ROOT / "scenarios" / "gsomia_2019", case)
    spec = case / "scenario.yaml"
    spec.write_text(spec.read_text().replace("name: gsomia_2019", "name: x"))
    folder = tmp_path_factory.mktemp("case_sweep")
    args = (f"scenario.name={case}", "us.pressure=0,1", "run.replications=300")
    return folder, sweep(folder, *args, "run.trajectories=false")


@pytest.mark.slow
def test_a_sweep_of_a_case_given_by_path_aggregates_and_redraws(case_sweep):
    # Every cell ran, then the aggregation looked the case up by its name among the shipped
    # scenarios: "error: no scenario 'x'", no sweep.parquet; `plot` failed the same way.
    folder, done = case_sweep
    assert done.returncode == 0, done.stderr
    assert "no scenario" not in done.stderr
    before = pd.read_parquet(folder / "sweep.parquet")
    assert before["us.pressure"].tolist() == [0, 1]
    assert "seoul_gsomia_suspension_median" in before  # the copied case's own milestones
    (folder / "sweep.parquet").unlink()
    for target in (folder, folder / "0"):  # the sweep, then one cell's fan chart
        redrawn = subprocess.run(
            [sys.executable, "-m", "sim", "plot", str(target)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert redrawn.returncode == 0, redrawn.stderr
    pd.testing.assert_frame_equal(before, pd.read_parquet(folder / "sweep.parquet"))


@pytest.mark.slow
def test_resume_recomputes_only_the_incomplete_cell(tmp_path):
    args = ("us.pressure=0.0,0.5,1.0", "run.replications=200", "run.trajectories=false")
    assert sweep(tmp_path, *args).returncode == 0
    first = pd.read_parquet(tmp_path / "sweep.parquet")
    kept = tmp_path / "0" / "replications.parquet"
    kept_time = kept.stat().st_mtime_ns
    (tmp_path / "1" / "replications.parquet").unlink()  # an interrupted cell
    done = sweep(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("already complete") == 2
    assert kept.stat().st_mtime_ns == kept_time
    assert (tmp_path / "1" / "replications.parquet").is_file()
    pd.testing.assert_frame_equal(first, pd.read_parquet(tmp_path / "sweep.parquet"))


@pytest.mark.slow
def test_a_changed_config_is_recomputed_and_stale_cells_are_left_out(tmp_path):
    first = ("us.pressure=0.0,0.5,1.0", "run.replications=100", "run.trajectories=false")
    assert sweep(tmp_path, *first).returncode == 0
    done = sweep(tmp_path, "us.pressure=0.0,1.0", "run.replications=150", "run.trajectories=false")
    assert done.returncode == 0, done.stderr
    assert "already complete" not in done.stdout
    assert done.stdout.count("recomputing") == 2
    assert "the configuration changed since it was computed" in done.stdout
    table = pd.read_parquet(tmp_path / "sweep.parquet")
    assert table["replications"].tolist() == [150, 150]  # not cell 2 of the first launch
    assert table["us.pressure"].tolist() == [0.0, 1.0]
    assert "left out cell folders of an earlier launch: 2" in done.stdout


@pytest.mark.slow
def test_resume_after_editing_the_scenario_equals_a_fresh_sweep(tmp_path):
    scenarios = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios" / "gsomia_2019", scenarios / "gsomia_2019")
    env = {"ESCALATION_SCENARIOS": str(scenarios)}
    args = ("us.pressure=0.0,1.0", "run.replications=200", "run.trajectories=false")
    assert sweep(tmp_path / "resumed", *args, env=env).returncode == 0
    yaml_file = scenarios / "gsomia_2019" / "scenario.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("lapse_weeks: 13", "lapse_weeks: 8"))
    done = sweep(tmp_path / "resumed", *args, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("the scenario's files changed since it was computed") == 2
    assert sweep(tmp_path / "fresh", *args, env=env).returncode == 0
    resumed = (tmp_path / "resumed" / "sweep.parquet").read_bytes()
    assert resumed == (tmp_path / "fresh" / "sweep.parquet").read_bytes()


def test_the_manifest_names_each_cells_seed(tmp_path):
    """The launch records each cell's seed, so a swept seed is known before any cell runs."""
    from sim.experiment.cells import read_manifest
    from sim.experiment.launch import prepare_sweep

    launch = prepare_sweep(["run.seed=3,11", "run.replications=10", f"hydra.sweep.dir={tmp_path}"])
    launch.release()
    manifest = read_manifest(tmp_path)
    assert [(c.overrides, c.seed) for c in manifest.cells] == [
        (["run.seed=3", "run.replications=10"], 3),
        (["run.seed=11", "run.replications=10"], 11),
    ]
    assert json.loads((tmp_path / "manifest.json").read_text())["cells"][1]["seed"] == 11


def test_a_sweep_folder_in_use_is_refused_before_any_cell(tmp_path, capsys):
    from sim.cli import main
    from sim.experiment.store import FolderLock

    with FolderLock(tmp_path), pytest.raises(SystemExit) as stop:
        main(["run", "-m", "us.pressure=0,1", f"hydra.sweep.dir={tmp_path}"])
    assert stop.value.code == 2
    assert "is being written by escalation process" in capsys.readouterr().err
    assert cells(tmp_path) == [] and not (tmp_path / "manifest.json").exists()


@pytest.mark.slow
def test_an_unfinished_cell_fails_the_aggregation_in_one_line(small_sweep, tmp_path, capsys):
    from sim.cli import main

    folder = tmp_path / "copy"
    shutil.copytree(small_sweep[0], folder)
    (folder / "1" / "replications.parquet").unlink()
    with pytest.raises(SystemExit) as stop:
        main(["plot", str(folder)])
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and "\n" not in err
    assert err.startswith("error: cell 1 (") and "us.pressure=1.0" in err
    assert "is not finished" in err and "lacks replications.parquet" in err


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["us.presure=0,1"], "presure"),
        (
            ["us.pressure=0.5,1.5"],
            r"sweep cell 2 of \d+ \(.*us.pressure=1.5.*\).*outside the allowed range",
        ),
        (["strategy@seoul=tit_for_tat,chaos"], "chaos"),
        (["us.pressure=range(0,0)"], r"us.pressure=range\(0,0\) gives no values"),  # a traceback
        (  # refused only by the first cell's job, after the folder and its manifest were made
            ["us.pressure=0,1", "run.objective=p_bogus"],
            r"sweep cell 1 of \d+ \(.*\): run.objective='p_bogus' is not an objective",
        ),
    ],
)
def test_bad_sweep_fails_before_any_job_starts(tmp_path, capsys, overrides, message):
    line = refused(
        capsys, "run", "-m", f"hydra.sweep.dir={tmp_path}", *overrides, "run.replications=50"
    )
    assert re.search(message, line), line
    assert cells(tmp_path) == [] and not (tmp_path / "manifest.json").exists()


@pytest.mark.slow
@pytest.mark.launchers  # `make test-slow` runs it on its own, `make test` does not
def test_launchers_give_identical_sweeps(tmp_path):
    args = ("us.pressure=0.0,0.6", "run.replications=300", "run.trajectories=false")
    ray = {"RAY_AUTH_MODE": "disabled"}
    ray_temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # Ray's socket paths must be short
    runs = {
        "basic": sweep(tmp_path / "basic", *args),
        "joblib": sweep(tmp_path / "joblib", *args, launcher="joblib"),
        "ray": sweep(
            tmp_path / "ray",
            *args,
            f"+hydra.launcher.ray.init._temp_dir={ray_temp}",
            "+hydra.launcher.ray.init.num_cpus=2",
            "+hydra.launcher.ray.init.include_dashboard=false",  # not used; starts faster
            launcher="ray",
            env=ray,
        ),
    }
    for name, done in runs.items():
        assert done.returncode == 0, (name, done.stderr[-2000:])
    tables = {name: pd.read_parquet(tmp_path / name / "sweep.parquet") for name in runs}
    pd.testing.assert_frame_equal(tables["basic"], tables["joblib"])
    pd.testing.assert_frame_equal(tables["basic"], tables["ray"])
    said = {name: done.stdout + done.stderr for name, done in runs.items()}
    assert "Ray" in said["ray"]
    # Ray folded the cells' alike lines into one ("[repeated 2x across cluster]"), so a
    # cell's report lost lines and showed its settled shares under "outcome"
    assert "across cluster" not in said["ray"]
    assert said["ray"].count("<- real") == said["basic"].count("<- real") == 4
    shutil.rmtree(ray_temp, ignore_errors=True)


@pytest.mark.slow
def test_two_dimensional_and_tournament_sweeps_draw_their_figures(tmp_path):
    grid = sweep(
        tmp_path / "grid",
        "us.pressure=0.0,1.0",
        "payoffs.audience.seoul=0.0,3.0",
        "run.replications=100",
        "run.trajectories=false",
    )
    assert grid.returncode == 0, grid.stderr
    assert Image.open(tmp_path / "grid" / "heatmap_terminated.png").size[0] > 400
    cup = sweep(
        tmp_path / "cup",
        "strategy@seoul=tit_for_tat,grim_trigger",
        "strategy@tokyo=tit_for_tat,random",
        "us=absent,reactive",
        "run.replications=50",
        "run.trajectories=false",
    )
    assert cup.returncode == 0, cup.stderr
    assert Image.open(tmp_path / "cup" / "tournament.png").size[0] > 800
    table = pd.read_parquet(tmp_path / "cup" / "sweep.parquet")
    assert len(table) == 8 and {"strategy@seoul", "strategy@tokyo", "us"} <= set(table.columns)
    manifest = json.loads((tmp_path / "cup" / "manifest.json").read_text())
    for entry in manifest["cells"]:  # the launch's cells are Hydra's jobs, in Hydra's order
        hydra_overrides = tmp_path / "cup" / str(entry["cell"]) / ".hydra" / "overrides.yaml"
        assert yaml.safe_load(hydra_overrides.read_text()) == entry["overrides"]
    assert manifest["keys"] == ["strategy@seoul", "strategy@tokyo", "us"]
    assert manifest["version"] == sim.__version__  # beside multirun.yaml's config and seed


def test_a_settled_share_of_zero_draws_its_interval():
    # A share of 0 got a Wilson lower bound of 2.17e-19, so p - lo < 0 and matplotlib refused
    # the error bars: "ValueError: 'yerr' must not contain negative values".
    from sim.experiment.sweep import outcome_shares
    from sim.figures.sweep import plot_outcome_curve

    runs = pd.DataFrame({"outcome": ["never_noticed"] * 1000})
    runs["outcome_settled"] = runs["outcome"]
    rows = []
    for pressure in (0.0, 1.0):
        row = {"us.pressure": pressure, "replications": 1000}
        for prefix, column in (("p_", "outcome"), ("p_settled_", "outcome_settled")):
            for outcome, share in outcome_shares(runs, column).items():
                row |= {
                    f"{prefix}{outcome}{end}": getattr(share, field)
                    for end, field in (("", "p"), ("_lo", "lo"), ("_hi", "hi"))
                }
        rows.append(row)
    data = make_outcome_curve_data(pd.DataFrame(rows), "us.pressure", None)
    assert data.settled is not None and data.settled["terminated"].tolist() == [0.0, 0.0]
    figure = plot_outcome_curve(data)
    bars = [c for c in figure.axes[0].containers if c.has_yerr]
    assert len(bars) == 2  # kept and terminated once settled, each with its bars


@pytest.fixture(scope="module")
def unnoticed_sweep(tmp_path_factory):
    """A sweep of thaad_2016, a case without an outcome rule: nothing is put on notice."""
    folder = tmp_path_factory.mktemp("unnoticed")
    args = ("scenario=thaad_2016", "us.pressure=0,1", "run.replications=300")
    return folder, sweep(folder, *args, "run.trajectories=false")


@pytest.mark.slow
def test_a_case_without_an_outcome_rule_draws_how_often_milestones_are_reached(unnoticed_sweep):
    # The sweep ran every cell, then died drawing a flat "never noticed" curve (its error bars
    # refused); the curve such a case can show is how often each milestone is reached.
    folder, done = unnoticed_sweep
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    from sim.figures.sweep import make_reach_curve_data

    assert not list(folder.glob("outcomes_by_*.png")) and not list(folder.glob("heatmap_*"))
    assert Image.open(folder / "reached_by_us_pressure.png").size[0] > 500
    table = pd.read_parquet(folder / "sweep.parquet")
    scenario = load_scenario("thaad_2016")
    data = make_reach_curve_data(table, "us.pressure", {m.id: m.label for m in scenario.milestones})
    assert list(data.p) == [m.label for m in scenario.milestones]
    tour_ban = 1 - table["beijing_group_tour_ban_never"].to_numpy()
    assert np.allclose(data.p["Beijing: group-tour ban"], tour_ban)
    assert (data.lo["Beijing: group-tour ban"] <= tour_ban).all()
    assert data.runs == 300


def test_tournament_panels_hold_each_rule_pairs_share_per_us_setting():
    rows = [
        (seoul, tokyo, us)
        for us in ("absent", "reactive")
        for seoul in ("tit_for_tat", "grim_trigger")
        for tokyo in ("tit_for_tat", "random")
    ]
    table = pd.DataFrame(rows, columns=["strategy@seoul", "strategy@tokyo", "us"])
    table["p_terminated"] = np.arange(8) / 10  # each row its own value, to be found again
    table["p_settled_terminated"] = np.arange(8) / 10 + 0.05
    keys = ["strategy@seoul", "strategy@tokyo", "us"]
    panels = make_tournament_data(table, "terminated", keys, settled=True)
    assert list(panels) == ["us=absent", "us=reactive"]
    for name, panel in panels.items():
        assert (panel.x_key, panel.y_key, panel.settled) == (
            "strategy@tokyo",
            "strategy@seoul",
            True,
        )
        for (i, j), value in np.ndenumerate(panel.value):
            row = table[
                (table["us"] == name.removeprefix("us="))
                & (table["strategy@seoul"] == panel.y[i])
                & (table["strategy@tokyo"] == panel.x[j])
            ]
            assert value == row["p_settled_terminated"].item()
    within = make_tournament_data(table, "terminated", keys)["us=absent"]
    assert np.allclose(within.value, panels["us=absent"].value - 0.05)


def test_outcome_curve_and_heatmap_data_are_the_table_values():
    table = pd.DataFrame(
        {
            "cell": [0, 1, 2, 3],
            "x": [1.0, 0.0, 1.0, 0.0],
            "y": [0.0, 0.0, 2.0, 2.0],
            **{
                f"p_{o}{s}": [0.1, 0.2, 0.3, 0.4]
                for o in ("never_noticed", "noticed_then_kept", "terminated", "pending")
                for s in ("", "_lo", "_hi")
            },
        }
    )
    heat = make_heatmap_data(table, "x", "y", "terminated")
    assert heat.x == [0.0, 1.0] and heat.y == [0.0, 2.0]
    assert heat.value.tolist() == [[0.2, 0.1], [0.4, 0.3]]
    from sim.figures.sweep import map_figures, plot_heatmap, plot_outcome_curve

    curve = make_outcome_curve_data(table.iloc[:2], "x", "noticed_then_kept")
    assert curve.x.tolist() == [0.0, 1.0]
    assert curve.p["terminated"].tolist() == [0.2, 0.1]
    assert curve.settled is None  # runs not followed: no settled shares to draw
    table["p_settled_terminated"] = [0.5, 0.6, 0.7, 0.8]
    table["p_settled_noticed_then_kept"] = [0.05, 0.15, 0.25, 0.35]
    for outcome, (low, high) in {"terminated": (0.4, 0.9), "noticed_then_kept": (0.0, 0.5)}.items():
        table[f"p_settled_{outcome}_lo"] = table[f"p_settled_{outcome}"] - low / 10
        table[f"p_settled_{outcome}_hi"] = table[f"p_settled_{outcome}"] + high / 10
    curve = make_outcome_curve_data(table.iloc[:2], "x", "noticed_then_kept")
    assert curve.settled["terminated"].tolist() == [0.6, 0.5]
    assert curve.settled["noticed_then_kept"].tolist() == [0.15, 0.05]
    assert np.allclose(curve.settled_lo["terminated"], [0.56, 0.46])
    assert np.allclose(curve.settled_hi["noticed_then_kept"], [0.2, 0.1])
    # the settled shares are drawn with their intervals (they had none): bars, ends as given
    from matplotlib.collections import LineCollection

    drawn = plot_outcome_curve(curve).axes[0]
    bars = [c for c in drawn.collections if isinstance(c, LineCollection)]
    ends = sorted(
        round(float(y), 6) for bar in bars for seg in bar.get_segments() for y in seg[:, 1]
    )
    assert ends == sorted([0.56, 0.69, 0.46, 0.59, 0.15, 0.2, 0.05, 0.1])
    # The figures speak words, not identifiers, and say how many runs each cell holds.

    table["replications"] = 300
    ax = plot_outcome_curve(make_outcome_curve_data(table.iloc[:2], "x", "terminated")).axes[0]
    assert ax.get_title() == "How the runs end, by x (300 runs a cell)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "terminated (the real outcome)" in legend and "never noticed" in legend
    assert not any("_" in label for label in legend)
    figure = plot_heatmap(heat)
    assert figure.axes[0].get_title() == "Share of runs terminated at the window's end"
    # with followed runs the maps show the settled share, the one the docs call P(terminated)
    settled = make_heatmap_data(table, "x", "y", "terminated", settled=True)
    assert settled.value.tolist() == [[0.6, 0.5], [0.8, 0.7]]
    title = plot_heatmap(settled).axes[0].get_title()
    assert title == "Share of runs terminated once the pending runs settled"
    maps = map_figures(table, ["x", "y"], "never_noticed")  # never noticed: nothing to settle
    titles = {name: figure.axes[0].get_title() for name, figure in maps.items()}
    assert titles == {
        "heatmap_terminated.png": "Share of runs terminated once the pending runs settled",
        "heatmap_never_noticed.png": "Share of runs never noticed at the window's end",
    }
    assert figure.axes[1].get_ylabel() == "share of runs"  # the colour bar


def test_a_rule_swept_beside_a_number_gets_a_curve_of_its_own_and_maps_name_what_they_average():
    """Both rules' cells were drawn on one curve against us.pressure, zig-zagging between them,
    and a third swept key was averaged into the heatmaps without a word."""
    from sim.figures.sweep import map_figures
    from sim.figures.sweep_context import other_groups

    p = {f"p_{o}{s}": 0.1 for o in OUTCOMES for s in ("", "_lo", "_hi")}
    rules = ["tit_for_tat", "fictitious_play"] * 3
    table = pd.DataFrame(
        {"us.pressure": [0.0, 0.0, 0.5, 0.5, 1.0, 1.0], "strategy@seoul": rules, **p}
    )
    table["p_terminated"] = [0.1, 0.6, 0.2, 0.7, 0.3, 0.8]
    groups = other_groups(table, ["us.pressure", "strategy@seoul"], "us.pressure")
    assert [name for name, _ in groups] == [
        "strategy@seoul=tit_for_tat",
        "strategy@seoul=fictitious_play",
    ]
    curves = [make_outcome_curve_data(part, "us.pressure", None) for _, part in groups]
    assert [c.p["terminated"].tolist() for c in curves] == [[0.1, 0.2, 0.3], [0.6, 0.7, 0.8]]
    assert other_groups(table, ["us.pressure"], "us.pressure")[0][0] == ""
    # which key the curves run against: payoffs x us drew no outcome figure at all
    from sim.figures.sweep_context import curve_keys

    assert curve_keys(["us.pressure", "strategy@seoul"], ["us.pressure"], False) == ["us.pressure"]
    assert curve_keys(["payoffs", "us"], [], False) == ["payoffs"]
    assert curve_keys(["strategy@seoul", "strategy@tokyo"], [], True) == []  # the tournament
    assert curve_keys(["x", "y", "z"], ["x", "y"], True) == []  # the heatmaps
    assert curve_keys(["us"], [], False) == ["us"]
    # a group of run.follow=false cells has the settled columns, empty: nothing to draw or list
    unfollowed = table.assign(
        **{f"p_settled_{o}{e}": np.nan for o in OUTCOMES for e in ("", "_lo", "_hi")}
    )
    assert make_outcome_curve_data(unfollowed, "us.pressure", None).settled is None
    # unordered values (rules, presets) get bars: a band joined them as if they were a scale
    from matplotlib.collections import PolyCollection

    from sim.figures.sweep import plot_outcome_curve

    rules_axes = plot_outcome_curve(make_outcome_curve_data(table, "strategy@seoul", None)).axes
    assert not any(isinstance(c, PolyCollection) for c in rules_axes[0].collections)
    numbers = plot_outcome_curve(make_outcome_curve_data(table, "us.pressure", None)).axes[0]
    assert sum(isinstance(c, PolyCollection) for c in numbers.collections) == len(OUTCOMES)
    table["seoul.activity"] = [0.2, 0.4] * 3
    maps = map_figures(table, ["us.pressure", "seoul.activity", "strategy@seoul"], None)
    title = maps["heatmap_terminated.png"].axes[0].get_title()
    assert title.endswith("\neach square the mean of its cells over strategy@seoul"), title
    # seven or more combinations would be as many figures: none, the cells are in the table
    many = pd.concat([table.assign(**{"strategy@seoul": f"r{i}"}) for i in range(4)])
    assert (
        other_groups(many, ["us.pressure", "strategy@seoul", "seoul.activity"], "us.pressure") == []
    )


def test_milestone_figure_says_how_often_each_cell_never_reaches_it():
    # a cell whose runs never reach a milestone drew an empty row with no word of why
    from sim.figures.sweep import make_milestone_data, plot_milestone_violins

    columns = [m.column for m in load_scenario("gsomia_2019").milestones]
    reached = pd.DataFrame({c: [10.0, 20.0, None, 30.0] for c in columns})
    never = pd.DataFrame({c: [None] * 4 for c in columns}, dtype=float)
    cells = [
        {"summary": {"scenario": "gsomia_2019"}, "replications": table}
        for table in (reached, never)
    ]
    data = make_milestone_data(cells, ["a", "b"], "us.pressure")
    assert data.never["Seoul: GSOMIA notice"] == [0.25, 1.0]
    figure = plot_milestone_violins(data)
    panel = next(ax for ax in figure.axes if ax.get_title() == "Seoul: GSOMIA notice")
    assert [t.get_text() for t in panel.texts] == [" never 25%", " never 100%"]
    # the sweep's figures name the case and seed the cells share (none said either), and
    # leave out what the cells differ in
    from sim.figures.sweep_context import shared_context

    title = load_scenario("gsomia_2019").title
    for cell, seed in zip(cells, (7, 7), strict=True):
        cell["summary"]["seed"] = seed
    assert shared_context(cells) == f"{title}, seed 7"
    cells[1]["summary"]["seed"] = 8
    assert shared_context(cells) == title
    # nor which parameters: a sweep of the hand-set values looked like one of the fit
    for cell in cells:
        cell["summary"] |= {"fit": "none", "parameters": "hand-set"}
    assert shared_context(cells) == f"{title}, hand-set parameters"
    for cell in cells:
        cell["summary"] |= {"fit": "gsomia_2019", "parameters": "point estimate"}
    assert shared_context(cells) == f"{title}, the fit gsomia_2019"
    cells[0]["summary"]["parameters"] = "posterior draws, one per replication"
    cells[1]["summary"]["parameters"] = (  # a tournament's cell under another rule
        "posterior draws, one per replication, fitted under other rules: "
        "fictitious_play/fictitious_play"
    )
    assert shared_context(cells) == f"{title}, the fit gsomia_2019 (posterior draws)"
    cells[1]["summary"]["fit"] = "thaad_2016"
    assert shared_context(cells) == title
    # A cell where one run reaches it has no violin, but that run is drawn; every panel spans
    # the runs' weeks and says when week 0 is; the row of an empty cell stays inside the frame.
    one = pd.DataFrame({c: [None, None, 12.0, None] for c in columns})
    cells = [{"summary": {"scenario": "gsomia_2019", "start": "2018-10-29", "weeks": 62}}]
    cells = [cells[0] | {"replications": table} for table in (reached, one, never)]
    figure = plot_milestone_violins(make_milestone_data(cells, ["a", "b", "c"], "k"))
    panel = next(ax for ax in figure.axes if ax.get_title() == "Seoul: GSOMIA notice")
    (single,) = [line for line in panel.lines if line.get_marker() == "|"]
    assert list(single.get_xdata()) == [12.0] and list(single.get_ydata()) == [1]
    assert panel.get_xlim() == (-1, 62) and panel.get_xlabel() == "week (0 = 2018-10-29)"
    assert panel.get_ylim()[0] < 0 < 2 < panel.get_ylim()[1]
    assert "black line" in figure.get_suptitle()


def children_of(pid):
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
def test_joblib_workers_end_with_a_killed_sweep(tmp_path, stop):
    # SIGTERM (a scheduler's stop) left the two cells' temporary files, while the last line
    # said "temporary files were removed"
    args = [sys.executable, "-m", "sim", "run", "-m", f"hydra.sweep.dir={tmp_path}"]
    args += ["us.pressure=0.0,1.0", "run.replications=400000", "run.trajectories=false"]
    args += ["run.progress=false", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]
    parent = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    workers = []
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
        workers = [
            p for p in children_of(parent.pid) if "loky" in Path(f"/proc/{p}/cmdline").read_text()
        ]
    assert len(workers) >= 2, "no joblib workers started"
    while (
        not list(tmp_path.glob("[01]/.replications.parquet.*.tmp")) and time.monotonic() < deadline
    ):
        time.sleep(0.5)
    writing = list(tmp_path.glob("[01]/.replications.parquet.*.tmp"))
    assert writing, "no cell began writing: the kill would test nothing"  # else vacuous below
    parent.send_signal(stop)
    parent.wait(timeout=30)
    if stop == signal.SIGTERM:
        assert parent.returncode == 143
        said = parent.stderr.read().decode() if parent.stderr else ""
        assert said.startswith("error: terminated; temporary files were removed (a sweep resumes")
        assert said.count("\n") == 1, said
    deadline = time.monotonic() + 30
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(alive(p) for p in workers), "joblib workers outlived their sweep"
    assert not list(tmp_path.rglob("*.tmp")), "a worker left a temporary file"
