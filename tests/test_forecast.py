"""Out-of-sample skill: rolling-origin forecasts and leave one case out, with tiny fits."""

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from sim.analysis.baselines import BaseRates, Markov, MoveData
from sim.analysis.case import load_case_events
from sim.analysis.fit import fit_ml, plug_in
from sim.analysis.forecast import (
    PredictiveSettings,
    diebold_mariano,
    dm_p_value,
    forecast_parts,
    forecast_summary,
    rolling_origin,
)
from sim.analysis.likelihood import Episode, when_to_move
from sim.analysis.loco import leave_one_case_out
from sim.analysis.posterior import joint_space, sample_posterior
from sim.analysis.space import Space
from sim.core.moves import STANCE_OF_ACT, Act, Move
from sim.figures.comparison import make_forecast_gain_data, make_loco_gain_data, plot_loco_gain
from sim.reports.calibration import loco_part_rows
from sim.reports.forecasts import FORECAST_FIGURE, FORECAST_TABLE, write_forecasts

#: Eight weeks of summer 2019 (export controls, white lists); origins 4 to 7.
START, END, FIRST = "2019-06-17", "2019-08-05", 4
TINY = {"seed": 3, "replications": 200, "popsize": 5, "maxiter": 1}
BASELINES = ["base_rates", "markov", "regime_break", "logit"]
COLUMNS = [
    "origin",
    "horizon",
    "week",
    "side",
    "model",
    *BASELINES,
    *(f"{name}_when" for name in ["model", *BASELINES]),
    "uninformed",
]


@pytest.fixture(scope="module")
def summer(compare_default):
    case = load_case_events("gsomia_2019", start=START, end=END)
    space = Space.of(compare_default.model_params, ["seoul.activity"])
    return case, space


def forecast(space, case, real=None):
    episode = Episode(case.scenario, case.real if real is None else real)
    return rolling_origin(space, episode, FIRST, **TINY)


@pytest.fixture(scope="module")
def table(summer):
    case, space = summer
    return forecast(space, case)


def rewritten(case, weeks, act=Act.HOSTILE_SIGNAL, pressure=1.0):
    """The real path with both sides' acts in ``weeks`` replaced, measures kept consistent."""
    real = case.real
    acts, enacted, lifted, masks = {}, {}, {}, {}
    for side in case.scenario.sides:
        acts[side] = real.acts[side].copy()
        enacted[side], lifted[side] = real.enacted[side].copy(), real.lifted[side].copy()
        acts[side][weeks], enacted[side][weeks], lifted[side][weeks] = act, 0, 0
        state, masks[side] = case.scenario.initial.get(side, 0), np.zeros_like(real.masks[side])
        for week in range(case.weeks):
            state = (state | enacted[side][week]) & ~lifted[side][week]
            masks[side][week] = state
    changed = real.pressure.copy()
    changed[weeks] = pressure
    moves = {s: STANCE_OF_ACT[a] for s, a in acts.items()}
    return dataclasses.replace(
        real, acts=acts, enacted=enacted, lifted=lifted, masks=masks, moves=moves, pressure=changed
    )


def rows_of(table: pd.DataFrame, origin: int, horizon: int) -> pd.DataFrame:
    return table[(table.origin == origin) & (table.horizon == horizon)].reset_index(drop=True)


def test_the_table_has_one_row_per_origin_horizon_and_side(summer, table):
    case, _ = summer
    assert case.weeks == 8
    assert list(table.columns) == COLUMNS
    expected = [
        (o, h, s)
        for o in range(FIRST, case.weeks)
        for h in (1, 4)
        if o + h - 1 < case.weeks
        for s in case.scenario.sides
    ]
    assert list(table[["origin", "horizon", "side"]].itertuples(index=False, name=None)) == expected
    assert (table.week == table.origin + table.horizon - 1).all()
    scores = table[["model", *BASELINES]].to_numpy()
    assert np.isfinite(scores).all() and (scores <= 0).all()
    summary = forecast_summary(table)
    assert list(summary.index) == [1, 4] and list(summary.columns) == ["model", *BASELINES]
    assert summary.loc[4, "model"] == pytest.approx(rows_of(table, FIRST, 4).model.mean())


