"""The fitted box, the maximum-likelihood fit, the posterior and simulate-and-recover."""

import dataclasses
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.fit import MovesObjective, fit_ml, plug_in, uninformed_keys
from sim.analysis.likelihood import LOG_FLOOR, Episode, score
from sim.analysis.posterior import CONDUCT_PARAMETERS, dimensions, joint_space, sample_posterior
from sim.analysis.recovery import (
    RecoverySettings,
    StudyMismatchError,
    check_truth,
    coverage,
    highest_density,
    open_study,
    recover,
    save_repeat,
    synthetic_path,
)
from sim.analysis.space import Parameter, Space, fittable_keys, parse_entry
from sim.core.errors import ConfigError
from sim.core.moves import STANCE_OF_ACT, Act
from sim.core.params import ModelParams, lookup, with_values
from sim.core.rules import RULES
from sim.history import Event, encode


@pytest.mark.parametrize(
    ("entries", "key", "fragment"),
    [
        (["seoul.nerve"], "seoul.nerve", "is not a parameter of this configuration"),
        (["payoffs.nerve.seoul"], "payoffs.nerve", "is not a parameter of this configuration"),
        (["seoul.memory"], "seoul.memory", "is an integer; only real numbers"),
        (["seoul.rule"], "seoul.rule", "is not a real number"),
        (["payoffs.stage"], "payoffs.stage", "is not a real number"),
        (["seoul.activity:0:2"], "seoul.activity:0:2", "go beyond the allowed range [0.0, 1.0]"),
        (["payoffs.audience.seoul:-1:5"], "payoffs.audience.seoul", "beyond the allowed range"),
        (["seoul.activity:0.5:0.5"], "seoul.activity:0.5:0.5", "needs LOW < HIGH"),
        (["seoul.activity:0.6:0.2"], "seoul.activity:0.6:0.2", "needs LOW < HIGH"),
        (["payoffs.audience.seoul:0:10:log"], "payoffs.audience.seoul", "needs LOW > 0"),
        (["seoul.activity", "tokyo.decay", "seoul.activity:0.1:0.5"], "seoul.activity", "once"),
        (["conduct.order"], "conduct.order", "conduct.* is fitted on its own"),
        (["conduct.burst:0.1:0.5"], "conduct.burst", "conduct.* is fitted on its own"),
        (["seoul.signal"], "seoul.signal", "conduct.* is fitted on its own"),
        (["tokyo.lift"], "tokyo.lift", "conduct.* is fitted on its own"),
        (["us.pressure"], "us.pressure", "replayed from the events file"),
        (["us.baseline:0:0.5"], "us.baseline", "replayed from the events file"),
        (["run.seed"], "run.seed", "how the job runs"),
        (["scenario.start"], "scenario.start", "sets the case"),
        (["seoul.activity:0.1"], "seoul.activity:0.1", "is not KEY, KEY:LOW:HIGH"),
        (["seoul.activity:a:b"], "seoul.activity:a:b", "is not KEY, KEY:LOW:HIGH"),
        (["seoul.activity:0.1:0.5:lin"], "seoul.activity:0.1:0.5:lin", "is not KEY"),
        ([""], "''", "is not KEY"),
        ([], "params", "params is empty"),
        (["seoul.activity+"], "seoul.activity+", "ties an empty key"),
        (["seoul.provocation+seoul.activity"], "seoul.activity", "tied to seoul.provocation"),
        (["seoul.activity+tokyo.activity", "tokyo.activity"], "tokyo.activity", "once"),
        (["seoul.activity+seoul.activity"], "seoul.activity", "once"),
        (["seoul.activity+us.pressure"], "us.pressure", "replayed from the events file"),
    ],
)
def test_every_bad_entry_is_one_clear_error_naming_the_key(compare_default, entries, key, fragment):
    with pytest.raises(ConfigError) as error:
        Space.of(compare_default.model_params, entries)
    message = str(error.value)
    assert key in message and fragment in message
    assert "\n" not in message


