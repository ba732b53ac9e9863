"""escalation explore: input space, designs, chunked evaluation, indices, PRIM, launchers."""

import itertools
import json
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
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from one_line import refused
from SALib.sample import morris as morris_sample

from sim.analysis.discovery import BoxLimit, feature_scores, prim_box
from sim.analysis.sensitivity import morris_indices
from sim.core.errors import ConfigError
from sim.core.params import ModelParams
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import default_config
from sim.experiment.explore.chunk import chunk_slice
from sim.experiment.explore.design import draw_design, sobol_points
from sim.experiment.explore.models import (
    ISHIGAMI_S1,
    ISHIGAMI_ST,
    EscalationEvaluator,
    IshigamiInputs,
)
from sim.experiment.explore.options import DesignOptions, ExploreOptions
from sim.experiment.explore.space import Input, InputKind, build_space, schema_fields
from sim.figures.explore import (
    make_index_bar_data,
    make_prim_box_data,
    make_surface_data,
    plot_index_bars,
    plot_prim_box,
    plot_surface,
    surface_bins,
)

ROOT = Path(__file__).resolve().parents[1]
SMALL = [
    "explore.design.n=8",
    "explore.replications=10",
    "explore.chunks=3",
    "explore.bootstrap=20",
    "explore.outcomes=[p_terminated,peak_tension]",
]


def explore(folder, *overrides, launcher=None, env=None):
    args = [sys.executable, "-m", "sim", "explore", f"hydra.sweep.dir={folder}", *overrides]
    if launcher:
        args.append(f"hydra/launcher={launcher}")
    return subprocess.run(
        args,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def test_default_space_is_every_bounded_parameter_with_the_schemas_ranges():
    params = ModelParams()
    space = build_space(params, None, [], {}, {}, EscalationEvaluator.choices)
    fields = schema_fields(params)
    assert len(space.inputs) >= 20
    for item in space.inputs:
        assert fields[item.key].bounds == (item.low, item.high)
    bounded = {
        k for k, f in fields.items() if f.bounds and f.kind in (InputKind.REAL, InputKind.INTEGER)
    }
    assert set(space.names) == bounded
    assert space.inputs[space.names.index("us.delay")].kind == InputKind.INTEGER


def test_a_preset_narrows_ranges_and_adds_levels():
    space = build_space(
        ModelParams(),
        ["us.pressure"],
        [],
        {"us": {"pressure": [0.2, 0.6]}},
        {"seoul": {"rule": ["tit_for_tat", "quantal_response"]}},
        {"seoul.rule": ["tit_for_tat", "quantal_response", "grim_trigger"]},
    )
    assert space.names == ["us.pressure", "seoul.rule"]
    assert (space.inputs[0].low, space.inputs[0].high) == (0.2, 0.6)
    assert space.inputs[1].levels == ("tit_for_tat", "quantal_response")


def test_named_inputs_are_the_only_numbers_that_vary():
    # The preset's ranges for other keys were added: "only these" three gave 36 inputs.
    preset = {"us": {"delay": [0, 8], "pressure": [0.0, 1.0]}, "seoul": {"noise": [0.0, 0.1]}}
    preset |= {"payoffs": {"deadline": [0.0, 100.0]}, "tokyo": {"activity": [0.1, 0.6]}}
    named = ["us.pressure", "us.delay", "seoul.noise"]
    space = build_space(ModelParams(), named, [], preset, {}, EscalationEvaluator.choices)
    assert space.names == named
    assert (space.inputs[2].low, space.inputs[2].high) == (0.0, 0.1)  # the preset narrows it
    every = build_space(ModelParams(), None, [], preset, {}, EscalationEvaluator.choices)
    assert {"payoffs.deadline", "tokyo.activity"} <= set(every.names)


@pytest.mark.parametrize(
    ("ranges", "levels", "message"),
    [
        (
            {"payoffs.audence.seoul": [0, 1]},
            {},
            "payoffs.audence.seoul is not a parameter of this model "
            "(did you mean payoffs.audience.seoul?)",
        ),
        (
            {"us": {"pressure": [0, 2]}},
            {},
            "us.pressure=[0, 2] is outside the schema's bounds [0, 1] of us.pressure",
        ),
        ({"us": {"policy": [0, 1]}}, {}, "us.policy is categorical"),
        ({}, {"us": {"pressure": ["a", "b"]}}, "us.pressure is not a choice key"),
        ({"us": {"delay": [0.5, 3]}}, {}, "us.delay is an integer"),
    ],
)
def test_bad_input_spaces_name_the_key(ranges, levels, message):
    with pytest.raises(ConfigError, match=None) as problem:
        build_space(ModelParams(), None, [], ranges, levels, EscalationEvaluator.choices)
    assert message in str(problem.value)


@settings(max_examples=60, deadline=None)
@given(
    unit=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30),
    low=st.integers(-5, 5),
    span=st.integers(0, 9),
)
def test_unit_samples_map_into_each_inputs_range(unit, low, span):
    unit = np.array(unit)
    real = Input("x", InputKind.REAL, low, low + span + 0.5).values(unit)
    assert np.all((real >= low) & (real <= low + span + 0.5))
    integer = Input("k", InputKind.INTEGER, low, low + span).values(unit)
    assert integer.dtype.kind == "i" and np.all((integer >= low) & (integer <= low + span))
    levels = Input("c", InputKind.CATEGORICAL, levels=("a", "b", "c")).values(unit)
    assert set(levels) <= {"a", "b", "c"}


def test_sobol_design_size_and_power_of_two_check():
    space = build_space(IshigamiInputs(), None, [], {}, {}, {})
    design = draw_design(space, DesignOptions(method="sobol", n=64), seed=1)
    assert design.points == sobol_points(64, 3, False) == 64 * 5
    assert design.table()["x1"].between(-np.pi, np.pi).all()
    with pytest.raises(ConfigError, match=r"explore.design.n=1000 is not a power of two.*1024"):
        draw_design(space, DesignOptions(method="sobol", n=1000), seed=1)


def test_the_ishigami_function_of_two_inputs_holds_the_third_at_zero():
    # explore=ishigami 'explore.inputs=[x1,x2]' ended in a traceback after its plan: the
    # input left out was a scalar that could not be stacked with the others
    from sim.experiment.explore.models import IshigamiEvaluator

    values = pd.DataFrame({"x1": [0.5, -1.0], "x2": [1.0, 2.0]})
    model = IshigamiEvaluator(ExploreOptions(model="ishigami"))
    y = model.evaluate(None, values, np.random.SeedSequence(1))["y"]
    np.testing.assert_allclose(y, np.sin(values["x1"]) + 7 * np.sin(values["x2"]) ** 2)