def test_baselines_are_fitted_on_the_weeks_before_each_origin(summer, table):
    case, _ = summer
    data = MoveData.of(case.real, case.scenario)
    for row in table.itertuples():
        i = case.scenario.sides.index(row.side)
        before = data.moves[: row.origin, i]
        move = data.moves[row.week, i]
        counts = np.bincount(before, minlength=3) + 0.5
        assert row.base_rates == pytest.approx(np.log(counts[move] / counts.sum()))
        hold = counts[Move.HOLD] / counts.sum()
        when = np.log(hold) if move == Move.HOLD else np.log1p(-hold)
        assert row.base_rates_when == pytest.approx(when)
    chain = Markov(smoothing=0.5).fit(data, FIRST)
    (expected,) = chain.log_probabilities(data, np.array([FIRST + 3]), horizon=4)
    np.testing.assert_allclose(rows_of(table, FIRST, 4).markov, expected)


def test_the_model_forecasts_with_its_fit_on_the_weeks_before_the_origin(summer, table):
    case, space = summer
    fit = fit_ml(space, (case.episode(FIRST),), TINY["seed"], TINY["popsize"], TINY["maxiter"])
    params = fit.conduct.apply(space.apply(fit.coordinates))
    one_week = Episode(case.scenario, case.real, FIRST + 1).score(params).moves[FIRST, 0]
    np.testing.assert_allclose(rows_of(table, FIRST, 1).model, one_week, rtol=1e-12)
    # Its when-to-move part: the chance it gave holding that week, against what each side did.
    hold = Episode(case.scenario, case.real, FIRST + 1).score(params).hold[FIRST, 0]
    moves = np.array([case.real.moves[side][FIRST] for side in case.scenario.sides])
    when = np.where(moves == Move.HOLD, np.log(hold), np.log1p(-hold))
    np.testing.assert_allclose(rows_of(table, FIRST, 1).model_when, when, rtol=1e-12)


def test_a_plug_in_forecast_takes_the_deadline_from_its_prior_until_a_notice_runs(
    compare_default,
):
    # 2019-08-05 to 2019-09-30: Seoul's notice of 2019-08-22 falls in week 2. Before it no
    # week bears on the deadline's weight; a check on the whole span would see the notice.
    case = load_case_events("gsomia_2019", start="2019-08-05", end="2019-09-30")
    space = Space.of(
        compare_default.model_params, ["seoul.activity", "payoffs.deadline:0.01:1000:log"]
    )
    table = rolling_origin(space, case.episode(), 1, **TINY)
    flags = table.drop_duplicates("origin").set_index("origin").uninformed
    assert flags.loc[1] == flags.loc[2] == "payoffs.deadline"
    assert flags.loc[case.weeks - 1] == ""
    # The forecast at origin 1 is scored at the prior's median, by the fit on week 0 alone.
    past = (case.episode(1),)
    fit = fit_ml(space, past, TINY["seed"], TINY["popsize"], TINY["maxiter"])
    params, flat = plug_in(space, past, fit)
    assert flat == ("payoffs.deadline",)
    one_week = Episode(case.scenario, case.real, 2).score(params).moves[1, 0]
    np.testing.assert_allclose(rows_of(table, 1, 1).model, one_week, rtol=1e-12)


def test_the_split_of_the_forecasts_adds_up_to_their_scores(table):
    parts = forecast_parts(table)
    summary = forecast_summary(table)
    assert list(parts.index) == [(h, p) for h in (1, 4) for p in ("when to move", "which move")]
    for h in (1, 4):
        total = parts.loc[(h, "when to move")] + parts.loc[(h, "which move")]
        np.testing.assert_allclose(total.to_numpy(), summary.loc[h].to_numpy())
    # which move: the log-probability of a move given a move, at most 0
    for name in ["model", *BASELINES]:
        assert (table[name] <= table[f"{name}_when"] + 1e-12).all()


