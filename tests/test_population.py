"""Weights that vary by case: the population of the cases' fits and its predictive score."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from sim.analysis.case import load_case_events
from sim.analysis.fit import fit_ml, plug_in_coordinates
from sim.analysis.loco import leave_one_case_out
from sim.analysis.population import (
    CaseFit,
    Population,
    leave_one_case_out_population,
    population,
    predictive_scores,
)
from sim.analysis.space import Space

KEYS = [
    "seoul.activity",
    "payoffs.audience.tokyo:0.01:100:log",
    "payoffs.deadline:0.01:1000:log",
]


@pytest.fixture(scope="module")
def space(compare_default):
    return Space.of(compare_default.model_params, KEYS)


def test_the_population_takes_each_keys_mean_and_widened_spread_over_the_cases_bearing_on_it():
    fits = [
        CaseFit("a", np.array([0.2, 1.0, 2.0]), np.array([True, True, True])),
        CaseFit("b", np.array([0.4, -1.0, 0.5]), np.array([True, True, False])),
        CaseFit("c", np.array([0.3, 0.5, 1.5]), np.array([True, False, False])),
    ]
    fallback = np.array([0.9, 0.9, 0.9])
    p = population(fits, fallback)
    np.testing.assert_array_equal(p.cases, [3, 2, 1])
    np.testing.assert_allclose(p.centre, [0.3, 0.0, 0.9])  # key 3: one case, the fallback
    # sd of (0.2, 0.4, 0.3) is 0.1; of (1, -1) is sqrt(2); times sqrt(1 + 1/n)
    np.testing.assert_allclose(p.scale, [0.1 * np.sqrt(4 / 3), np.sqrt(2) * np.sqrt(3 / 2), 0.0])


def test_draws_follow_students_t_within_the_box_and_a_fixed_key_stays_put(space):
    wide = Population(np.array([0.5, 0.0, 1.0]), np.array([0.01, 0.2, 0.0]), np.array([6, 6, 1]))
    draws = wide.draw(space, 20_000, np.random.default_rng(5))
    assert draws.shape == (3, 20_000)
    np.testing.assert_array_equal(draws[2], 1.0)
    # t with 5 degrees of freedom: sd = scale * sqrt(5 / 3); truncation is negligible here.
    # Tolerances: about 4 standard errors at 20,000 draws.
    assert abs(draws[1].mean()) < 0.01
    assert draws[1].std() == pytest.approx(0.2 * np.sqrt(5 / 3), rel=0.04)
    assert draws[0].mean() == pytest.approx(0.5, abs=5e-4)


@settings(max_examples=40, deadline=None)
@given(
    where=st.floats(0, 1),
    scale=st.floats(0.01, 20),
    cases=st.integers(2, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_draw_lies_in_the_keys_box(space, where, scale, cases, seed):
    centre = space.low + where * (space.high - space.low)  # a mean of estimates in the box
    p = Population(centre, np.full(3, scale), np.full(3, cases))
    draws = p.draw(space, 50, np.random.default_rng(seed))
    assert (draws >= space.low[:, None]).all() and (draws <= space.high[:, None]).all()


def test_a_key_whose_cases_agree_exactly_is_drawn_at_their_value(space):
    same = Population(np.array([0.5, 1.0, 1.0]), np.array([0.1, 0.0, 0.0]), np.array([4, 3, 1]))
    draws = same.draw(space, 100, np.random.default_rng(2))
    assert (draws[1] == 1.0).all() and np.isfinite(draws).all()


def test_draws_near_a_bound_follow_the_truncated_t_and_pile_no_mass_on_the_bound(space):
    """Clipping the t to the box would put the mass beyond the bound on the bound itself."""
    high = space.high[1]  # the audience weight's box: log10 from -2 to 2
    near = Population(
        np.array([0.5, high - 0.1, 1.0]), np.array([0.1, 0.5, 0.0]), np.array([5, 5, 1])
    )
    draws = near.draw(space, 40_000, np.random.default_rng(8))[1]
    t = stats.t(4, loc=high - 0.1, scale=0.5)
    mass = t.cdf(high) - t.cdf(space.low[1])
    mean = integrate.quad(lambda x: x * t.pdf(x), space.low[1], high)[0] / mass
    # mean of the truncated t; 4 standard errors at 40,000 draws (sd about 0.45)
    assert draws.mean() == pytest.approx(mean, abs=0.01)
    assert (draws > high - 1e-9).mean() < 1e-3  # a clipped t would put 42% here
    assert (draws < high - 0.1).mean() == pytest.approx(
        (t.cdf(high - 0.1) - t.cdf(space.low[1])) / mass, abs=0.01
    )


def test_the_predictive_score_is_the_log_of_the_draws_mean_likelihood(space, gsomia_case):
    episode = gsomia_case.episode()
    fit = fit_ml(space, (episode,), seed=1, popsize=5, maxiter=1)
    a, b = fit.coordinates, (space.low + space.high) / 2
    one = predictive_scores(space, fit.conduct, episode, a[:, None])
    other = predictive_scores(space, fit.conduct, episode, b[:, None])
    params = fit.conduct.apply(space.apply(a))
    np.testing.assert_allclose(one, episode.score(params).moves[:, 0].sum(axis=0))
    same = predictive_scores(space, fit.conduct, episode, np.tile(a[:, None], (1, 3)))
    np.testing.assert_allclose(same, one)
    both = predictive_scores(space, fit.conduct, episode, np.stack([a, b, b], axis=1))
    np.testing.assert_allclose(both, np.log((np.exp(one) + 2 * np.exp(other)) / 3))
    assert not np.allclose(one, other)  # the two points differ, so the mixture means something


#: A stretch of each case with moves on both sides (as in test_forecast).
CASES = {
    "gsomia_2019": ("2019-06-24", "2019-08-26"),
    "thaad_2016": ("2016-12-26", "2017-03-13"),
    "senkaku_2010": ("2010-09-06", "2010-11-08"),
}


@pytest.mark.slow
def test_each_fold_draws_from_the_other_cases_fits_only(compare_default):
    cases = {n: load_case_events(n, start=s, end=e) for n, (s, e) in CASES.items()}
    episodes = {n: c.episode() for n, c in cases.items()}
    deadline = "payoffs.deadline:0.01:1000:log"  # only 2019's stretch has a notice
    space = Space.of(compare_default.model_params, ["seoul.activity", deadline])
    table, fits = leave_one_case_out_population(space, episodes, 1, 5, 1, draws=50, repeats=3)
    assert list(table.case.unique()) == list(CASES)
    informed = [f.informed.tolist() for f in fits.values()]
    assert informed == [[True, True], [True, False], [True, False]]
    loco = leave_one_case_out(space, episodes, seed=1, popsize=5, maxiter=1)
    np.testing.assert_allclose(table.model, loco.model)  # the pooled plug-in, as loco scores it
    for name in CASES:
        others = [fits[n].coordinates[0] for n in CASES if n != name]
        rows = table[table.case == name]
        assert rows["cases:seoul.activity"].tolist() == [2, 2]
        np.testing.assert_allclose(rows["centre:seoul.activity"], np.mean(others))
        spread = np.std(others, ddof=1) * np.sqrt(1.5)
        np.testing.assert_allclose(rows["scale:seoul.activity"], spread)
        # The deadline: fewer than two training cases bear on it, so the pooled plug-in's value
        training = tuple(e for n, e in episodes.items() if n != name)
        pooled, _ = plug_in_coordinates(space, training, fit_ml(space, training, 1, 5, 1))
        np.testing.assert_allclose(rows[f"centre:{deadline.split(':')[0]}"], pooled[1])
        assert (rows[f"scale:{deadline.split(':')[0]}"] == 0).all()
        seoul = rows[rows.side == rows.side.iloc[0]]  # the second side does not see the key
        assert (seoul.model_population != seoul.model).all()
        repeats = np.array(seoul.model_population_repeats.iloc[0])
        assert repeats[0] == seoul.model_population.iloc[0] and len(set(repeats)) == 3
    again, _ = leave_one_case_out_population(space, episodes, 1, 5, 1, draws=50, jobs=2, repeats=3)
    np.testing.assert_array_equal(again.model_population, table.model_population)


def test_a_case_bears_on_no_deadline_without_a_notice(space, compare_default):
    """THAAD has no notice to lapse: its own fit marks the deadline uninformed."""
    from sim.analysis.population import fit_case

    episode = load_case_events("thaad_2016", start="2016-12-26", end="2017-03-13").episode()
    fit = fit_case(space, "thaad_2016", episode, 1, 5, 1)
    assert fit.informed.tolist() == [True, True, False]
    ml = fit_ml(space, (episode,), 1, 5, 1)
    coordinates, flat = plug_in_coordinates(space, (episode,), ml)
    assert flat == ("payoffs.deadline",)
    assert coordinates[2] == pytest.approx((space.low[2] + space.high[2]) / 2)