def test_one_input_is_refused_and_two_have_a_convergence_check_json_can_hold():
    # one input ended in a scikit-learn traceback after every chunk had run; two in "Out of
    # range float values are not JSON compliant: nan" (the rank correlation of two indices),
    # and their top inputs were "the same" whatever the indices, being all of them
    from sim.analysis.sensitivity import sobol_convergence
    from sim.experiment.store import json_text

    with pytest.raises(ConfigError, match=r"x1 is the only input; .* escalation run -m x1="):
        build_space(IshigamiInputs(), ["x1"], [], {}, {}, {})
    space = build_space(IshigamiInputs(), ["x1", "x2"], [], {}, {}, {})
    design = draw_design(space, DesignOptions(method="sobol", n=64), seed=1).table()
    y = design["x1"].to_numpy() + 0.1 * design["x2"].to_numpy()
    _, summary = sobol_convergence(space.problem(), y, "y", 64, False, 20, 0.95, 1)
    assert summary["rank_correlation_st"] is None and summary["top_inputs"] == 1
    assert summary["top_inputs_same"]  # x1 leads at both sizes
    assert '"rank_correlation_st": null' in json_text(summary)


@settings(max_examples=50, deadline=None)
@given(points=st.integers(1, 500), chunks=st.integers(1, 40))
def test_chunks_cover_the_design_once(points, chunks):
    covered = np.concatenate(
        [np.arange(points)[chunk_slice(points, chunks, c)] for c in range(chunks)]
    )
    assert np.array_equal(covered, np.arange(points))


@pytest.fixture(scope="module")
def evaluator(default):
    options = ExploreOptions(replications=200, batch=2000)
    return EscalationEvaluator(options), default


def test_each_design_point_gets_its_own_parameters(evaluator):
    model, config = evaluator
    values = pd.DataFrame({"seoul.activity": [0.0, 0.5, 0.0], "tokyo.activity": [0.0, 0.5, 0.0]})
    out = model.evaluate(config, values, np.random.SeedSequence(3))
    still = out.iloc[[0, 2]]
    weeks = config.run.weeks or 62
    assert (still["p_terminated"] == 0).all() and (still["weeks_to_notice"] == weeks).all()
    assert (still["pressure_effect"] == 0).all()
    assert out.loc[1, "weeks_to_notice"] < weeks  # the active point does give notice at times


def test_pressure_effect_uses_common_random_numbers(default):
    values = pd.DataFrame({"us.pressure": [0.3, 0.9], "seoul.activity": [0.4, 0.2]})
    same = ExploreOptions(replications=300)
    same.pressure_effect.low = same.pressure_effect.high = 0.7
    out = EscalationEvaluator(same).evaluate(default, values, np.random.SeedSequence(5))
    assert (out["pressure_effect"] == 0).all()  # equal levels, same random numbers: exactly 0
    # Full pressure saves GSOMIA with the hand-set values (Seoul's pressure weight 4.0); the
    # fit puts that weight at the floor of its box, where pressure barely moves the notice.
    hand_set = default_config(["run.progress=false", "fit=none"])
    apart = ExploreOptions(replications=2000)
    out = EscalationEvaluator(apart).evaluate(hand_set, values, np.random.SeedSequence(5))
    assert (out["pressure_effect"] < 0).all()


def test_morris_finds_the_linear_effect():
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    x = morris_sample.sample(problem, 20, num_levels=4, seed=2)
    y = 3 * x[:, 0] + x[:, 1] ** 2
    table = morris_indices(problem, x, y, "y", 20, 4, 100, 0.95, 2)
    mu_star = table[table["index"] == "mu_star"].set_index("input")["value"]
    assert mu_star["a"] == pytest.approx(3.0, abs=1e-9)
    assert mu_star["c"] == pytest.approx(0.0, abs=1e-12)
    # for y = b^2 a step of b from b1 to b2 has the effect (b2^2 - b1^2) / (b2 - b1) = b1 + b2
    effects = []
    for trajectory in x.reshape(20, 4, 3):  # 20 trajectories of num_vars + 1 points
        for before, after in itertools.pairwise(trajectory):
            if before[1] != after[1]:
                effects.append(before[1] + after[1])
    assert len(effects) == 20
    assert mu_star["b"] == pytest.approx(np.mean(np.abs(effects)), abs=1e-12)


def test_prim_recovers_a_planted_box_and_feature_scores_rank_it():
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.random((3000, 4)), columns=["a", "b", "c", "d"])
    interesting = (x["a"] > 0.7) & (x["b"] < 0.4)
    box = prim_box(x, interesting.to_numpy(), "y", "planted", 0.05, 0.8)
    limits = {b.input: b for b in box.limits}
    assert set(limits) == {"a", "b"}
    assert limits["a"].low == pytest.approx(0.7, abs=0.03)
    assert limits["b"].high == pytest.approx(0.4, abs=0.03)
    assert box.density > 0.9 and box.coverage >= 0.8
    scores = feature_scores(x, {"y": interesting.to_numpy(float)}, seed=1)
    top = scores.sort_values("score", ascending=False)["input"].head(2)
    assert set(top) == {"a", "b"}
    assert prim_box(x, np.zeros(3000, bool), "y", "none", 0.05, 0.5) is None


def test_an_integer_inputs_limits_are_the_whole_values_the_box_keeps():
    # PRIM peels integers as reals and reported "us.delay 0 to 7.5"; the box keeps 0 to 7
    rng = np.random.default_rng(5)
    x = pd.DataFrame({"a": rng.random(3000), "k": rng.integers(0, 11, 3000)})
    interesting = (x["a"] > 0.6) & (x["k"] <= 6)
    box = prim_box(x, interesting.to_numpy(), "y", "planted", 0.05, 0.8)
    k = next(b for b in box.limits if b.input == "k")
    assert k.low == int(k.low) and k.high == int(k.high)
    assert k.high == pytest.approx(6, abs=1)
    assert ((x["k"] >= k.low) & (x["k"] <= k.high) & interesting).sum() > 0
    # its kept share counts whole values (0 to 10: 11): the real span's share called a cut
    # of 0 to 8 to 0 to 7 weak in the report while its figure, in whole values, did not
    assert k.kept == pytest.approx((k.high - k.low + 1) / 11)