def test_a_forecast_does_not_see_the_weeks_it_forecasts(summer, table):
    case, space = summer
    o = FIRST
    # Weeks after the origin change: the origin's fit and its 1-week scores stay.
    later = rewritten(case, slice(o + 1, None))
    changed = forecast(space, case, later)
    tables = [changed]
    pd.testing.assert_frame_equal(rows_of(changed, o, 1), rows_of(table, o, 1))
    fits = [
        fit_ml(space, (Episode(case.scenario, real, o),), 3, 5, 1) for real in (case.real, later)
    ]
    np.testing.assert_array_equal(fits[0].coordinates, fits[1].coordinates)
    assert fits[0].conduct == fits[1].conduct
    assert not changed[changed.origin > o + 1].equals(table[table.origin > o + 1])
    # The origin week and the two after it change, the target four weeks on does not: the
    # 4-week scores stay.
    target = o + 3
    around = rewritten(case, slice(o, target), act=Act.CONCILIATORY_SIGNAL, pressure=0.0)
    assert around.moves["seoul"][o] != case.real.moves["seoul"][o]
    assert (around.moves["seoul"][target], around.moves["tokyo"][target]) == (
        case.real.moves["seoul"][target],
        case.real.moves["tokyo"][target],
    )
    changed = forecast(space, case, around)
    tables.append(changed)
    pd.testing.assert_frame_equal(rows_of(changed, o, 4), rows_of(table, o, 4))
    assert not rows_of(changed, o, 1).equals(rows_of(table, o, 1))
    for other in tables:
        assert np.isfinite(other[["model", *BASELINES]].to_numpy()).all()


def test_the_forecast_figure_sums_both_sides_and_accumulates_over_the_weeks(summer, table):
    case, _ = summer
    data = make_forecast_gain_data(table, case.scenario.start.isoformat())
    assert sorted(data.gains) == [(1, "model"), (4, "model")]
    assert list(data.gains[1, "model"]) == BASELINES
    one = table[table.horizon == 1]
    weeks = sorted(one.week.unique())
    assert list(data.dates[1]) == [pd.Timestamp(case.scenario.week_start(int(w))) for w in weeks]
    for name in BASELINES:
        per_week = [(one[one.week == w].model - one[one.week == w][name]).sum() for w in weeks]
        np.testing.assert_allclose(data.gains[1, "model"][name], np.cumsum(per_week))
    assert data.gains[4, "model"]["logit"][-1] == pytest.approx(
        (table[table.horizon == 4].model - table[table.horizon == 4].logit).sum()
    )


def test_the_forecasts_are_written_as_parquet_with_their_figure(summer, table, tmp_path):
    case, _ = summer
    write_forecasts(table, case.scenario.start.isoformat(), tmp_path)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / FORECAST_TABLE), table)
    assert (tmp_path / FORECAST_FIGURE).stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([FORECAST_TABLE, FORECAST_FIGURE])


#: A posterior too short to converge, enough to check what is computed from it.
SHORT = PredictiveSettings(walkers=14, steps=36, burn=4, thin=2)


@pytest.fixture(scope="module")
def predictive(summer):
    case, space = summer
    heard = []
    table = rolling_origin(
        space,
        case.episode(),
        FIRST,
        predictive=SHORT,
        progress=lambda *a: heard.append(a),
        **TINY,
    )
    return table, heard