def test_a_tied_key_takes_its_keys_value_in_every_replication():
    space = Space.of(
        ModelParams(), ["seoul.provocation+tokyo.provocation:0.001:10:log", "tokyo.decay"]
    )
    assert space.keys == ["seoul.provocation", "tokyo.decay"] and len(space) == 2
    assert space.tied == (("tokyo.provocation", "seoul.provocation"),)
    params = space.apply(np.array([[-1.0, 0.0, 0.5], [0.2, 0.5, 0.9]]))
    np.testing.assert_allclose(params.seoul.provocation, [0.1, 1.0, 10**0.5])
    np.testing.assert_allclose(params.tokyo.provocation, params.seoul.provocation)
    np.testing.assert_allclose(params.tokyo.decay, [0.2, 0.5, 0.9])
    assert params.seoul.decay == ModelParams().seoul.decay  # not tied, not fitted


def test_a_key_without_a_range_needs_bounds():
    base = ModelParams(seoul=RULES["q_learning"]())
    with pytest.raises(ConfigError, match=r"seoul.initial has no allowed range; give one as"):
        Space.of(base, ["seoul.initial"])
    (initial,) = Space.of(base, ["seoul.initial:-5:5"]).parameters
    assert (initial.low, initial.high, initial.log) == (-5.0, 5.0, False)


def test_bounds_come_from_the_schema_and_narrow_inline(compare_default):
    space = Space.of(
        compare_default.model_params,
        ["seoul.activity", "tokyo.decay:0.2:0.8", "payoffs.audience.seoul:0.01:100:log"],
    )
    assert space.keys == ["seoul.activity", "tokyo.decay", "payoffs.audience.seoul"]
    assert [(p.low, p.high, p.log) for p in space.parameters] == [
        (0.0, 1.0, False),
        (0.2, 0.8, False),
        (0.01, 100.0, True),
    ]
    np.testing.assert_allclose(space.low, [0.0, 0.2, -2.0])
    np.testing.assert_allclose(space.high, [1.0, 0.8, 2.0])
    np.testing.assert_allclose(
        space.start(),
        [lookup(compare_default.model_params, k)[1] for k in space.keys],
    )
    assert space.at_bound(np.array([0.0, 0.5, 100.0])) == [True, False, True]
    assert space.at_bound(np.array([0.5, 0.21, 1.0])) == [False, False, False]


def test_fittable_keys_leave_out_what_the_likelihood_does_not_see(compare_default):
    keys = fittable_keys(compare_default.model_params)
    assert "seoul.activity" in keys and "payoffs.audience.tokyo" in keys
    assert not [k for k in keys if k.split(".")[0] in ("us", "conduct")]
    assert not [k for k in keys if k.endswith((".signal", ".lift"))]
    assert parse_entry(" seoul.activity:0.1:0.5:log ") == ("seoul.activity", (0.1, 0.5), True)


LOG_SPACE = ["seoul.activity:0.05:0.9", "payoffs.audience.seoul:0.01:100:log", "tokyo.decay"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0.05, 0.9), st.floats(0.01, 100.0), st.floats(0.0, 1.0, allow_subnormal=False)
        ),
        min_size=1,
        max_size=5,
    )
)
def test_log_coordinates_round_trip(columns):
    space = Space.of(ModelParams(), LOG_SPACE)
    values = np.array(columns, dtype=float).T  # (k, R)
    coordinates = space.coordinates(values)
    np.testing.assert_allclose(coordinates[1], np.log10(values[1]), rtol=1e-12)
    np.testing.assert_array_equal(coordinates[[0, 2]], values[[0, 2]])
    np.testing.assert_allclose(space.values(coordinates), values, rtol=1e-12)
    assert np.all((coordinates >= space.low[:, None]) & (coordinates <= space.high[:, None]))
    applied = space.apply(coordinates)
    for i, key in enumerate(space.keys):
        np.testing.assert_allclose(lookup(applied, key)[1], values[i], rtol=1e-12)
    single = space.apply(coordinates[:, 0])
    assert lookup(single, "payoffs.audience.seoul")[1] == pytest.approx(values[1, 0], rel=1e-12)