def test_figure_data_are_the_table_values():
    indices = pd.DataFrame(
        {
            "outcome": "y",
            "method": "sobol",
            "input": ["a", "b", "a", "b"],
            "index": ["S1", "S1", "ST", "ST"],
            "value": [0.1, 0.5, 0.2, 0.6],
            "conf": [0.01, 0.02, 0.03, 0.04],
            "n": 64,
        }
    )
    bars = make_index_bar_data(indices, "y", "sobol", 64)
    assert list(bars.table["input"]) == ["b", "a"]
    assert bars.table.loc[0, "ST_conf"] == 0.04
    assert isinstance(plot_index_bars(bars), Figure)
    design = pd.DataFrame({"a": [0.0, 0.0, 1.0, 1.0], "b": [0.0, 1.0, 0.0, 1.0]})
    surface = make_surface_data(
        design, pd.DataFrame({"y": [1.0, 2.0, 3.0, 5.0]}), "y", "a", "b", bins=2
    )
    assert surface.mean.tolist() == [[1.0, 3.0], [2.0, 5.0]]
    assert isinstance(plot_surface(surface), Figure)
    # the grid follows the distinct pairs: a small Sobol design gave a 12 x 12 checkerboard
    repeated = pd.concat([design] * 50, ignore_index=True)  # 200 points, 4 pairs
    coarse = make_surface_data(repeated, pd.DataFrame({"y": np.arange(200.0)}), "y", "a", "b")
    assert (coarse.points, coarse.pairs, coarse.mean.shape) == (200, 4, (3, 3))
    assert [surface_bins(n) for n in (4, 256, 1440, 4096)] == [3, 5, 12, 12]
    limits = [
        BoxLimit("a", 2.0, 4.0, None, 0.01, kept=0.25),
        BoxLimit("b", 0.5, 7.9, None, 0.2, kept=0.925),
    ]
    box = make_prim_box_data(limits, {"a": (0.0, 8.0), "b": (0.0, 8.0)})
    assert box.loc[0, ["low", "high"]].tolist() == [0.25, 0.5]
    figure = plot_prim_box(box, "rule")
    # the weak restriction (keeps 92% of b's range, quasi-p 0.2) is drawn apart, and said so
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert labels[0] == "restriction" and labels[1].startswith("weak")
    # weak or not is judged by the report's kept share, not by the bar's length
    one = make_prim_box_data([BoxLimit("c", 1.0, 8.0, None, 0.01, kept=0.95)], {"c": (0, 8)})
    shown = plot_prim_box(one, "rule").axes[0].get_legend().get_texts()
    assert [t.get_text()[:4] for t in shown] == ["weak"]
    # each kept interval, in the input's units, lies inside the figure (it was cut at its edge)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    frame = figure.get_window_extent(renderer)
    [right] = figure.axes[0].child_axes
    ranges = [t for t in right.get_yticklabels() if t.get_text()]
    assert [t.get_text() for t in ranges] == ["2 to 4", "0.5 to 7.9"]
    assert all(t.get_window_extent(renderer).x1 <= frame.x1 for t in ranges)


@pytest.fixture(scope="module")
def ishigami(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ishigami")
    done = explore(folder, "explore=ishigami")
    assert done.returncode == 0, done.stderr[-3000:]
    return folder, done


def test_ishigami_indices_match_the_analytic_values_within_their_intervals(ishigami):
    folder, _ = ishigami
    indices = pd.read_parquet(folder / "indices.parquet")
    sobol = indices[(indices["method"] == "sobol") & (indices["n"] == 1024)]
    for index, truth in (("S1", ISHIGAMI_S1), ("ST", ISHIGAMI_ST)):
        rows = sobol[sobol["index"] == index].set_index("input")
        for name, value in truth.items():
            assert abs(rows.loc[name, "value"] - value) <= rows.loc[name, "conf"], (index, name)


def test_an_exploration_folder_holds_every_result(ishigami):
    folder, done = ishigami
    for name in (
        "design.parquet",
        "outcomes.parquet",
        "indices.parquet",
        "prim_boxes.json",
        "explore.md",
        "explore.json",
        "multirun.yaml",
        "indices_y.png",
        "prim_tradeoff.png",
        "surface.png",
        "convergence.png",
    ):
        assert (folder / name).is_file(), name
    manifest = json.loads((folder / "explore.json").read_text())
    assert manifest["seed"] == 2019 and manifest["version"] and manifest["finished"]
    assert len(pd.read_parquet(folder / "design.parquet")) == manifest["points"] == 5120
    boxes = json.loads((folder / "prim_boxes.json").read_text())["boxes"]
    assert boxes[0]["trajectory"][0]["coverage"] == 1.0
    convergence = manifest["convergence"][0]
    assert convergence["top_inputs_same"] and convergence["rank_correlation_st"] == 1.0
    (folder / "surface.png").unlink()
    redraw = subprocess.run(
        [sys.executable, "-m", "sim", "plot", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert redraw.returncode == 0, redraw.stderr
    assert (folder / "surface.png").is_file()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["explore.inputs=[us.pressure,payoffs.audence.seoul]"], "payoffs.audence.seoul is not"),
        (  # ran the whole design, then said "No box: no design point (or every one) meets"
            ["explore.prim.threshold=1.5"],
            "explore.prim.threshold=1.5: p_terminated runs from 0 to 1, so no design point",
        ),
        (  # said OmegaConf's "Invalid value assigned: str is not a ListConfig, list or tuple."
            ["explore.outcomes=p_terminated"],
            "explore.outcomes: it takes a list, in brackets: 'explore.outcomes=[A,B]'",
        ),
        (["+explore.ranges.payoffs.audence.seoul=[0,1]"], "payoffs.audence.seoul is not"),
        (["explore.ranges.us.pressure=[0,2]"], "us.pressure=[0, 2] is outside the schema's bounds"),
        (["+explore.ranges.us.policy=[0,1]"], "us.policy is categorical"),
        (["explore.design.n=1000"], "explore.design.n=1000 is not a power of two"),
        (  # 100 chunks announced as 20, then 100 Hydra jobs, 80 of them empty folders
            ["explore=latin", "explore.design.n=4", "explore.chunks=100"],
            "explore.chunks=100 is more than the design's 4 points; give at most explore.chunks=4",
        ),
        (  # said what was wrong, not what to do
            ["explore.outcomes=[peak_tension]"],
            "measured (peak_tension); set explore.prim.outcome=peak_tension (with a threshold",
        ),
        (  # "did you mean seoul.signal?": the wrong side
            ["scenario=thaad_2016", "explore.inputs=[beijing.signal]"],
            "beijing.signal is not a parameter of this model (a side's inputs are named by slot",
        ),
    ],
)
def test_bad_input_fails_in_one_line_before_any_job(tmp_path, capsys, overrides, message):
    line = refused(capsys, "explore", f"hydra.sweep.dir={tmp_path / 'bad'}", *SMALL[1:], *overrides)
    assert message in line
    assert not (tmp_path / "bad" / "chunks").exists()