def test_the_posterior_forecast_averages_the_draws_probabilities(summer, table, predictive):
    case, space = summer
    with_posterior, heard = predictive
    assert list(with_posterior.columns) == [
        *COLUMNS[:5],
        "model_posterior",
        "r_hat",
        *BASELINES,
        "model_when",
        "model_posterior_when",
        *(f"{name}_when" for name in BASELINES),
        "uninformed",
    ]
    pd.testing.assert_frame_equal(with_posterior[COLUMNS], table)
    n = case.weeks - FIRST
    assert heard == [("fit", i, n) for i in range(1, n + 1)] + [
        ("posterior", i, n) for i in range(1, n + 1)
    ]
    o = FIRST
    past = (case.episode(o),)
    fit = fit_ml(space, past, TINY["seed"], TINY["popsize"], TINY["maxiter"])
    s = SHORT
    post = sample_posterior(space, past, fit, s.walkers, s.steps, s.burn, s.thin, TINY["seed"] + o)
    joint = joint_space(space.with_base(fit.conduct.apply(space.base)))
    coordinates = joint.coordinates(post.draws.T)
    params = joint.apply(coordinates)
    draws = case.episode(o + 1).score(params, coordinates.shape[1]).moves[o]
    expected = np.log(np.exp(draws).mean(axis=0))
    np.testing.assert_allclose(rows_of(with_posterior, o, 1).model_posterior, expected)
    # Its when-to-move part: the draws' mean chance of holding, against what each side did.
    hold = case.episode(o + 1).score(params, coordinates.shape[1]).hold[o].mean(axis=0)
    held = np.array([case.real.moves[side][o] == Move.HOLD for side in case.scenario.sides])
    when = np.where(held, np.log(hold), np.log1p(-hold))
    np.testing.assert_allclose(rows_of(with_posterior, o, 1).model_posterior_when, when)
    assert (rows_of(with_posterior, o, 1).r_hat == post.summary.r_hat.max()).all()
    scores = with_posterior[["model_posterior"]].to_numpy()
    assert np.isfinite(scores).all() and (scores <= 0).all()
    gains = make_forecast_gain_data(with_posterior, case.scenario.start.isoformat()).gains
    assert sorted(gains) == [
        (1, "model"),
        (1, "model_posterior"),
        (4, "model"),
        (4, "model_posterior"),
    ]
    one = with_posterior[with_posterior.horizon == 1]
    assert gains[1, "model_posterior"]["markov"][-1] == pytest.approx(
        (one.model_posterior - one.markov).sum()
    )


def test_the_posterior_forecast_does_not_see_the_weeks_after_its_origin(summer, predictive):
    case, space = summer
    with_posterior, _ = predictive
    later = rewritten(case, slice(FIRST + 1, None))
    episode = Episode(case.scenario, later)
    changed = rolling_origin(space, episode, FIRST, predictive=SHORT, **TINY)
    pd.testing.assert_frame_equal(rows_of(changed, FIRST, 1), rows_of(with_posterior, FIRST, 1))
    assert not rows_of(changed, FIRST + 1, 1).equals(rows_of(with_posterior, FIRST + 1, 1))


#: A stretch of each case with moves on both sides.
CASES = {
    "gsomia_2019": ("2019-06-24", "2019-08-26"),
    "thaad_2016": ("2016-12-26", "2017-03-13"),
    "senkaku_2010": ("2010-09-06", "2010-11-08"),
}


WHEN = ["model_when", "base_rates_when", "markov_when", "logit_when"]


def loco_inputs(cases: dict, params) -> tuple[Space, dict]:
    """The one-key space and the cases' episodes that every leave-one-case-out test scores."""
    return Space.of(params, ["seoul.activity"]), {n: c.episode() for n, c in cases.items()}


@pytest.fixture(scope="module")
def loco(compare_default):
    cases = {n: load_case_events(n, start=s, end=e) for n, (s, e) in CASES.items()}
    space, episodes = loco_inputs(cases, compare_default.model_params)
    return cases, leave_one_case_out(space, episodes, seed=1, popsize=5, maxiter=1)


