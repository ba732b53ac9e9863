"""The evidence estimates against quadrature, Monte Carlo and the Polya urn.

The model's and the acts' by nautilus against a grid where the integral has two dimensions;
the logit's against plain Monte Carlo over its prior; the count baselines' closed forms
against the urn's product of predictive probabilities, which computes the same integral
another way.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

from sim.analysis.baselines import MoveData
from sim.analysis.evidence import (
    acts_log_evidence,
    counted_log_evidence,
    log_evidence,
    logit_log_evidence,
    logit_loglik,
    markov_log_evidence,
    regime_break_log_evidence,
    sequence_log_evidence,
)
from sim.analysis.fit import MovesObjective
from sim.analysis.likelihood import Episode
from sim.analysis.posterior import CONDUCT_PARAMETERS
from sim.analysis.space import Space
from sim.core.moves import N_MOVES

KEYS = ["seoul.provocation:0.001:10:log", "payoffs.audience.seoul:0.01:100:log"]


def quadrature(
    space: Space, episode: Episode, objective: MovesObjective | None = None, points: int = 151
) -> float:
    """log of the mean likelihood over the box (flat in coordinates), by the trapezoid rule."""
    objective = objective or MovesObjective(space, (episode,), acts=True)
    axes = [np.linspace(lo, hi, points) for lo, hi in zip(space.low, space.high, strict=True)]
    grid = np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")])
    loglik = objective.loglik(grid).reshape(points, points)
    top = loglik.max()
    inner = np.trapezoid(np.exp(loglik - top), axes[1], axis=1)
    volume = float(np.prod(space.high - space.low))
    return float(np.log(np.trapezoid(inner, axes[0]) / volume) + top)


@pytest.mark.slow
def test_log_evidence_matches_quadrature_in_two_dimensions(gsomia_case, compare_default):
    # Seoul's provocation hazard and audience weight over the first 20 weeks, conduct held:
    # nautilus's estimate within 0.05 nats of a 151 x 151 trapezoid grid (seed fixed). Over
    # seeds 1 to 3 its error was 0.015 nats at most with 2,000 effective samples, against
    # 0.013 with nautilus's default 10,000, which takes 1.7 times as long.
    episode = Episode(gsomia_case.scenario, gsomia_case.real, 20)
    space = Space.of(compare_default.model_params, KEYS)
    evidence = log_evidence(space, (episode,), live=300, seed=1, conduct=False, effective=2000)
    assert evidence.keys == ("seoul.provocation", "payoffs.audience.seoul")
    assert evidence.log_z == pytest.approx(quadrature(space, episode), abs=0.05)
    # A mean of the likelihood over a normalised prior cannot exceed its largest value.
    assert evidence.log_z < evidence.max_loglik
    # every point of the weighted sample was a likelihood call, and its effective size is at
    # most its length: a count wired to the live points (300) would fail here
    assert evidence.likelihood_calls >= evidence.effective_samples
    assert 2000 <= evidence.effective_samples < 10_000  # the option reached nautilus


def urn(moves: list[int], alpha: float) -> float:
    """log p(moves) by the Polya urn: each move's predictive given the moves before it."""
    counts, total = np.zeros(N_MOVES), 0.0
    for m in moves:
        total += np.log((alpha + counts[m]) / (N_MOVES * alpha + counts.sum()))
        counts[m] += 1
    return total


sequences = st.lists(st.integers(0, N_MOVES - 1), min_size=0, max_size=40)
alphas = st.sampled_from([0.5, 1.0, 2.0])


@settings(max_examples=80, deadline=None)
@given(sequences, alphas)
def test_constant_rates_evidence_is_the_urns_product_of_predictives(moves, alpha):
    assert sequence_log_evidence(np.array(moves, dtype=int), alpha) == pytest.approx(
        urn(moves, alpha), abs=1e-9
    )


@settings(max_examples=80, deadline=None)
@given(sequences.filter(lambda m: len(m) >= 1), alphas)
def test_markov_evidence_is_an_urn_per_last_move(moves, alpha):
    # The first move from an urn of its own; each later one from the urn of the move before.
    expected = urn(moves[:1], alpha) + sum(
        urn([b for a, b in zip(moves, moves[1:], strict=False) if a == last], alpha)
        for last in range(N_MOVES)
    )
    assert markov_log_evidence(np.array(moves), alpha) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(sequences.filter(lambda m: len(m) >= 4), alphas)