def test_a_folder_that_cannot_hold_results_fails_in_one_line(tmp_path, capsys):
    # A file in the way gave Hydra's callback warning, a traceback, and exit 0.
    (tmp_path / "afile").write_text("mine\n")
    folder = tmp_path / "afile" / "ex"
    line = refused(capsys, "explore", f"hydra.sweep.dir={folder}", *SMALL[1:])
    assert line.startswith(f"error: cannot write results into {folder}: ")
    assert (tmp_path / "afile").read_text() == "mine\n"


def test_bad_input_in_a_process_of_its_own_prints_only_its_error(tmp_path):
    # the cases above run in this process; this one checks the whole process's output once
    typo = "explore.inputs=[us.pressure,payoffs.audence.seoul]"
    done = explore(tmp_path / "bad", *SMALL[1:], typo)
    assert done.returncode == 2
    assert done.stderr == (
        "error: explore: payoffs.audence.seoul is not a parameter of this model "
        "(did you mean payoffs.audience.seoul?)\n"
    )
    assert not (tmp_path / "bad").exists()


@pytest.mark.slow
@pytest.mark.launchers  # `make test-slow` runs it on its own, `make test` does not
def test_launchers_give_identical_indices_and_resume_keeps_finished_chunks(tmp_path):
    ray_temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    runs = {
        "basic": explore(tmp_path / "basic", *SMALL),
        "joblib": explore(
            tmp_path / "joblib", *SMALL, "hydra.launcher.n_jobs=2", launcher="joblib"
        ),
        "ray": explore(
            tmp_path / "ray",
            *SMALL,
            f"+hydra.launcher.ray.init._temp_dir={ray_temp}",
            "+hydra.launcher.ray.init.num_cpus=2",
            "+hydra.launcher.ray.init.include_dashboard=false",  # not used; starts faster
            launcher="ray",
            env={"RAY_AUTH_MODE": "disabled"},
        ),
    }
    shutil.rmtree(ray_temp, ignore_errors=True)
    for name, done in runs.items():
        assert done.returncode == 0, (name, done.stderr[-3000:])
    # each says up front what its chunks will take, over the workers its launcher has
    estimate = r"explore: 3 chunks to run, 62 weeks a run: (under a second|about \d+ seconds?) "
    assert re.search(
        estimate + "with one worker, timed on this machine now, then the analysis; "
        "hydra/launcher=joblib",
        runs["basic"].stdout,
    ), runs["basic"].stdout
    for name in ("joblib", "ray"):
        said = estimate + "with 2 workers, plus their start-up, timed"  # not timed by pilots
        assert re.search(said, runs[name].stdout), runs[name].stdout
    tables = {k: pd.read_parquet(tmp_path / k / "indices.parquet") for k in runs}
    pd.testing.assert_frame_equal(tables["basic"], tables["joblib"])
    pd.testing.assert_frame_equal(tables["basic"], tables["ray"])
    outcomes = pd.read_parquet(tmp_path / "basic" / "outcomes.parquet")
    (tmp_path / "basic" / "chunks" / "1" / "chunk.json").unlink()
    again = explore(tmp_path / "basic", *SMALL)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("already complete") == 2 and "[chunk 2/3] " in again.stdout
    assert "explore: 1 chunk to run, 62 weeks a run" in again.stdout  # only the one left
    pd.testing.assert_frame_equal(
        outcomes, pd.read_parquet(tmp_path / "basic" / "outcomes.parquet")
    )