def test_leave_one_case_out_reports_each_fold_as_it_finishes(compare_default, loco):
    cases, plug_in = loco
    space, episodes = loco_inputs(cases, compare_default.model_params)
    calls = []
    table = leave_one_case_out(
        space, episodes, seed=1, popsize=5, maxiter=1, progress=lambda *a: calls.append(a)
    )
    assert [done for _, done, _ in calls] == [1, 2, 3]
    assert {total for _, _, total in calls} == {3}
    assert sorted(case for case, _, _ in calls) == sorted(CASES)
    pd.testing.assert_frame_equal(table, plug_in)  # reporting changes nothing


def test_leave_one_case_out_has_one_row_per_case_and_side(loco):
    cases, table = loco
    assert list(table.columns) == [
        "case",
        "side",
        "weeks",
        "model",
        "base_rates",
        "markov",
        "logit",
        "base_rates_posterior",
        "markov_posterior",
        *WHEN,
        "uninformed",
    ]
    expected = [(n, s, c.weeks) for n, c in cases.items() for s in c.scenario.sides]
    assert list(table[["case", "side", "weeks"]].itertuples(index=False, name=None)) == expected
    scores = table[["model", "base_rates", "markov", "logit"]].to_numpy()
    assert np.isfinite(scores).all() and (scores < 0).all()


def test_a_left_out_case_is_scored_with_the_deadline_at_its_prior_when_no_other_has_a_notice(
    compare_default,
):
    # Of the three cases only 2019 has a notice that can lapse: the fold that leaves it out
    # cannot fit the deadline's weight, and scores 2019 at its prior's median.
    cases = {n: load_case_events(n, start=s, end=e) for n, (s, e) in CASES.items()}
    space = Space.of(
        compare_default.model_params, ["seoul.activity", "payoffs.deadline:0.01:1000:log"]
    )
    episodes = {n: c.episode() for n, c in cases.items()}
    table = leave_one_case_out(space, episodes, seed=1, popsize=5, maxiter=1)
    flags = table.drop_duplicates("case").set_index("case").uninformed.to_dict()
    assert flags == {"gsomia_2019": "payoffs.deadline", "thaad_2016": "", "senkaku_2010": ""}
    training = tuple(e for n, e in episodes.items() if n != "gsomia_2019")
    params, _ = plug_in(space, training, fit_ml(space, training, 1, 5, 1))
    expected = episodes["gsomia_2019"].score(params).moves[:, 0].sum(axis=0)
    np.testing.assert_allclose(table[table.case == "gsomia_2019"].model, expected, rtol=1e-12)


def polya(prior: np.ndarray, moves: np.ndarray) -> float:
    """log p(moves) with Dirichlet(``prior``) shares integrated out, in closed form."""
    from scipy.special import gammaln

    seen = np.bincount(moves, minlength=3)
    total = gammaln(prior.sum()) - gammaln(prior.sum() + seen.sum())
    return float(total + (gammaln(prior + seen) - gammaln(prior)).sum())


def test_leave_one_case_out_fits_the_baselines_on_the_other_cases(loco):
    cases, table = loco
    data = {n: MoveData.of(c.real, c.scenario) for n, c in cases.items()}
    for row in table.itertuples():
        others = [d for n, d in data.items() if n != row.case]
        i = cases[row.case].scenario.sides.index(row.side)
        left_out = data[row.case].moves[:, i]
        counts = sum(np.bincount(d.moves[:, i], minlength=3) for d in others) + 0.5
        rates = counts / counts.sum()
        assert row.base_rates == pytest.approx(np.log(rates[left_out]).sum())
        # Pooled transitions never run from one case into the next.
        pairs = np.full((3, 3), 0.5)
        for d in others:
            np.add.at(pairs, (d.moves[:-1, i], d.moves[1:, i]), 1.0)
        matrix = pairs / pairs.sum(axis=1, keepdims=True)
        chain = np.log(rates[left_out[0]]) + np.log(matrix[left_out[:-1], left_out[1:]]).sum()
        assert row.markov == pytest.approx(chain)
        # Scored from their posterior, as the model's posterior column is: the Dirichlet's
        # marginal likelihood of the whole left-out sequence (Polya urns, one per matrix row).
        assert row.base_rates_posterior == pytest.approx(polya(counts, left_out))
        first = np.log(rates[left_out[0]])
        rows = sum(polya(pairs[k], left_out[1:][left_out[:-1] == k]) for k in range(3))
        assert row.markov_posterior == pytest.approx(first + rows)
        pooled = MoveData(
            np.concatenate([d.moves for d in others]),
            np.concatenate([d.covariates for d in others]),
        )
        rates_fit = BaseRates(smoothing=0.5).fit(pooled)
        weeks = np.arange(data[row.case].weeks)
        scored = rates_fit.log_probabilities(data[row.case], weeks)[:, i].sum()
        assert row.base_rates == pytest.approx(scored)
        # Its "when to move" part: moving or holding, at the pooled share of holds.
        held = left_out == Move.HOLD
        moving = np.where(held, np.log(rates[Move.HOLD]), np.log1p(-rates[Move.HOLD]))
        assert row.base_rates_when == pytest.approx(moving.sum())