def test_regime_break_evidence_averages_the_breaks(moves, alpha):
    # Every break of RegimeBreak's range equally likely a priori: the mean of the likelihoods.
    breaks = range(2, len(moves) - 1)
    each = [np.exp(urn(moves[:b], alpha) + urn(moves[b:], alpha)) for b in breaks]
    value = regime_break_log_evidence(np.array(moves), alpha)
    assert value == pytest.approx(np.log(np.mean(each)), abs=1e-9)


def test_logit_likelihood_is_statsmodels_mnlogit_at_any_coefficients(gsomia_case):
    # Our batched likelihood against MNLogit.loglike at random coefficients, both sides: the
    # same design, the same coefficient layout and the same reference move as the baseline.
    from statsmodels.discrete.discrete_model import MNLogit

    data = MoveData.of(gsomia_case.real, gsomia_case.scenario)
    rng = np.random.default_rng(5)
    for i in range(2):
        design = np.column_stack([np.ones(data.weeks), data.covariates[:, i]])
        beta = rng.normal(0, 1.5, (4, design.shape[1] * (N_MOVES - 1)))
        expected = [MNLogit(data.moves[:, i], design).loglike(b) for b in beta]
        assert logit_loglik(design, data.moves[:, i], beta) == pytest.approx(expected, rel=1e-10)


@pytest.mark.slow
def test_logit_evidence_matches_monte_carlo_over_its_prior(gsomia_case):
    # Seoul's first 12 weeks, intercepts only (2 coefficients): nautilus against the mean of
    # the likelihood over 400,000 draws of the normal prior (fixed seeds), within 0.03 nats.
    data = MoveData.of(gsomia_case.real, gsomia_case.scenario)
    moves, covariates = data.moves[:12, 0], data.covariates[:12, 0, :0]
    evidence = logit_log_evidence(moves, covariates, scale=2.5, live=200, seed=1)
    beta = 2.5 * np.random.default_rng(3).standard_normal((400_000, N_MOVES - 1))
    loglik = logit_loglik(np.ones((12, 1)), moves, beta)
    assert evidence.parameters == 2
    assert evidence.log_z == pytest.approx(logsumexp(loglik) - np.log(len(beta)), abs=0.03)
    assert evidence.log_z < evidence.max_loglik


def test_count_baselines_evidence_counts_parameters_and_adds_sides(gsomia_case):
    data = MoveData.of(gsomia_case.real, gsomia_case.scenario)
    rows = {b.name: b for b in counted_log_evidence(data)}
    assert {n: b.parameters for n, b in rows.items()} == {
        "base_rates": 4,
        "markov": 16,
        "regime_break": 10,
    }
    for name, row in rows.items():
        assert row.log_z == pytest.approx(sum(row.per_side)), name
    assert rows["base_rates"].per_side == pytest.approx(
        [urn(list(data.moves[:, i]), 1.0) for i in range(2)]
    )
    # Under Jeffreys' prior the same rows exist with its name.
    assert {b.prior for b in counted_log_evidence(data, 0.5)} == {"Dirichlet(0.5)"}


@pytest.mark.slow
def test_acts_evidence_matches_quadrature_in_two_dimensions(gsomia_case, compare_default):
    # Seoul's signal and lift shares over the first 20 weeks, the rest of the conduct held:
    # the acts' term alone, nautilus within 0.05 nats of the grid (over seeds 1 to 3, 0.023 at
    # most with 2,000 effective samples, 0.013 with 10,000).
    episode = Episode(gsomia_case.scenario, gsomia_case.real, 20)
    space = Space(compare_default.model_params, CONDUCT_PARAMETERS[0:4:2])
    assert space.keys == ["seoul.signal", "seoul.lift"]
    evidence = acts_log_evidence(
        space.base, (episode,), live=300, seed=1, space=space, effective=2000
    )
    objective = MovesObjective(space, (episode,), acts=True, moves=False)
    assert evidence.log_z == pytest.approx(quadrature(space, episode, objective), abs=0.05)
    assert evidence.log_z < evidence.max_loglik
