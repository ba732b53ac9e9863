"""The baselines against their closed forms, and the in-sample table's criteria."""

import numpy as np
import pytest

from sim.analysis.baselines import (
    LOG_FLOOR,
    BaseRates,
    Logit,
    Markov,
    MoveData,
    RegimeBreak,
    fit_baselines,
)
from sim.analysis.conduct_fit import ConductFit
from sim.analysis.insample import InSample, Row, baseline_rows, make_row
from sim.core.moves import Move

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE


def data_of(*sides: list[int]) -> MoveData:
    """Move data for hand-made sequences, with zero covariates."""
    moves = np.array(sides, dtype=np.int64).T
    return MoveData(moves, np.zeros((*moves.shape, 6)))


SEOUL = [H, H, R, H, C, R, R, H, H, H, R, C, H, H, R]
TOKYO = [H, R, R, H, H, H, R, H, C, H, H, H, R, R, H]


def base_rate_loglik(moves) -> float:
    """sum over moves m of n_m log(n_m / n)."""
    counts = np.bincount(moves, minlength=3)
    return float(sum(n * np.log(n / len(moves)) for n in counts if n))


def markov_loglik(moves) -> float:
    """The first move by the base rates, then sum over pairs (i, j) of n_ij log(n_ij / n_i.)."""
    counts = np.zeros((3, 3))
    for a, b in zip(moves[:-1], moves[1:], strict=True):
        counts[a, b] += 1
    first = np.log(np.bincount(moves, minlength=3)[moves[0]] / len(moves))
    rows = counts.sum(axis=1, keepdims=True)
    return float(
        first + sum(n * np.log(n / rows[i, 0]) for (i, _), n in np.ndenumerate(counts) if n)
    )


def test_base_rates_and_markov_log_likelihoods_equal_their_closed_forms():
    data = data_of(SEOUL, TOKYO)
    weeks = np.arange(data.weeks)
    rates = BaseRates().fit(data).log_probabilities(data, weeks)
    chain = Markov().fit(data).log_probabilities(data, weeks)
    assert rates.shape == chain.shape == (len(SEOUL), 2)
    for i, moves in enumerate((SEOUL, TOKYO)):
        assert rates[:, i].sum() == pytest.approx(base_rate_loglik(np.array(moves)), rel=1e-12)
        assert chain[:, i].sum() == pytest.approx(markov_loglik(np.array(moves)), rel=1e-12)


def test_a_markov_row_never_left_takes_the_base_rates():
    data = data_of([H, H, R, H, H, R, H, H], [H, H, H, H, H, H, H, C])  # Tokyo never leaves C
    matrix, rates = Markov().fit(data).fitted[1]
    np.testing.assert_allclose(matrix[C], rates)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)


def test_regime_break_finds_a_planted_break():
    rng = np.random.default_rng(3)
    planted = 30
    early = rng.choice(3, size=planted, p=[0.05, 0.9, 0.05])
    late = rng.choice(3, size=30, p=[0.1, 0.3, 0.6])
    moves = np.concatenate([early, late])
    data = data_of(moves, moves[::-1])
    fitted = RegimeBreak().fit(data)
    (found, first, second), (mirrored, _, _) = fitted.fitted
    assert abs(found - planted) <= 2
    assert abs(mirrored - (len(moves) - planted)) <= 2
    np.testing.assert_allclose(first, np.bincount(moves[:found], minlength=3) / found)
    np.testing.assert_allclose(second, np.bincount(moves[found:], minlength=3) / (60 - found))
    scored = fitted.log_probabilities(data, np.arange(60))[:, 0].sum()
    expected = base_rate_loglik(moves[:found]) + base_rate_loglik(moves[found:])
    assert scored == pytest.approx(expected, rel=1e-12)
    # The best break beats every other one.
    for other in range(2, 59):
        assert base_rate_loglik(moves[:other]) + base_rate_loglik(moves[other:]) <= expected + 1e-9


#: Multinomial-logit coefficients (rows: intercept, then the six covariates; columns: hold and
#: retaliate against cooperate, statsmodels' reference class).
TRUE_COEFFICIENTS = np.array(
    [[1.0, -0.5], [0.8, 0.0], [-0.6, 1.2], [0.0, 0.7], [0.5, -0.8], [-0.4, 0.9], [0.3, 0.5]]
)