#: The parameters behind the synthetic sequence, and how close the fit must come. Over seeds 0-7
#: of this setup the activity estimates fell within 0.2 of the truth and 7 of 8 audience weights
#: within a factor of 10 (61 weeks of one sequence carry little information about a weight).
ENTRIES = ["seoul.activity", "tokyo.activity", "payoffs.audience.seoul:0.01:100:log"]
TRUTH = np.array([0.3, 0.5, 5.0])
ACTIVITY_TOLERANCE = 0.2
DECADES = 1.0


@pytest.fixture(scope="module")
def hand_set():
    """The hand-set model (fit=none): the base the recovery tolerances were chosen on."""
    from sim.experiment.config import default_config

    return default_config(["run.progress=false", "fit=none"], "compare")


@pytest.fixture(scope="module")
def recovery(gsomia_case, hand_set):
    """One sequence simulated from ``TRUTH`` over 2018-2019's weeks, and its ML fit."""
    space = Space.of(hand_set.model_params, ENTRIES)
    params = space.apply(space.coordinates(TRUTH))
    real = synthetic_path(params, gsomia_case.scenario, seed=0)
    episodes = (Episode(gsomia_case.scenario, real),)
    fit = fit_ml(space, episodes, seed=1, popsize=5, maxiter=5)
    return space, params, episodes, fit


def test_the_ml_estimate_lands_near_the_truth(recovery):
    space, params, episodes, fit = recovery
    assert fit.keys == tuple(ENTRIES[:2]) + ("payoffs.audience.seoul",)
    np.testing.assert_allclose(fit.estimates[:2], TRUTH[:2], atol=ACTIVITY_TOLERANCE)
    assert abs(np.log10(fit.estimates[2] / TRUTH[2])) < DECADES
    np.testing.assert_allclose(fit.estimates, space.values(fit.coordinates))
    # The estimate is at least as likely as the truth (both with the fitted conduct).
    at = fit.conduct.apply(space.apply(fit.coordinates))
    truth = fit.conduct.apply(params)
    moves = episodes[0].score(at).moves.sum()
    assert moves == pytest.approx(fit.moves_loglik, rel=1e-9)
    assert fit.moves_loglik >= episodes[0].score(truth).moves.sum() - 1e-6
    # The tolerances above would pass the box's centre (0.5, 0.5, 1) itself; the fit must have
    # learnt: it beats the centre by more than 4 nats (by about 8 with this seed).
    centre = fit.conduct.apply(space.apply(space.coordinates(np.array([0.5, 0.5, 1.0]))))
    assert fit.moves_loglik > episodes[0].score(centre).moves.sum() + 4.0


def test_the_fit_counts_and_reports_what_it_fitted(recovery):
    space, _, _, fit = recovery
    assert fit.parameters == 3 + 6
    assert fit.loglik == pytest.approx(fit.moves_loglik + fit.conduct.loglik)
    assert set(fit.values()) == set(space.keys) | set(fit.conduct.values())
    assert fit.at_bound == tuple(space.at_bound(fit.estimates))
    assert fit.evaluations >= 5 * 3 * 2  # at least the first two generations
    assert np.all((fit.coordinates >= space.low) & (fit.coordinates <= space.high))


def test_the_fit_is_deterministic_for_a_seed(recovery, compare_default):
    _, _, episodes, _ = recovery
    space = Space.of(compare_default.model_params, ["seoul.activity", "tokyo.decay"])
    short = (Episode(episodes[0].scenario, episodes[0].real, 12),)
    one = fit_ml(space, short, seed=4, popsize=5, maxiter=1)
    two = fit_ml(space, short, seed=4, popsize=5, maxiter=1)
    np.testing.assert_array_equal(one.coordinates, two.coordinates)
    assert one.moves_loglik == two.moves_loglik and one.evaluations == two.evaluations
    assert one.conduct == two.conduct