@pytest.mark.slow
def test_a_morris_screening_ranks_every_input(tmp_path):
    done = explore(
        tmp_path,
        "explore=morris",
        "explore.design.n=4",
        "explore.replications=10",
        "explore.chunks=2",
        "explore.bootstrap=20",
        "explore.outcomes=[p_terminated,peak_tension]",
        "explore.prim.outcome=peak_tension",
        "explore.prim.threshold=0.7",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    manifest = json.loads((tmp_path / "explore.json").read_text())
    assert manifest["points"] == 4 * (len(manifest["inputs"]) + 1)
    assert manifest["fit"] == "gsomia_2019"  # the values the inputs leave: the figures say it
    indices = pd.read_parquet(tmp_path / "indices.parquet")
    morris = indices[(indices["method"] == "morris") & (indices["index"] == "mu_star")]
    assert len(morris) == 2 * len(manifest["inputs"])
    # mu* by hand: in each trajectory of k + 1 points one input steps at a time, its effect
    # the outcome's change over the step on the unit cube; mu* the mean absolute effect
    names = [entry["input"] for entry in manifest["inputs"]]
    unit = pd.read_parquet(tmp_path / "design_unit.parquet")[names].to_numpy()
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    for outcome in ("p_terminated", "peak_tension"):
        y, effects = outcomes[outcome].to_numpy(), {name: [] for name in names}
        for a, b in itertools.pairwise(range(len(unit))):
            if b % (len(names) + 1):  # within a trajectory
                (step,) = np.flatnonzero(unit[a] != unit[b])
                effects[names[step]].append((y[b] - y[a]) / (unit[b, step] - unit[a, step]))
        found = morris[morris["outcome"] == outcome].set_index("input")["value"]
        expected = pd.Series({name: np.abs(e).mean() for name, e in effects.items()})
        np.testing.assert_allclose(found[names], expected[names], atol=1e-12)
        assert found.max() > 0  # some input moves the outcome
    assert (tmp_path / "morris_p_terminated.png").is_file()
    assert "mu_star" in (tmp_path / "explore.md").read_text()


def test_a_quasi_p_that_underflowed_is_not_printed_as_zero():
    from sim.reports.explore import _quasi_p

    assert _quasi_p(0.0) == "< 1e-300" and _quasi_p(0.0004) == "4.0e-04"
    assert _quasi_p(0.25) == "0.250" and _quasi_p(None) == ""


def test_morris_labels_of_nearby_points_are_set_apart():
    # seoul.rationality and seoul.activity sat on top of each other in morris_p_terminated.png
    from sim.figures.explore import plot_morris

    data = pd.DataFrame(
        {"input": ["a", "b", "c"], "mu_star": [0.50, 0.51, 0.05], "sigma": [0.30, 0.305, 0.02]}
    )
    figure = plot_morris(data, "y")
    figure.canvas.draw()
    boxes = {t.get_text(): t.get_window_extent() for t in figure.axes[0].texts}
    assert not boxes["a"].overlaps(boxes["b"])
    assert set(boxes) == {"a", "b", "c"}


def test_convergence_labels_of_nearby_points_are_set_apart():
    # two input names overlapped in convergence.png
    from sim.figures.explore import plot_convergence

    data = pd.DataFrame(
        {"input": ["a", "b", "c"], "full": [0.50, 0.51, 0.05], "half": [0.30, 0.305, 0.02]}
    )
    figure = plot_convergence(data, "y", 8)
    figure.canvas.draw()
    boxes = {t.get_text(): t.get_window_extent() for t in figure.axes[0].texts}
    assert not boxes["a"].overlaps(boxes["b"])
    assert set(boxes) == {"a", "b", "c"}


def test_the_peeling_trajectory_colours_whole_counts_of_inputs():
    # The colour bar of "inputs restricted" read 0.5, 1.5, 2.5: fractions of a count.
    from sim.figures.explore import make_prim_tradeoff_data, plot_prim_tradeoff

    steps = [
        {"coverage": 1.0, "density": 0.27, "mass": 1.0, "res_dim": 0},
        {"coverage": 0.99, "density": 0.36, "mass": 0.7, "res_dim": 2},
        {"coverage": 0.5, "density": 1.0, "mass": 0.1, "res_dim": 4},
    ]
    figure = plot_prim_tradeoff(make_prim_tradeoff_data(steps), 2, "y >= 1")
    figure.canvas.draw()
    bar = figure.axes[1]
    ticks = bar.get_yticks()
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks
    assert ticks.min() >= 0 and ticks.max() <= 4
    points = figure.axes[0].collections[0]
    colours = points.to_rgba(points.get_array())
    assert len({tuple(c) for c in colours}) == 3  # one colour per count


def test_the_pilot_times_a_batch_by_its_parts(default):
    """The pilot's cost grows with replications and weeks, and a run of the pilot's own size
    takes about what the cost says (a loose bound: the machine is noisy)."""
    import time as clock

    from sim.core.metrics import replication_table
    from sim.core.model import EscalationModel
    from sim.experiment.explore.estimate import time_pilot
    from sim.experiment.factory import build_scenario

    cost = time_pilot(default, {}, batch=2000)
    assert min(cost.build, cost.week, cost.replication) >= 0 and cost.replication > 0
    assert cost.seconds(2000, 62) > cost.seconds(100, 62) > cost.seconds(100, 10)
    started = clock.perf_counter()
    model = EscalationModel(
        build_scenario(default.scenario),
        default.model_params,
        replications=2000,
        weeks=62,
        keep_trajectories=False,
    )
    replication_table(model.run())
    took = clock.perf_counter() - started
    assert cost.seconds(2000, 62) / 3 < took < 3 * cost.seconds(2000, 62)


@pytest.mark.parametrize(
    ("short", "long", "large", "expected"),
    [
        # 0.5 s to build, 0.01 s a week, 1e-4 s a replication-week: recovered exactly
        (0.5 + 2 * 0.02, 0.5 + 20 * 0.02, 0.5 + 20 * 0.11, (0.5, 0.01, 1e-4)),
        # the large run timed no dearer a week than the small one, or a hair dearer: the small
        # run's week (0.2 s over 18 weeks) goes to the large run's 1,000 replications
        (0.3, 0.5, 0.5, (0.3 - 0.4 / 18, 0.2 / 18 * 0.9, 0.2 / 18 / 1000)),
        (0.3, 0.5, 0.500001, (0.3 - 0.4 / 18, 0.2 / 18 * 0.9, 0.2 / 18 / 1000)),
        (0.3, 0.5, 0.2, (0.3 - 0.4 / 18, 0.2 / 18 * 0.9, 0.2 / 18 / 1000)),
        # no run timed longer than the short one: the large run's whole time over its weeks
        (0.3, 0.3, 0.3, (0.3, 0.0, 0.3 / 20 / 1000)),
    ],
)
def test_the_pilots_cost_never_calls_replications_free(short, long, large, expected):
    from sim.experiment.explore.estimate import Timing, cost_of

    cost = cost_of(Timing(100, 2, short), Timing(100, 20, long), large, 1000)
    assert (cost.build, cost.week, cost.replication) == pytest.approx(expected, rel=1e-9)


@given(st.lists(st.floats(1e-4, 100.0), min_size=4, max_size=4))
@settings(max_examples=300, deadline=None)
def test_any_pilot_timings_give_a_cost_that_never_undercuts_the_large_pilot(seconds):
    """Whatever a noisy machine times, the parts are not negative, replications are not free,
    the cost of the large pilot's own run is at least what it took, and a slower large pilot
    never gives a smaller estimate."""
    from sim.experiment.explore.estimate import Timing, cost_of

    short, long, *larges = seconds
    quick, slow = (
        cost_of(Timing(100, 2, short), Timing(100, 20, long), large, 1000)
        for large in sorted(larges)
    )
    assert min(quick.build, quick.week) >= 0 and quick.replication > 0
    assert quick.seconds(1000, 20) >= min(larges) * (1 - 1e-9)
    assert slow.seconds(10_000, 62) >= quick.seconds(10_000, 62) * (1 - 1e-12)


def test_indices_whose_top_inputs_moved_between_n_half_and_n_are_called_unsettled():
    from sim.reports.explore import unsettled

    rows = [
        {"outcome": "p_terminated", "top_inputs_same": True},
        {"outcome": "peak_tension", "top_inputs_same": False},
    ]
    assert unsettled(rows[:1]) is None and unsettled([]) is None
    said = unsettled(rows)
    assert said is not None and said.startswith(
        "the Sobol indices have not settled for peak_tension:"
    )


def test_every_exploration_figure_says_what_was_explored(ishigami):
    # indices_*.png, surface.png and the rest named no case, seed or parameters
    from sim.reports.explore_folder import explore_context

    manifest = json.loads((ishigami[0] / "explore.json").read_text())
    assert explore_context(manifest) == f"the ishigami test function, {manifest['points']:,} points"
    title = load_scenario("thaad_2016").title
    case = {"model": "escalation", "scenario": "thaad_2016", "replications": 1000, "seed": 7}
    said = f"{title}, other values the fit gsomia_2019, 1,000 runs a point, seed 7"
    assert explore_context(case | {"fit": "gsomia_2019"}) == said
    said = f"{title}, other values hand-set, 1,000 runs a point, seed 7"
    assert explore_context(case | {"fit": "none"}) == said
    assert explore_context(case) == f"{title}, 1,000 runs a point, seed 7"  # before the key


def test_plot_finishes_an_exploration_whose_analysis_was_cut_short(ishigami, tmp_path, capsys):
    # Ctrl-C during the analysis left the indices and some figures; plot took the indices for
    # a finished analysis and wrote explore.md without its convergence table, and the
    # manifest never said the exploration had finished
    from sim.cli import main

    folder = tmp_path / "cut"
    shutil.copytree(ishigami[0], folder)
    manifest = json.loads((folder / "explore.json").read_text())
    report = (folder / "explore.md").read_text()
    assert manifest["finished"] and "## Convergence" in report
    cut = {k: v for k, v in manifest.items() if k not in ("finished", "convergence")}
    (folder / "explore.json").write_text(json.dumps(cut))
    (folder / "explore.md").unlink()
    main(["plot", str(folder)])
    capsys.readouterr()
    assert json.loads((folder / "explore.json").read_text()) == manifest
    assert (folder / "explore.md").read_text() == report


@pytest.mark.slow
def test_an_exploration_run_again_with_another_config_says_it_replaces_the_first(tmp_path, capsys):
    from sim.cli import main

    tiny = ["explore=morris", "explore.replications=2", "explore.chunks=1", SMALL[-1]]
    where = f"hydra.sweep.dir={tmp_path}"
    main(["explore", *tiny, "explore.design.n=2", where])
    first = capsys.readouterr().out
    assert "replacing" not in first and "in 1 chunk ->" in first  # not "1 chunks"
    main(["explore", *tiny, "explore.design.n=2", where])
    assert "(resuming)" in capsys.readouterr().out
    main(["explore", *tiny, "explore.design.n=4", where])
    said = capsys.readouterr().out
    assert f"explore: replacing the earlier exploration in {tmp_path} (another config)" in said


def test_a_sobol_design_too_small_to_check_convergence_says_so(tmp_path, capsys):
    # n = 2 skipped the check of n/2 against n without a word, its ranking read as settled
    from sim.cli import main

    inputs = ["explore.inputs=[us.pressure,seoul.signal]", "explore.replications=2"]
    main(
        ["explore", *inputs, "explore.design.n=2", "explore.chunks=1", SMALL[-1]]
        + [f"hydra.sweep.dir={tmp_path}"]
    )
    said = "no convergence check: with n = 2 the indices cannot be compared at n/2"
    assert said in capsys.readouterr().out
    assert f"**Note:** {said}" in (tmp_path / "explore.md").read_text()


@pytest.mark.slow
def test_a_replaced_exploration_gathers_none_of_the_earlier_ones_chunks(tmp_path, capsys):
    # With 12 chunks, then 3 and another seed in the same folder, "chunks/10" and "chunks/11"
    # of the first run sorted before "chunks/2" and filled 53 of the new design's 320 points.
    from sim.cli import main

    ishigami = ["explore=ishigami", "explore.design.n=64", f"hydra.sweep.dir={tmp_path}"]
    main(["explore", *ishigami, "explore.chunks=12", "run.seed=1"])
    main(["explore", *ishigami, "explore.chunks=3", "run.seed=2"])
    assert "replacing the earlier exploration" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "chunks").iterdir()) == ["0", "1", "2"]
    design = pd.read_parquet(tmp_path / "design.parquet")
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    x1, x2, x3 = (design[name].to_numpy() for name in ("x1", "x2", "x3"))
    ishigami_y = np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)
    np.testing.assert_allclose(outcomes["y"], ishigami_y)  # every row its own design's