def simulated_logit(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Moves drawn from the true logit on standard normal covariates."""
    rng = np.random.default_rng(seed)
    covariates = rng.standard_normal((n, 6))
    design = np.column_stack([np.ones(n), covariates])
    utility = np.column_stack([np.zeros(n), design @ TRUE_COEFFICIENTS])
    p = np.exp(utility - utility.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    moves = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    return moves, covariates


def test_the_logit_recovers_known_coefficients():
    # 4000 draws: standard errors are about 0.05-0.08; the tolerance is 4 standard errors and
    # never more than 0.3.
    moves, covariates = simulated_logit(4000, seed=11)
    present, result, kept = Logit().fit_side(moves, covariates)
    assert kept.all()
    np.testing.assert_array_equal(present, [C, H, R])
    estimates, errors = np.asarray(result.params), np.asarray(result.bse)
    assert estimates.shape == TRUE_COEFFICIENTS.shape
    assert np.all(errors < 0.1)
    assert np.all(np.abs(estimates - TRUE_COEFFICIENTS) < np.minimum(4 * errors, 0.3))


def test_a_side_with_one_move_only_gets_it_with_certainty_from_every_baseline():
    # a one-week events file: Seoul retaliates once, Tokyo holds (the logit once crashed here)
    data = data_of([R], [H])
    for baseline in fit_baselines(data):
        probabilities = baseline.probabilities(data, np.array([0]))
        np.testing.assert_allclose(probabilities[0, 0], [0, 0, 1], err_msg=baseline.name)
        np.testing.assert_allclose(probabilities[0, 1], [0, 1, 0], err_msg=baseline.name)


def test_the_logit_parameter_count_is_its_coefficient_count():
    moves, covariates = simulated_logit(300, seed=2)
    _, result, _ = Logit().fit_side(moves, covariates)
    assert Logit().per_side == np.asarray(result.params).size == 14


def test_a_covariate_that_never_varies_is_no_parameter_of_the_logit():
    moves, covariates = simulated_logit(300, seed=2)
    data = MoveData(np.stack([moves, moves], axis=1), np.stack([covariates, covariates], axis=1))
    data.covariates[:, 0, 4] = 0.0  # the patron never presses the first side
    logit = Logit().fit(data)
    assert logit.parameters == 12 + 14
    present, result, kept = logit.fitted[0]
    assert kept.tolist() == [True, True, True, True, False, True]
    assert np.asarray(result.params).size == 12
    shifted = MoveData(data.moves, data.covariates.copy())
    shifted.covariates[:, 0, 4] = 5.0  # a covariate left out cannot move the forecast
    weeks = np.arange(20)
    np.testing.assert_allclose(
        logit.probabilities(shifted, weeks), logit.probabilities(data, weeks)
    )


def test_parameter_counts_are_the_free_parameters_over_both_sides(gsomia_case):
    data = data_of(SEOUL, TOKYO)
    counts = {b.name: b.parameters for b in fit_baselines(data)}
    # Rates: 3 moves - 1. Markov: 3 rows of 2 free shares, plus the first week's rates.
    # Regime break: two sets of rates and the week. Logit: 2 classes x the intercept (the
    # covariates here are all zero, so none enters).
    assert counts == {"base_rates": 4, "markov": 16, "regime_break": 10, "logit": 4}
    # On 2019 every covariate varies for both sides: 2 classes x (intercept + 6).
    real = MoveData.of(gsomia_case.real, gsomia_case.scenario)
    assert Logit().fit(real).parameters == 28


def test_a_move_never_made_has_no_slopes_in_the_logits_count():
    # Beijing never cooperates in 2020-2021: its logit fits 1 + 6 coefficients, counted as 14.
    moves, covariates = simulated_logit(300, seed=2)
    never = np.where(moves == C, H, moves)  # the first side never cooperates
    data = MoveData(np.stack([never, moves], axis=1), np.stack([covariates, covariates], axis=1))
    logit = Logit().fit(data)
    present, result, kept = logit.fitted[0]
    assert present.tolist() == [H, R] and np.asarray(result.params).size == 1 + 6
    assert logit.parameters == (1 + 6) + 1 + 14  # its zero share counts once, as in base rates


def test_smoothing_gives_an_unseen_move_a_probability():
    train = data_of([H, R, H, H, R, H, R, H, H, R], [H, H, C, H, H, R, H, H, C, H])
    test = data_of([C, H, R, H], [R, C, H, H])  # Seoul's cooperation was never seen
    weeks = np.arange(test.weeks)
    raw = BaseRates().fit(train).log_probabilities(test, weeks)
    assert raw[0, 0] == LOG_FLOOR
    smooth = BaseRates(smoothing=0.5).fit(train).log_probabilities(test, weeks)
    assert smooth[0, 0] == pytest.approx(np.log(0.5 / 11.5))
    assert smooth[2, 0] == pytest.approx(np.log(4.5 / 11.5))
    for cls in (Markov, RegimeBreak, Logit):
        probs = cls(smoothing=0.5).fit(train).probabilities(test, weeks)
        assert np.all(probs > 0), cls.__name__
        np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-9)
    unsmoothed = Logit().fit(train).probabilities(test, weeks)
    np.testing.assert_array_equal(unsmoothed[:, 0, C], 0.0)  # never seen, never predicted


@pytest.mark.parametrize("horizon", [1, 2, 4])
def test_an_h_step_markov_forecast_is_the_matrix_power(horizon):
    data = data_of(SEOUL, TOKYO)
    chain = Markov(smoothing=0.5).fit(data)
    weeks = np.arange(data.weeks)
    probs = chain.probabilities(data, weeks, horizon)
    for i, (matrix, rates) in enumerate(chain.fitted):
        power = np.eye(3)
        for _ in range(horizon):
            power = power @ matrix
        for week in weeks:
            expected = rates if week < horizon else power[data.moves[week - horizon, i]]
            np.testing.assert_allclose(probs[week, i], expected, rtol=1e-12)


def test_the_covariates_are_what_the_model_saw_before_each_week(gsomia_case):
    data = MoveData.of(gsomia_case.real, gsomia_case.scenario)
    moves = data.moves
    assert data.covariates.shape == (gsomia_case.weeks, 2, 6)
    np.testing.assert_array_equal(data.covariates[0, :, :5], 0.0)  # nothing before week 0
    for week in (1, 36, 42, 60):
        for i, side in enumerate(gsomia_case.scenario.sides):
            row = data.covariates[week, i]
            repertoire = gsomia_case.scenario.measures[side]
            in_force = repertoire.in_force(gsomia_case.real.masks[side][week - 1 : week])[0]
            expected = [
                moves[week - 1, i] == C,
                moves[week - 1, i] == R,
                moves[week - 1, 1 - i] == C,
                moves[week - 1, 1 - i] == R,
                gsomia_case.real.pressure[week - 1],
                in_force.mean(),
            ]
            np.testing.assert_allclose(row, expected, err_msg=f"{side} week {week}")


def test_a_side_the_patron_does_not_press_sees_no_pressure_covariate(gsomia_case):
    import dataclasses

    scenario = dataclasses.replace(gsomia_case.scenario, pressed=("tokyo",))
    data = MoveData.of(gsomia_case.real, scenario)
    both = MoveData.of(gsomia_case.real, gsomia_case.scenario)
    np.testing.assert_array_equal(data.covariates[:, 0, 4], 0.0)
    np.testing.assert_array_equal(data.covariates[:, 1], both.covariates[:, 1])
    assert both.covariates[:, 0, 4].max() > 0  # 2019's patron pressed Seoul


def test_a_logit_forecast_h_weeks_ahead_uses_only_what_was_known_then(gsomia_case):
    data = MoveData.of(gsomia_case.real, gsomia_case.scenario)
    logit = Logit(smoothing=0.5).fit(data, 40)
    target = 50
    ahead = logit.probabilities(data, np.array([target]), horizon=4)
    # What was known before week target - 3 is the covariates of that week.
    np.testing.assert_allclose(ahead, logit.probabilities(data, np.array([target - 3]), 1))
    changed = MoveData(data.moves.copy(), data.covariates.copy())
    changed.covariates[target - 2 :] = 1.0
    changed.moves[target - 3 :] = R
    np.testing.assert_allclose(ahead, logit.probabilities(changed, np.array([target]), 4))


def row(name: str, loglik: float, parameters: int, observations: int = 122) -> Row:
    return Row(name, loglik + 20.0, -20.0, parameters, observations, {"seoul": 0.0, "tokyo": 0.0})


def test_aic_and_bic_by_hand():
    r = row("x", -100.0, 10)
    assert r.loglik == -100.0
    assert r.aic == pytest.approx(2 * 10 + 200)
    assert r.bic == pytest.approx(10 * np.log(122) + 200)


def test_the_best_baseline_is_chosen_by_the_named_criterion_and_margins_have_a_sign():
    # Many parameters with a high likelihood win by AIC; few with a lower one win by BIC.
    rich, lean = row("rich", -90.0, 10), row("lean", -104.0, 2)
    table = InSample(row("model", -100.0, 3), (rich, lean, row("worst", -130.0, 2)))
    assert rich.aic < lean.aic and lean.bic < rich.bic
    assert table.best("aic") is rich and table.best("bic") is lean
    assert table.margin("aic") == pytest.approx(rich.aic - table.model.aic)
    assert table.margin("bic") == pytest.approx(lean.bic - table.model.bic)
    assert table.margin("aic") < 0 < table.margin("bic")  # loses by AIC, wins by BIC
    assert table.rows[0] is table.model and len(table.rows) == 4


def conduct(loglik: float) -> ConductFit:
    return ConductFit(
        {"seoul": 0.5, "tokyo": 0.5}, {"seoul": 0.3, "tokyo": 0.3}, 1.0, 0.1, loglik, {}
    )


def test_rows_share_the_conduct_and_count_its_parameters():
    data = data_of(SEOUL, TOKYO)
    rows, weekly = baseline_rows(data, data, conduct(-12.5), ("seoul", "tokyo"))
    assert [r.name for r in rows] == ["base_rates", "markov", "regime_break", "logit"]
    rates = rows[0]
    assert rates.acts == -12.5 and rates.parameters == 4 + 6 and rates.observations == 30
    assert rates.moves == pytest.approx(
        base_rate_loglik(np.array(SEOUL)) + base_rate_loglik(np.array(TOKYO))
    )
    assert rates.per_side["tokyo"] == pytest.approx(base_rate_loglik(np.array(TOKYO)))
    assert rates.loglik == pytest.approx(rates.moves - 12.5)
    np.testing.assert_allclose(weekly["markov"].sum(), rows[1].moves)
    made = make_row("model", weekly["markov"], -1.0, 3, ("seoul", "tokyo"))
    assert made.observations == 30 and made.per_side["seoul"] == pytest.approx(
        weekly["markov"][:, 0].sum()
    )


def bernoulli_loglik(moves) -> float:
    """Moving or holding at the share of holds: k log(k / n) + (n - k) log((n - k) / n)."""
    n, k = len(moves), int(np.sum(np.array(moves) == H))
    return float(k * np.log(k / n) + (n - k) * np.log((n - k) / n))


def test_each_row_splits_its_moves_into_when_to_move_and_which_move():
    data = data_of(SEOUL, TOKYO)
    rows, _ = baseline_rows(data, data, conduct(0.0), ("seoul", "tokyo"))
    rates = rows[0]
    # Base rates: whether to move at the share of holds, which move at the shares of C and R
    # among the moves.
    assert rates.when == pytest.approx(bernoulli_loglik(SEOUL) + bernoulli_loglik(TOKYO))
    moved = [[m for m in side if m != H] for side in (SEOUL, TOKYO)]
    assert rates.which == pytest.approx(sum(base_rate_loglik(np.array(m)) for m in moved))
    for row in rows:
        assert row.when < 0 and row.which <= 1e-12
        assert row.when + row.which == pytest.approx(row.moves)


def test_baselines_trained_on_other_data_are_smoothed():
    train = data_of([H, R, H, H, R, H, R, H, H, R], [H, H, C, H, H, R, H, H, C, H])
    test = data_of([C, H, R, H], [R, C, H, H])
    rows, _ = baseline_rows(test, train, conduct(0.0), ("seoul", "tokyo"))
    seoul = np.log(np.array([0.5, 6.5, 4.5]) / 11.5)
    tokyo = np.log(np.array([2.5, 7.5, 1.5]) / 11.5)
    expected = seoul[[C, H, R, H]].sum() + tokyo[[R, C, H, H]].sum()
    assert rows[0].moves == pytest.approx(expected)


def test_a_separating_logit_predicts_probabilities_not_nan():
    # Retaliation exactly after the other's retaliation, cooperation exactly after pressure:
    # the coefficients grow without bound. Far out on a covariate (a stand-in for the larger
    # coefficients a few weeks of real data give) the exponentials overflow; statsmodels'
    # `predict` returned NaN there, which no log score survives.
    other = np.array([0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1], dtype=float)
    pressure = np.array([0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0], dtype=float)
    moves = np.where(other == 1, R, np.where(pressure == 1, C, H))
    covariates = np.zeros((12, 2, 6))
    covariates[:, :, 3], covariates[:, :, 4] = other[:, None], pressure[:, None]
    data = MoveData(np.stack([moves, moves], axis=1), covariates)
    logit = Logit(smoothing=0.5).fit(data)
    far = MoveData(data.moves[:2], np.zeros((2, 2, 6)))
    far.covariates[:, :, 3] = 20.0
    probs = logit.probabilities(far, np.arange(2))
    assert np.isfinite(probs).all()
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0)
    np.testing.assert_allclose(probs[..., R], 1.0)
    assert np.isfinite(logit.log_probabilities(far, np.arange(2))).all()
    # Where statsmodels' own prediction is finite, the two agree.
    present, result, kept = logit.fitted[0]
    assert kept.tolist() == [False, False, False, True, True, False]  # the others never vary
    expected = result.predict(np.column_stack([np.ones(12), covariates[:, 0][:, kept]]))
    np.testing.assert_allclose(logit.probabilities(data, np.arange(12))[:, 0, present], expected)