def test_when_to_move_scores_moving_or_holding():
    hold = np.array([[0.8, 0.1], [0.5, 0.1], [0.25, 0.1]])
    moves = np.array(
        [[Move.HOLD, Move.RETALIATE], [Move.COOPERATE, Move.HOLD], [Move.RETALIATE] * 2]
    )
    expected = [np.log(0.8 * 0.5 * 0.75), np.log(0.9 * 0.1 * 0.9)]
    np.testing.assert_allclose(when_to_move(hold, moves), expected)


def test_the_split_of_every_left_out_score_leaves_a_which_move_part_at_most_zero(loco):
    _, table = loco
    for scorer in ["model", "base_rates", "markov", "logit"]:
        # which move = score - when; a log-probability of the move given a move: at most 0
        assert (table[scorer] <= table[f"{scorer}_when"] + 1e-9).all()
        assert (table[f"{scorer}_when"] < 0).all()
    rows = loco_part_rows(table)
    assert rows[0] == ("case left out", "part", "model", "base rates", "markov", "logit")
    assert [r[:2] for r in rows[-2:]] == [("all", "when to move"), ("all", "which move")]
    when, which = (np.array(r[2:], dtype=float) for r in rows[-2:])
    totals = table[["model", "base_rates", "markov", "logit"]].sum().to_numpy()
    np.testing.assert_allclose(when + which, totals, atol=0.011)


def test_the_loco_figure_shows_each_cases_gain_by_part(loco):
    cases, table = loco
    data = make_loco_gain_data(table)
    assert data.cases == [*cases, "all"] and list(data.gains) == ["base_rates", "markov", "logit"]
    for baseline, gain in data.gains.items():
        by_case = table.groupby("case", sort=False)
        total = (by_case["model"].sum() - by_case[baseline].sum()).to_numpy()
        np.testing.assert_allclose((gain["when"] + gain["which"])[:-1], total)
        np.testing.assert_allclose(gain["when"][-1], gain["when"][:-1].sum())
        when = (by_case["model_when"].sum() - by_case[f"{baseline}_when"].sum()).to_numpy()
        np.testing.assert_allclose(gain["when"][:-1], when)
    figure = plot_loco_gain(data)  # a panel per baseline, its bars the parts' gains
    for ax, (baseline, gain) in zip(figure.axes, data.gains.items(), strict=True):
        assert ax.get_title() == f"model minus {baseline.replace('_', ' ')}"
        heights = [bar.get_height() for bar in ax.patches]
        np.testing.assert_allclose(heights, [*gain["when"], *gain["which"]])