def test_long_morris_labels_side_by_side_are_set_apart():
    # payoffs.security.seoul and payoffs.pressure.seoul printed over each other: their points
    # were too far apart across to count as near, their long names were not
    from sim.figures.explore import plot_morris

    names = ["payoffs.security.seoul", "payoffs.pressure.seoul", "c"]
    data = pd.DataFrame(
        {"input": names, "mu_star": [0.20, 0.30, 0.05], "sigma": [0.40, 0.405, 0.02]}
    )
    figure = plot_morris(data, "y")
    figure.canvas.draw()
    boxes = {t.get_text(): t.get_window_extent() for t in figure.axes[0].texts}
    assert not boxes[names[0]].overlaps(boxes[names[1]])


def test_a_morris_label_covers_no_other_points_dot_and_a_moved_one_points_to_its_own():
    # conduct.order's name sat on tokyo.rationality's dot in morris_peak_tension.png, and
    # read as that dot's name
    from sim.figures.explore import plot_morris

    rows = {  # the nine largest mu* of that figure (its exploration: explore.design.n=6)
        "us.baseline": (0.270875, 0.357274),
        "seoul.signal": (0.2435, 0.293701),
        "payoffs.audience.seoul": (0.190125, 0.263353),
        "tokyo.rationality": (0.1385, 0.217694),
        "payoffs.audience.tokyo": (0.136125, 0.151096),
        "conduct.order": (0.13225, 0.213186),
        "payoffs.economic.seoul": (0.119125, 0.17929),
        "seoul.rationality": (0.0935, 0.134491),
        "payoffs.pressure.tokyo": (0.092875, 0.085932),
    }
    names = list(rows)
    data = pd.DataFrame({"input": names, "mu_star": [v[0] for v in rows.values()]}).assign(
        sigma=[v[1] for v in rows.values()]
    )
    figure = plot_morris(data, "y")
    figure.canvas.draw()
    ax = figure.axes[0]
    dots = ax.transData.transform(data[["mu_star", "sigma"]].to_numpy())
    r = 3 * figure.dpi / 72  # a default dot is 6 points across
    for label in ax.texts:
        box = Text.get_window_extent(label)  # the name, without its line
        own = names.index(label.get_text())
        for k, (x, y) in enumerate(dots):
            if k != own:
                dot = Bbox([[x - r, y - r], [x + r, y + r]])
                assert not box.overlaps(dot), (label.get_text(), names[k])
    boxes = [Text.get_window_extent(t) for t in ax.texts]
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))
    moved = [t for t in ax.texts if t.xyann[1] > 2]
    assert moved and all(t.arrow_patch is not None for t in moved)
    assert all(t.arrow_patch is None for t in ax.texts if t.xyann[1] == 2)