POSTERIOR_COLUMNS = ["mean", "sd", "q05", "q50", "q95", "r_hat", "ess_bulk"]


@dataclasses.dataclass(frozen=True)
class Tied(Space):
    """A space whose first key sets Tokyo's activity too (a study's kind of space)."""

    def apply(self, coordinates):
        params = super().apply(coordinates)
        return with_values(params, {"tokyo.activity": lookup(params, self.keys[0])[1]})


def test_a_plug_in_score_takes_a_key_the_weeks_do_not_bear_on_from_its_prior(
    gsomia_case, compare_default
):
    # No notice runs before 2019-08-22 (week 42) and the patron presses no one before week 38:
    # the deadline's and the pressure weights move no probability of the weeks before, so the
    # optimiser leaves them anywhere. Scored at such a value, the fold of leave-one-case-out
    # that leaves 2019 out swung by 2.9 nats between two fits.
    pressure = "payoffs.pressure.seoul+payoffs.pressure.tokyo"
    entries = [
        "seoul.provocation+tokyo.provocation:0.001:10:log",
        f"{pressure}:0.01:100:log",
        "payoffs.deadline:0.01:1000:log",
    ]
    space = Space.of(compare_default.model_params, entries)
    past = (gsomia_case.episode(30),)
    fit = fit_ml(space, past, seed=1, popsize=4, maxiter=2)
    assert uninformed_keys(space, past, fit) == (pressure, "payoffs.deadline")  # twins named
    params, flat = plug_in(space, past, fit)
    assert flat == (pressure, "payoffs.deadline")
    assert lookup(params, "payoffs.deadline")[1] == pytest.approx(10**0.5)  # log-uniform median
    assert lookup(params, "payoffs.pressure.seoul")[1] == pytest.approx(1.0)  # and its twin's
    assert lookup(params, "payoffs.pressure.tokyo")[1] == pytest.approx(1.0)
    assert lookup(params, "tokyo.provocation")[1] == pytest.approx(fit.estimates[0])
    assert lookup(params, "seoul.signal")[1] == fit.conduct.signal["seoul"]  # with its conduct
    # Wherever the search stopped on the flat keys, the plug-in scores the whole of 2019 alike,
    # where the pressure and a running notice make them count.
    elsewhere = dataclasses.replace(fit, coordinates=np.array([fit.coordinates[0], -1.5, 2.9]))
    whole = gsomia_case.episode()
    np.testing.assert_array_equal(
        whole.score(plug_in(space, past, elsewhere)[0]).moves, whole.score(params).moves
    )
    assert not np.array_equal(
        whole.score(elsewhere.conduct.apply(space.apply(elsewhere.coordinates))).moves,
        whole.score(params).moves,
    )
    # Over all of 2019 every key bears on the moves: the plug-in is the fit.
    assert uninformed_keys(space, (whole,), fit) == ()


def test_the_joint_space_keeps_the_kind_of_space_it_extends():
    base = Space.of(ModelParams(), ["seoul.activity"])
    joint = joint_space(Tied(base.base, base.parameters))
    assert isinstance(joint, Tied) and len(joint) == 7
    params = joint.apply(np.array([0.4, *(p.low for p in CONDUCT_PARAMETERS)]))
    assert params.tokyo.activity == params.seoul.activity == pytest.approx(0.4)


