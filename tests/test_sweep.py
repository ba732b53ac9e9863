import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from sim.experiment.sweep import wilson_interval
from sim.figures.sweep import make_heatmap_data, make_outcome_curve_data

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


def test_a_changed_config_is_not_taken_for_a_finished_cell(tmp_path):
    assert sweep(tmp_path, "us.pressure=0.0,1.0", "run.replications=100").returncode == 0
    done = sweep(tmp_path, "us.pressure=0.0,1.0", "run.replications=150")
    assert "already complete" not in done.stdout
    assert pd.read_parquet(tmp_path / "sweep.parquet")["replications"].tolist() == [150, 150]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["us.presure=0,1"], "presure"),
        (
            ["us.pressure=0.5,1.5"],
            r"sweep cell 1 \(.*us.pressure=1.5.*\).*outside the allowed range",
        ),
        (["strategy@seoul=tit_for_tat,chaos"], "chaos"),
    ],
)
def test_bad_sweep_fails_before_any_job_starts(tmp_path, overrides, message):
    done = sweep(tmp_path, *overrides, "run.replications=50")
    assert done.returncode != 0
    assert re.search(message, done.stderr), done.stderr
    assert cells(tmp_path) == []


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
            launcher="ray",
            env=ray,
        ),
    }
    for name, done in runs.items():
        assert done.returncode == 0, (name, done.stderr[-2000:])
    tables = {name: pd.read_parquet(tmp_path / name / "sweep.parquet") for name in runs}
    pd.testing.assert_frame_equal(tables["basic"], tables["joblib"])
    pd.testing.assert_frame_equal(tables["basic"], tables["ray"])
    assert "Ray" in runs["ray"].stdout + runs["ray"].stderr
    shutil.rmtree(ray_temp, ignore_errors=True)


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
    curve = make_outcome_curve_data(table.iloc[:2], "x", "noticed_then_kept")
    assert curve.x.tolist() == [0.0, 1.0]
    assert curve.p["terminated"].tolist() == [0.2, 0.1]