def test_a_case_without_an_outcome_rule_leaves_the_notices_outcomes_out(tmp_path):
    done = explore(
        tmp_path,
        "explore=morris",
        "scenario=thaad_2016",
        "explore.design.n=2",
        "explore.replications=5",
        "explore.chunks=1",
        "explore.bootstrap=20",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    left = "p_terminated, p_real, weeks_to_notice, pressure_effect left out: thaad_2016 has no "
    assert f"explore: {left}outcome rule" in done.stdout
    assert "explore: no surface and no PRIM box: p_terminated is left out" in done.stdout
    manifest = json.loads((tmp_path / "explore.json").read_text())
    assert manifest["outcomes"] == ["peak_tension"] and manifest["notice"] is None
    assert set(manifest["left_out"]) == {"p_terminated", "p_real", "weeks_to_notice"} | {
        "pressure_effect"
    }
    assert list(pd.read_parquet(tmp_path / "outcomes.parquet").columns) == [
        "point",
        "peak_tension",
    ]
    indices = pd.read_parquet(tmp_path / "indices.parquet")
    assert set(indices["outcome"]) == {"peak_tension"}
    report = (tmp_path / "explore.md").read_text()
    assert "GSOMIA" not in report and "### mean peak tension" in report
    assert f"**Note:** {left}outcome rule" in report
    assert "No box: p_terminated is left out" in report
    assert "explore.prim.outcome=peak_tension" in report
    pictures = {p.name for p in tmp_path.glob("*.png")}
    assert pictures == {"indices_peak_tension.png", "morris_peak_tension.png"}
    # which real side each slot is, and the fit the other values come from (neither was said)
    assert "Model: escalation (scenario thaad_2016, fit gsomia_2019); seed" in report
    sides = "**Sides:** inputs are named by slot: `seoul.*` (and `payoffs.*.seoul`) are Seoul's"
    assert sides in report and "`tokyo.*` (and `payoffs.*.tokyo`) are Beijing's" in report


@pytest.mark.slow
def test_a_sobol_design_on_a_case_without_a_notice_draws_the_convergence_it_measured(tmp_path):
    # convergence.png drew the left-out p_terminated: a title over an empty plot
    done = explore(
        tmp_path,
        "scenario=thaad_2016",
        "explore.inputs=[us.pressure,seoul.signal]",
        "explore.design.n=4",
        "explore.replications=5",
        "explore.chunks=1",
        "explore.bootstrap=20",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "convergence.png" in {p.name for p in tmp_path.glob("*.png")}
    from sim.analysis.exploration import ExploreResult
    from sim.reports.explore_folder import convergence_outcome

    manifest = json.loads((tmp_path / "explore.json").read_text())
    tables = [pd.read_parquet(tmp_path / f"{n}.parquet") for n in ("design", "outcomes")]
    indices = pd.read_parquet(tmp_path / "indices.parquet")
    result = ExploreResult(manifest, *tables, indices, manifest["convergence"], None)
    assert convergence_outcome(result) == "peak_tension"


def test_the_notice_is_named_by_its_case_and_a_constant_outcome_gets_no_indices(tmp_path):
    case = tmp_path / "pact"
    shutil.copytree(ROOT / "scenarios" / "gsomia_2019", case)
    path = case / "scenario.yaml"
    text = path.read_text().replace("label: GSOMIA ", "label: the Pact ")
    path.write_text(text.replace("name: gsomia_2019", "name: pact"))  # a case is its folder's
    out = tmp_path / "out"
    done = explore(
        out,
        "explore=morris",
        f"scenario.name={case}",
        "explore.design.n=4",
        "explore.replications=10",
        "explore.chunks=1",
        "explore.bootstrap=20",
        "explore.inputs=[seoul.activity,tokyo.activity,us.delay]",
        "explore.outcomes=[p_terminated,pressure_effect]",
        # the same pressure twice: the effect is 0 at every point (common random numbers)
        "explore.pressure_effect.low=0.5",
        "explore.pressure_effect.high=0.5",
        "explore.prim.outcome=pressure_effect",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    constant = "pressure_effect is constant over the design (0 at every point)"
    assert f"explore: {constant}" in done.stdout
    assert "explore: no surface and no PRIM box: pressure_effect is constant" in done.stdout
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert (outcomes["pressure_effect"] == 0).all() and outcomes["p_terminated"].std() > 0
    indices = pd.read_parquet(out / "indices.parquet")
    assert set(indices["outcome"]) == {"p_terminated"}
    report = (out / "explore.md").read_text()
    assert "P(the Pact terminated)" in report and "GSOMIA" not in report
    assert f"No indices: {constant}" in report
    assert "No box: pressure_effect is constant over the design." in report
    pictures = {p.name for p in out.glob("*.png")}
    assert pictures == {"indices_p_terminated.png", "morris_p_terminated.png"}


@pytest.mark.parametrize("seed", [0, 7])
def test_sobol_intervals_are_the_same_from_the_same_seed(seed):
    # SALib tests `if seed:`: run.seed=0 drew the bootstrap from numpy's global state, and the
    # same command gave other intervals each time
    from SALib.sample import sobol as saltelli

    from sim.analysis.sensitivity import sobol_indices

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    x = saltelli.sample(problem, 64, calc_second_order=False, seed=1)
    y = x[:, 0] + 2 * x[:, 1] * x[:, 2]
    runs = []
    for scramble in (3, 4):  # the global state differs between the two calls
        np.random.seed(scramble)
        runs.append(sobol_indices(problem, y, "y", 64, False, 100, 0.95, seed))
    pd.testing.assert_frame_equal(runs[0], runs[1])


def test_disjoint_halves_do_not_agree_on_noise_where_nested_ones_do():
    # The convergence check compared ST at n/2 with ST at n, a sample that contains it: on an
    # outcome of pure noise the two rankings still agreed, so agreement proved little.
    from SALib.sample import sobol as saltelli

    from sim.analysis.sensitivity import sobol_convergence

    inputs = 20
    problem = {"num_vars": inputs, "names": [f"x{i}" for i in range(inputs)]}
    problem["bounds"] = [[0, 1]] * inputs
    n = 256
    x = saltelli.sample(problem, n, calc_second_order=False, seed=3)
    noise = np.random.default_rng(4).binomial(50, 0.3, len(x)) / 50  # 50 runs of p = 0.3
    _, summary = sobol_convergence(problem, noise, "y", n, False, 50, 0.95, 1)
    # the nested pair agrees by construction; the disjoint halves as two noises do
    assert summary["rank_correlation_st"] > 0.4 > abs(summary["rank_correlation_st_halves"])


def test_second_order_indices_are_reported_and_match_ishigamis():
    # explore.design.second_order=true doubled the runs and reported no S2, which the docs
    # promised
    from SALib.sample import sobol as saltelli

    from sim.analysis.sensitivity import sobol_indices

    names = ["x1", "x2", "x3"]
    problem = {"num_vars": 3, "names": names, "bounds": [[-np.pi, np.pi]] * 3}
    x = saltelli.sample(problem, 1024, calc_second_order=True, seed=2)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    table = sobol_indices(problem, y, "y", 1024, True, 100, 0.95, 1)
    pairs = table[table["index"] == "S2"].set_index("input")
    assert list(pairs.index) == ["x1 × x2", "x1 × x3", "x2 × x3"]
    for pair, truth in (("x1 × x2", 0.0), ("x1 × x3", 0.2437), ("x2 × x3", 0.0)):
        assert abs(pairs.loc[pair, "value"] - truth) <= pairs.loc[pair, "conf"], pair


def test_prim_peels_on_independent_rows_and_checks_its_box_on_the_others():
    # PRIM peeled on every row of a Saltelli design, blocks of D + 2 near copies, so its boxes
    # fitted the design's noise and its quasi-p values assumed independence they did not have.
    from SALib.sample import sobol as saltelli

    from sim.analysis.discovery import BoxLimit, PrimBox, held_out, inside
    from sim.analysis.exploration import prim_rows

    names = ["a", "b", "c"]
    problem = {"num_vars": 3, "names": names, "bounds": [[0, 1]] * 3}
    x = saltelli.sample(problem, 8, calc_second_order=False, seed=1)
    manifest = {"inputs": [{"input": n} for n in names], "method": "sobol", "second_order": False}
    peel, test = prim_rows(manifest, len(x))
    # the A and B rows of each base point: 2 of every 5, the first four base points peeled on
    assert peel.tolist() == [0, 4, 5, 9, 10, 14, 15, 19] and test[0] == 20 and len(test) == 8
    a, b = x[0::5], x[4::5]
    np.testing.assert_array_equal(x[np.r_[peel, test]][0::2], a)
    np.testing.assert_array_equal(x[np.r_[peel, test]][1::2], b)
    morris = {"inputs": manifest["inputs"], "method": "morris"}
    assert prim_rows(morris, 40)[0].tolist() == [0, 4, 8, 12, 16]  # each trajectory's first
    # held out: the box's share of the other points' cases, and their share in it
    box = PrimBox("y", "y >= 1", 4, 8, 0, 1.0, 1.0, 0.5, 1, [BoxLimit("a", 0.0, 0.5, None, 0.01)])
    points = pd.DataFrame({"a": [0.1, 0.2, 0.4, 0.6, 0.9], "b": [0, 0, 0, 0, 0]})
    interest = np.array([True, False, True, True, False])
    assert inside(box, points).tolist() == [True, True, True, False, False]
    checked = held_out(box, points, interest)
    assert checked.held_out_points == 5
    assert checked.held_out_coverage == pytest.approx(2 / 3)
    assert checked.held_out_density == pytest.approx(2 / 3)


@pytest.mark.slow
def test_a_fit_of_ones_own_explores_with_levels_and_its_command_repeats(tmp_path):
    """A fit found through hydra.searchpath with a categorical input: composing the levels
    lost the search path ("Could not find 'fit/mine'"), every chunk then died in a traceback
    and left its folder; and the recorded command, without the search path, failed again."""
    from own_fit import own_fit

    own_fit(tmp_path / "mine")
    search = f"hydra.searchpath=[file://{tmp_path / 'mine'}]"
    done = explore(
        tmp_path / "out",
        "fit=mine",
        search,
        "explore=latin",
        "explore.design.n=4",
        "explore.replications=5",
        "explore.chunks=1",
        "explore.inputs=[us.pressure]",
        "+explore.levels.us.policy=[reactive,constant]",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    manifest = json.loads((tmp_path / "out" / "explore.json").read_text())
    assert manifest["fit"] == "mine"
    assert manifest["command"].endswith(f"'{search}'")


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (("explore.json", "{bad"), "explore.json cannot be read (Expecting property name"),
        (("explore.json", "{}"), "explore.json cannot be read (it has no 'command')"),
        (("design.parquet", None), "design.parquet cannot be read ("),
        (("outcomes.parquet", "junk"), "outcomes.parquet cannot be read ("),
    ],
)
def test_plot_of_a_damaged_exploration_is_one_line(ishigami, tmp_path, capsys, damage, says):
    # each ended `escalation plot` in a traceback (JSONDecodeError, FileNotFoundError,
    # ArrowInvalid, KeyError: 'points'), where a damaged run folder got one line
    from one_line import refused

    folder = tmp_path / "copy"
    shutil.copytree(ishigami[0], folder)
    name, text = damage
    if text is None:
        (folder / name).unlink()
    else:
        (folder / name).write_text(text)
    line = refused(capsys, "plot", str(folder))
    assert says in line and "run the exploration's command again" in line


def test_a_malformed_events_file_is_one_line_before_the_design(tmp_path, capsys):
    # a duplicated row was found only inside the chunks' jobs: Hydra's job lines and error
    # header, then the line, and design.parquet, explore.json and chunk folders left behind
    case = tmp_path / "gsomia_2019"
    shutil.copytree(ROOT / "scenarios" / "gsomia_2019", case)
    rows = (case / "events.csv").read_text().splitlines()
    (case / "events.csv").write_text("\n".join([*rows[:6], rows[5], *rows[6:]]) + "\n")
    out = tmp_path / "out"
    line = refused(capsys, "explore", f"scenario.name={case}", f"hydra.sweep.dir={out}", *SMALL[1:])
    assert line.startswith(f"error: {case / 'events.csv'}, line 7: duplicates line 6")
    assert not out.exists()