def test_the_posterior_samples_keys_and_conduct_and_its_intervals_hold_the_ml_estimate(recovery):
    space, _, episodes, fit = recovery
    joint = joint_space(space)
    assert joint.keys == space.keys + [p.key for p in CONDUCT_PARAMETERS]
    assert dimensions(space) == len(joint) == len(space) + 6
    walkers, steps, burn, thin = 18, 30, 10, 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        post = sample_posterior(space, episodes, fit, walkers, steps, burn, thin, seed=0)
    # More walkers (chains) than kept steps (draws): ArviZ's naming warning is not shown.
    assert [str(w.message) for w in caught] == []
    assert list(post.summary.columns) == POSTERIOR_COLUMNS
    assert list(post.summary.index) == joint.keys
    assert post.draws.shape == (walkers * (steps - burn) // thin, len(joint))
    assert list(post.table().columns) == joint.keys
    assert 0 < post.acceptance <= 1 and (post.walkers, post.steps, post.burn) == (18, 30, 10)
    estimates = fit.values()
    for i, key in enumerate(joint.keys):
        column = post.draws[:, i]
        p = joint.parameters[i]
        assert np.all((column >= p.low) & (column <= p.high)), key  # values, not coordinates
        row = post.summary.loc[key]
        assert row["q05"] <= row["q50"] <= row["q95"]
        assert row["mean"] == pytest.approx(column.mean())
        assert row["q50"] == pytest.approx(np.median(column))
        low, high = post.interval(key, 0.9)
        assert (low, high) == pytest.approx((row["q05"], row["q95"]))
        if min(estimates[key] - p.low, p.high - estimates[key]) > 1e-3 * p.width:
            assert low <= estimates[key] <= high, key  # the walkers start around the ML fit
    # 10 kept steps per walker: too few for R-hat and ESS, whatever ArviZ makes of them
    assert post.kept_steps == 10 and not post.long_enough and not post.converged


@pytest.mark.parametrize(
    ("kept", "r_hat", "ess", "converged"),
    [
        (50, 1.01, 400.0, True),
        (49, 1.01, 400.0, False),
        (50, 1.05, 400.0, False),
        (50, 1.01, 99.0, False),
    ],
)
def test_a_posterior_converges_only_with_enough_kept_steps_r_hat_and_ess(
    kept, r_hat, ess, converged
):
    from sim.analysis.posterior import Posterior
    from sim.reports.calibration import posterior_state

    walkers = 4
    summary = pd.DataFrame({"r_hat": [r_hat], "ess_bulk": [ess]}, index=["seoul.activity"])
    post = Posterior(
        ("seoul.activity",),
        np.zeros((walkers * kept, 1)),
        summary,
        0.3,
        walkers,
        steps=kept + 10,
        burn=10,
        seconds=1.0,
    )
    assert post.kept_steps == kept and post.converged is converged
    state = posterior_state(post)
    assert state.startswith("converged") is converged
    if kept < 50:
        assert state.startswith("NOT converged: 49 kept steps per walker, too few"), state


@pytest.mark.parametrize(("r_hat", "converged"), [(1.01, True), (1.3, False)])
def test_the_posterior_figure_says_when_the_chain_did_not_converge(r_hat, converged):
    # posterior.png looked the same whether or not R-hat and ESS passed the report's thresholds.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from sim.analysis.posterior import Posterior
    from sim.figures.comparison import plot_posterior
    from sim.reports.calibration import posterior_figure_data

    summary = pd.DataFrame({"r_hat": [r_hat], "ess_bulk": [400.0]}, index=["seoul.activity"])
    draws = np.random.default_rng(0).uniform(0.1, 0.9, (200, 1))
    post = Posterior(("seoul.activity",), draws, summary, 0.3, 4, steps=60, burn=10, seconds=1)
    rows = {"seoul.activity": {"estimate": 0.5, "low": 0.0, "high": 1.0}}
    figure = plot_posterior(posterior_figure_data(post, rows, ()))
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    title = figure.get_suptitle()
    assert ("NOT converged" in title) is not converged, title
    assert title.startswith("Posterior NOT converged (R-hat >= 1.05 or ESS < 100)") or converged
    frame = figure.get_window_extent(renderer)
    box = figure._suptitle.get_window_extent(renderer)
    assert frame.x0 <= box.x0 and box.x1 <= frame.x1, (box, frame)  # the note fits


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, SystemExit])
def test_an_interrupted_posterior_stops_without_the_samplers_traceback(
    recovery, monkeypatch, capfd, interruption
):
    # emcee printed a parameter matrix and a traceback of the Ctrl-C (or of the CLI's
    # SIGTERM, a BaseException too) before the command's own one line.
    space, _, episodes, fit = recovery
    calls, loglik = [], MovesObjective.loglik

    def interrupted_on_the_third_call(self, coordinates):
        calls.append(1)
        if len(calls) == 3:
            raise interruption()
        return loglik(self, coordinates)

    monkeypatch.setattr(MovesObjective, "loglik", interrupted_on_the_third_call)
    with pytest.raises(interruption):
        sample_posterior(space, episodes, fit, 18, 30, 10, 2, seed=0)
    assert len(calls) == 3  # stopped at the step it arrived in
    assert capfd.readouterr() == ("", "")