@pytest.mark.slow
def test_leave_one_case_out_scores_the_left_out_case_from_the_posterior(compare_default, loco):
    cases, plug_in = loco
    space, episodes = loco_inputs(cases, compare_default.model_params)
    table = leave_one_case_out(space, episodes, seed=1, popsize=5, maxiter=1, predictive=SHORT)
    assert list(table.columns) == [
        "case",
        "side",
        "weeks",
        "model",
        "model_posterior",
        "r_hat",
        "base_rates",
        "markov",
        "logit",
        "base_rates_posterior",
        "markov_posterior",
        *WHEN,
        "uninformed",
    ]
    pd.testing.assert_frame_equal(table.drop(columns=["model_posterior", "r_hat"]), plug_in)
    # The case left out first: its score is the log of the draws' mean likelihood of its moves.
    name, left_out = next(iter(episodes.items()))
    training = tuple(e for n, e in episodes.items() if n != name)
    fit = fit_ml(space, training, 1, 5, 1)
    s = SHORT
    post = sample_posterior(space, training, fit, s.walkers, s.steps, s.burn, s.thin, 1)
    joint = joint_space(space.with_base(fit.conduct.apply(space.base)))
    coordinates = joint.coordinates(post.draws.T)
    totals = left_out.score(joint.apply(coordinates), coordinates.shape[1]).moves.sum(axis=0)
    expected = np.log(np.exp(totals).mean(axis=0))
    np.testing.assert_allclose(table[table.case == name].model_posterior, expected)
    # Mean likelihood, not mean log-likelihood: at least the draws' mean log score (Jensen).
    assert (table[table.case == name].model_posterior.to_numpy() >= totals.mean(axis=0)).all()
    # Folds run at once give the same table, in the same order.
    two = dataclasses.replace(SHORT, jobs=2)
    together = leave_one_case_out(space, episodes, seed=1, popsize=5, maxiter=1, predictive=two)
    pd.testing.assert_frame_equal(together, table)


def hln_p(gain: np.ndarray, h: int, bartlett: bool = False) -> float:
    """The Diebold-Mariano p-value by hand: the variance of the mean from the autocovariances
    of h - 1 lags, weighted equally (Bartlett's weights if told), Harvey-Leybourne-Newbold's
    factor, Student's t with n - 1 degrees of freedom."""
    from scipy.stats import t as student

    n, e = len(gain), gain - gain.mean()
    weights = [1 - lag / h if bartlett else 1.0 for lag in range(1, h)]
    s = e @ e + 2 * sum(w * (e[lag:] @ e[:-lag]) for lag, w in enumerate(weights, start=1))
    statistic = gain.mean() / np.sqrt(s / n**2) * np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    return float(2 * student.sf(abs(statistic), n - 1))


def test_diebold_mariano_tests_the_gain_per_origin_with_overlap_lags():
    rng = np.random.default_rng(7)
    origins = np.repeat(np.arange(12), 2)  # two sides an origin
    rows = []
    for h in (1, 4):
        model = rng.normal(-0.9, 0.3, origins.size)
        rows.append(
            pd.DataFrame(
                {
                    "origin": origins,
                    "horizon": h,
                    "week": origins + h - 1,
                    "side": np.tile(["seoul", "tokyo"], 12),
                    "r_hat": np.nan,
                    "model": model,
                    "model_when": model / 2,  # a part, not a forecaster
                    "base_rates": model - rng.normal(0.1, 0.4, origins.size),
                    "logit": model,  # the same forecast: no gain, no test
                }
            )
        )
    table = pd.concat(rows, ignore_index=True)
    tests = diebold_mariano(table).set_index(["horizon", "baseline"])
    assert set(tests["model"]) == {"model"} and len(tests) == 4
    for h in (1, 4):
        block = table[table["horizon"] == h].groupby("origin")[["model", "base_rates"]].sum()
        gain = (block["model"] - block["base_rates"]).to_numpy()
        assert tests.at[(h, "base_rates"), "gain_nats"] == pytest.approx(gain.sum())
        assert tests.at[(h, "base_rates"), "p"] == pytest.approx(hln_p(gain, h))
        assert tests.at[(h, "logit"), "gain_nats"] == 0.0 and np.isnan(tests.at[(h, "logit"), "p"])
    # 9 origins, 4 weeks ahead: the normal reference with Bartlett weights, as before, rejected
    # too readily
    from scipy.stats import norm

    gain = np.array([0.9, -0.3, 1.4, 0.2, -0.5, 1.1, 0.8, -0.2, 0.6])
    e, n = gain - gain.mean(), len(gain)
    bartlett = e @ e + 2 * sum((1 - lag / 4) * (e[lag:] @ e[:-lag]) for lag in (1, 2, 3))
    before = 2 * norm.sf(gain.mean() / np.sqrt(bartlett / n**2))
    assert dm_p_value(gain, 4) == pytest.approx(hln_p(gain, 4))
    assert before < 0.05 < dm_p_value(gain, 4)