def test_a_failing_likelihood_still_raises_its_error(recovery, monkeypatch):
    space, _, episodes, fit = recovery

    def broken(self, coordinates):
        raise ValueError("broken likelihood")

    monkeypatch.setattr(MovesObjective, "loglik", broken)
    with pytest.raises(ValueError, match="broken likelihood"):
        sample_posterior(space, episodes, fit, 18, 30, 10, 2, seed=0)


def test_the_posterior_scores_the_acts_through_the_model(recovery):
    # The joint objective is the model's log-likelihood of moves and acts: at the ML fit it is
    # the moves' part plus the conduct's own fit (the acts scored the same way in both).
    space, _, episodes, fit = recovery
    joint = joint_space(space.with_base(fit.conduct.apply(space.base)))
    at = np.concatenate([fit.coordinates, [fit.conduct.values()[k] for k in joint.keys[3:]]])
    both = MovesObjective(joint, episodes, acts=True).loglik(at[:, None])[0]
    moves = MovesObjective(joint, episodes).loglik(at[:, None])[0]
    assert moves == pytest.approx(fit.moves_loglik, rel=1e-9)
    assert both - moves == pytest.approx(fit.conduct.loglik, rel=1e-6)


def codable(scenario):
    """The scenario with an enacting and a lifting move id for every measure."""
    measures = {}
    for side, repertoire in scenario.measures.items():
        renamed = tuple(
            dataclasses.replace(m, events=(f"enact_{m.id}",), lifted_by=(f"lift_{m.id}",))
            for m in repertoire.measures
        )
        measures[side] = dataclasses.replace(repertoire, measures=renamed)
    return dataclasses.replace(scenario, measures=measures)


def as_events(path, scenario) -> list[Event]:
    """An events file that says what ``path`` did: a row per measure change or signal."""
    rows = []
    for week in range(path.weeks):
        date = scenario.week_start(week)
        for side in scenario.sides:
            repertoire = scenario.measures[side]
            act = Act(int(path.acts[side][week]))
            changes = []
            if act == Act.ENACT:
                changes = [
                    ("retaliate", f"enact_{m}")
                    for m in repertoire.ids_in_force(int(path.enacted[side][week]))
                ]
            elif act == Act.LIFT:
                changes = [
                    ("cooperate", f"lift_{m}")
                    for m in repertoire.ids_in_force(int(path.lifted[side][week]))
                ]
            elif act == Act.HOSTILE_SIGNAL:
                changes = [("retaliate", "protest")]
            elif act == Act.CONCILIATORY_SIGNAL:
                changes = [("cooperate", "propose_talks")]
            for direction, move in changes:
                rows.append(
                    Event(date, side, "diplomatic", direction, move, "-", "-", len(rows) + 2)
                )
    return rows


def test_a_synthetic_path_is_coded_as_the_history_codes_a_real_one(gsomia_case, compare_default):
    scenario = codable(gsomia_case.scenario)
    busy = {"seoul.activity": 0.6, "tokyo.activity": 0.6, "seoul.lift": 0.6, "tokyo.lift": 0.6}
    params = with_values(compare_default.model_params, busy | {"conduct.burst": 0.5})
    path = synthetic_path(params, scenario, seed=3)
    for side in scenario.sides:
        acts, enacted, lifted = path.acts[side], path.enacted[side], path.lifted[side]
        before = np.concatenate([[scenario.initial.get(side, 0)], path.masks[side][:-1]])
        np.testing.assert_array_equal(path.masks[side], (before | enacted) & ~lifted)
        assert not np.any(enacted & before) and np.all(lifted & before == lifted)
        np.testing.assert_array_equal(acts == Act.ENACT, enacted != 0)
        np.testing.assert_array_equal(acts == Act.LIFT, lifted != 0)
        np.testing.assert_array_equal(path.moves[side], STANCE_OF_ACT[acts])
    # The run shows every kind of act, bursts of two enactments included.
    assert {int(a) for s in scenario.sides for a in path.acts[s]} == set(Act)
    assert any(bin(int(m)).count("1") == 2 for s in scenario.sides for m in path.enacted[s])
    coded = encode(as_events(path, scenario), scenario)
    for field in ("acts", "enacted", "lifted", "masks", "moves"):
        for side in scenario.sides:
            np.testing.assert_array_equal(
                getattr(coded, field)[side], getattr(path, field)[side], err_msg=field
            )
    np.testing.assert_allclose(coded.tension, path.tension, rtol=1e-12)
    assert (coded.outcome, coded.noticed) == (path.outcome, path.noticed)
    # Simulated under these parameters, every act has a probability under them.
    scores = score(params, scenario, path)
    assert np.all(np.isfinite(scores.total)) and np.all(scores.total > LOG_FLOOR)


def seoul_activity_study(params: ModelParams) -> tuple[Space, np.ndarray]:
    """A one-key recovery space (Seoul's activity, truth 0.4) and its truth with the conduct's."""
    space = Space.of(params, ["seoul.activity"])
    conduct = [lookup(params, p.key)[1] for p in CONDUCT_PARAMETERS]
    return space, np.array([0.4, *conduct])


def test_simulate_and_recover_tabulates_each_repeat_and_key(gsomia_case, compare_default):
    scenario = gsomia_case.scenario.with_span("2019-06-03", "2019-08-19")
    space, truth = seoul_activity_study(compare_default.model_params)
    tiny = RecoverySettings(popsize=5, maxiter=1, walkers=14, steps=12, burn=4, thin=2)
    table = recover(space, truth, scenario, repeats=1, seed=5, settings=tiny)
    assert list(table.columns) == [
        "repeat",
        "key",
        "truth",
        "estimate",
        "q05",
        "q95",
        "covered",
        "h05",
        "h95",
        "covered_hdi",
        "r_hat",
    ]
    rows = table.to_dict(orient="records")
    assert [r["key"] for r in rows] == joint_space(space).keys  # the conduct's checked too
    np.testing.assert_array_equal(table["truth"], truth)
    for r in rows:
        assert r["q05"] <= r["q95"] and r["covered"] == (r["q05"] <= r["truth"] <= r["q95"])
        assert r["h05"] <= r["h95"] and r["covered_hdi"] == (r["h05"] <= r["truth"] <= r["h95"])
    shares = coverage(table)
    assert list(shares.index) == sorted(joint_space(space).keys) + ["all"]
    assert shares.loc["all", "coverage"] == pytest.approx(table["covered"].mean())
    assert shares.loc["seoul.activity", "coverage"] == float(rows[0]["covered"])
    assert shares.loc["all", "coverage_hdi"] == pytest.approx(table["covered_hdi"].mean())