def test_diebold_mariano_falls_back_on_bartlett_weights_when_equal_ones_fail():
    # a gain that swings from origin to origin: equal weights give a negative variance
    gain = np.array([1.0, -0.6, 1.1, -0.5, 0.9, -0.7, 1.2, -0.4, 1.0, -0.6, 0.8, -0.5]) + 0.2
    e = gain - gain.mean()
    assert e @ e + 2 * sum(e[lag:] @ e[:-lag] for lag in (1, 2, 3)) < 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "invalid value encountered in sqrt" headed compare
        assert dm_p_value(gain, 4) == pytest.approx(hln_p(gain, 4, bartlett=True))


def test_the_reports_carry_the_tests_of_the_real_forecasts(table):
    from sim.analysis.results import _forecasts_json
    from sim.reports.tables import diebold_mariano_rows

    tests = diebold_mariano(table)
    written = _forecasts_json(table)
    for row in tests.itertuples(index=False):
        cell = written[row.horizon]["diebold_mariano"][row.model][row.baseline]
        assert cell["gain_nats"] == pytest.approx(row.gain_nats)
        assert cell["p"] is None if np.isnan(row.p) else cell["p"] == pytest.approx(row.p)
    rows = diebold_mariano_rows(table)
    assert rows[0] == ("horizon, forecast", *(b.replace("_", " ") for b in BASELINES))
    first = tests[(tests["horizon"] == 1) & (tests["baseline"] == "base_rates")].iloc[0]
    assert rows[1][1].startswith(f"{first.gain_nats:+.1f} (p = ")


def test_the_markdown_reports_show_the_scores_the_tests_and_the_figure(table):
    from sim.reports.forecasts import forecasts_markdown
    from sim.reports.tables import diebold_mariano_rows, forecast_rows, markdown_table

    text = forecasts_markdown(table)
    assert markdown_table(forecast_rows(table)) in text
    assert markdown_table(diebold_mariano_rows(table)) in text
    assert text.endswith(f"({FORECAST_FIGURE})\n") and f"`{FORECAST_TABLE}`" in text


def test_the_reports_name_the_keys_a_plug_in_took_from_the_prior(table):
    from sim.reports.forecasts import forecasts_markdown
    from sim.reports.tables import uninformed_note

    assert set(table.uninformed) == {""}  # seoul.activity bears on every week
    assert uninformed_note(table, "origin") == "" and "prior" not in forecasts_markdown(table)
    keys = {
        4: "payoffs.pressure.tokyo,payoffs.deadline",
        5: "payoffs.pressure.tokyo,payoffs.deadline",
    }
    keys |= {6: "payoffs.deadline", 7: ""}
    marked = table.assign(uninformed=table.origin.map(keys))
    note = uninformed_note(marked, "origin")
    assert note.endswith(
        "(origin weeks 4-5: payoffs.pressure.tokyo, payoffs.deadline; origin week 6: "
        "payoffs.deadline)"
    )
    assert note in forecasts_markdown(marked)
    folds = pd.DataFrame(
        {
            "case": ["gsomia_2019", "gsomia_2019", "thaad_2016"],
            "uninformed": ["payoffs.deadline"] * 2 + [""],
        }
    )
    assert uninformed_note(folds, "case").endswith("(case gsomia_2019: payoffs.deadline)")