def test_a_study_kept_by_repeat_goes_on_with_the_numbers_of_one_run(
    gsomia_case, compare_default, tmp_path
):
    """benchmarks/recovery.py keeps each repeat and resumes: the parts must make one study."""
    scenario = gsomia_case.scenario.with_span("2019-06-03", "2019-07-15")
    space, truth = seoul_activity_study(compare_default.model_params)
    tiny = RecoverySettings(popsize=5, maxiter=1, walkers=14, steps=8, burn=2, thin=2)
    whole = recover(space, truth, scenario, repeats=2, seed=5, settings=tiny)
    # Repeat r of a study seeded s is a one-repeat study seeded s + r: resuming is exact.
    second = recover(space, truth, scenario, repeats=1, seed=6, settings=tiny)
    kept = whole[whole["repeat"] == 1].reset_index(drop=True)
    pd.testing.assert_frame_equal(second.assign(repeat=1), kept)

    manifest = {"seed": 5, "settings": dataclasses.asdict(tiny), "keys": joint_space(space).keys}
    folder = tmp_path / "recovery_repeats"
    assert open_study(folder, manifest) == {}
    save_repeat(folder, 1, kept)
    found = open_study(folder, manifest)
    assert list(found) == [1]
    pd.testing.assert_frame_equal(found[1], kept)
    assert sorted(p.name for p in folder.iterdir()) == ["repeat_0001.parquet", "study.json"]
    check_truth(folder, 1, found[1], truth)  # the same truth: kept
    with pytest.raises(StudyMismatchError, match="repeat 1 was made from another truth"):
        check_truth(folder, 1, found[1], truth + 0.01)
    other = manifest | {"settings": dataclasses.asdict(dataclasses.replace(tiny, steps=9))}
    with pytest.raises(StudyMismatchError, match="with other settings: run with the same"):
        open_study(folder, other)


def test_the_recovery_study_refuses_to_mix_in_repeats_of_other_options(tmp_path):
    """One line, a non-zero exit, and the kept repeats untouched."""
    parts = tmp_path / "recovery_repeats"
    parts.mkdir()
    kept = {"seed": 0, "truth": "fit", "settings": {"steps": 1}}  # another study's options
    (parts / "study.json").write_text(json.dumps(kept))
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "recovery.py"
    done = subprocess.run(
        [sys.executable, str(script), "--repeats", "1", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {parts} holds repeats of a study with other keys, params, settings: run with"
        " the same options to go on, or give another --output"
    ]
    assert json.loads((parts / "study.json").read_text()) == kept
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["recovery_repeats", "study.json"]


def test_highest_density_reaches_the_bound_a_posterior_piles_against():
    rng = np.random.default_rng(3)
    share = Parameter("tokyo.lift", 0.005, 1.0)
    draws = 0.005 + rng.exponential(0.05, 20_000)  # piled against the lower bound
    low, high = highest_density(draws, share)
    assert low <= np.quantile(draws, 0.01) < np.quantile(draws, 0.05)  # central misses the pile
    assert np.mean((draws >= low) & (draws <= high)) == pytest.approx(0.9, abs=0.002)
    # It runs on to the bound, which no draw reaches: a truth there is covered (it stopped at
    # the lowest draw, and a true value on the bound counted as missed in every repeat).
    assert low == 0.005 < draws.min()
    # A posterior with its mode inside the box stops short of both bounds.
    inside = rng.normal(0.5, 0.05, 20_000)
    low, high = highest_density(inside, share)
    assert inside.min() < low < high < inside.max()
    # On a log scale the interval is found in log10: piled against the top there.
    weight = Parameter("payoffs.audience.tokyo", 0.01, 100.0, log=True)
    logged = 10 ** (2 - rng.exponential(0.3, 20_000))
    low, high = highest_density(logged, weight)
    assert high == pytest.approx(100.0) and low == pytest.approx(np.quantile(logged, 0.1), rel=0.05)
