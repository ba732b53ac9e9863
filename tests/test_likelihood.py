"""Likelihood by teacher forcing, checked against a plain per-week loop, and the baselines."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.baselines import (
    base_rate_log_probabilities,
    base_rates,
    markov_log_probabilities,
    move_counts,
    transition_counts,
    transition_matrix,
)
from sim.analysis.likelihood import (
    TeacherForcing,
    forced_probabilities,
    log_of_real,
    real_moves,
    summarize,
)
from sim.core.moves import ALLIES
from sim.core.rules import RULES
from sim.experiment.config import default_config
from sim.experiment.factory import build_scenario
from sim.history import real_path

C, H, R = 0, 1, 2
WEEKS = 14


@pytest.fixture(scope="module")
def case():
    """The first 14 weeks of 2018-2019 on the scenario's grid."""
    config = default_config(["run.progress=false"])
    scenario = build_scenario(config.scenario).with_span("2018-10-29", "2019-01-28")
    assert scenario.weeks == WEEKS
    return config, scenario, real_path(scenario)


def with_moves(real, seoul, tokyo):
    """The real path with hand-made move sequences (rungs and pressure stay real)."""
    moves = {"seoul": np.array(seoul, dtype=np.int8), "tokyo": np.array(tokyo, dtype=np.int8)}
    return dataclasses.replace(real, moves=moves)


def strategy(rule, **values):
    return RULES[rule](**values)


def hand_probabilities(rule, noise, activity, memory, own, other):
    """Plain per-week loop: the rule's move probabilities, written from its description.

    Tit-for-tat cooperates while neither side has moved, then plays the opponent's latest
    non-hold move that it has not answered yet, forgotten after ``memory`` weeks; random plays
    each move with probability 1/3; always_* always intends one move. Each week's intent is
    mixed with noise (uniform) and activity (otherwise hold).
    """
    recent, pending, age = H, H, 0
    rows = []
    for mine, theirs in zip(own, other, strict=True):
        match rule:
            case "tit_for_tat":
                intent = np.eye(3)[C if (recent == H and pending == H) else pending]
            case "random":
                intent = np.full(3, 1 / 3)
            case "always_cooperate":
                intent = np.eye(3)[C]
            case "always_retaliate":
                intent = np.eye(3)[R]
            case _:
                raise ValueError(rule)
        p = activity * ((1 - noise) * intent + noise / 3)
        p[H] += 1 - activity
        rows.append(p)
        # memory of the opponent's unanswered move, after this week's moves
        age += 1
        if theirs != H:
            pending, age = theirs, 0
        elif mine != H or age >= memory:
            pending = H
        if mine != H:
            recent = mine
    return np.array(rows)


SEQUENCES = [
    ([R, H, H, R, R, H, H, H, C, R, H, H, C, H], [R, H, H, H, R, H, H, R, R, R, R, H, R, H]),
    ([H] * 14, [R] + [H] * 13),
    ([C, R, C, R, H, H, H, H, H, H, R, R, R, C], [H, H, H, H, H, H, R, H, H, H, H, H, H, C]),
]


@pytest.mark.parametrize("rule", ["tit_for_tat", "random", "always_cooperate", "always_retaliate"])
@pytest.mark.parametrize("sequence", range(len(SEQUENCES)))
@pytest.mark.parametrize(("noise", "activity", "memory"), [(0.1, 0.4, 4), (0.02, 0.9, 2)])
def test_forced_probabilities_equal_a_plain_per_week_loop(
    case, rule, sequence, noise, activity, memory
):
    config, scenario, real = case
    seoul, tokyo = SEQUENCES[sequence]
    real = with_moves(real, seoul, tokyo)
    ally = strategy(rule, noise=noise, activity=activity, memory=memory)
    config = dataclasses.replace(config, seoul=ally, tokyo=ally)
    model = forced_probabilities(config, scenario, real, replications=3)
    for i, (own, other) in enumerate(((seoul, tokyo), (tokyo, seoul))):
        expected = hand_probabilities(rule, noise, activity, memory, own, other)
        for r in range(3):  # every replication is the same forced history
            np.testing.assert_allclose(model[:, r, i], expected, rtol=0, atol=1e-12)
    scores = log_of_real(model, real_moves(real))
    assert scores.shape == (WEEKS, 3, 2)
    hand = np.log(
        hand_probabilities(rule, noise, activity, memory, seoul, tokyo)[np.arange(WEEKS), seoul]
    )
    np.testing.assert_allclose(scores[:, 0, 0], hand, atol=1e-12)


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        ["strategy@seoul=q_learning", "strategy@tokyo=q_learning", "seoul.rationality=5"],
        ["strategy@seoul=generous_tit_for_tat", "strategy@tokyo=grim_trigger", "tokyo.noise=0.3"],
        ["strategy@seoul=win_stay_lose_shift", "seoul.activity=0.7", "us=absent"],
    ],
)
def test_teacher_forcing_mixes_noise_and_activity_like_the_agents(case, overrides):
    # The cached path runs the model once at activity 1, noise 0 and mixes afterwards; it must
    # equal the agents' own probabilities in a full run (with every recorder on).
    _, scenario, real = case
    config = default_config(["run.progress=false", *overrides])
    full = forced_probabilities(config, scenario, real, record=True)[:, 0]
    scorer = TeacherForcing(scenario, real)
    np.testing.assert_allclose(scorer.probabilities(config), full, rtol=0, atol=1e-13)
    np.testing.assert_allclose(
        scorer.log_probabilities(config), log_of_real(full, real_moves(real)), atol=1e-12
    )


def test_activity_and_noise_cost_no_model_run(case):
    config, scenario, real = case
    scorer = TeacherForcing(scenario, real)
    for activity in (0.1, 0.5, 0.9):
        seoul = dataclasses.replace(config.seoul, activity=activity, noise=activity / 10)
        scorer.log_probabilities(dataclasses.replace(config, seoul=seoul))
    assert scorer.runs == 1
    tokyo = dataclasses.replace(config.tokyo, rationality=3.0)
    scorer.log_probabilities(dataclasses.replace(config, tokyo=tokyo))
    assert scorer.runs == 2


def test_a_ruled_out_move_costs_a_finite_floor(case):
    config, scenario, real = case
    real = with_moves(real, *SEQUENCES[2])
    dove = strategy("always_cooperate", noise=0.0, activity=1.0)
    config = dataclasses.replace(config, seoul=dove, tokyo=dove)
    scores = TeacherForcing(scenario, real).log_probabilities(config)
    assert np.isfinite(scores).all()
    assert scores.min() < -700  # log of the smallest normal float
    assert scores[real_moves(real) == C].max() == 0.0


def test_summary_counts_per_actor_week():
    scores = np.log(np.array([[0.5, 0.25], [0.5, 0.5], [1.0, 0.5]]))
    summary = summarize(scores)
    assert summary["per_actor"] == pytest.approx(
        {"seoul": 2 * np.log(0.5), "tokyo": np.log(0.25) + 2 * np.log(0.5)}
    )
    assert summary["total"] == pytest.approx(4 * np.log(0.5) + np.log(0.25))
    assert summary["per_actor_week"] == pytest.approx(summary["total"] / 6)
    assert list(summary["per_actor"]) == list(ALLIES)


# Baselines: closed forms on a hand-made sequence.
MOVES = np.array([H, H, R, R, H, C, H, H, R, H])  # counts: C 1, H 6, R 3


def test_base_rates_are_frequencies_and_their_likelihood_the_closed_form():
    np.testing.assert_array_equal(move_counts(MOVES), [1, 6, 3])
    np.testing.assert_allclose(base_rates(MOVES), [0.1, 0.6, 0.3])
    expected = 1 * np.log(0.1) + 6 * np.log(0.6) + 3 * np.log(0.3)
    assert base_rate_log_probabilities(MOVES).sum() == pytest.approx(expected, abs=1e-12)


def test_markov_chain_is_the_transition_frequencies_and_its_likelihood_the_closed_form():
    counts = transition_counts(MOVES)
    # from C: C->H 1; from H: H->C 1, H->H 2, H->R 2; from R: R->H 2, R->R 1
    np.testing.assert_array_equal(counts, [[0, 1, 0], [1, 2, 2], [0, 2, 1]])
    matrix = transition_matrix(MOVES)
    np.testing.assert_allclose(matrix, [[0, 1, 0], [0.2, 0.4, 0.4], [0, 2 / 3, 1 / 3]])
    expected = (
        np.log(0.6)  # first week: base rate of hold
        + np.log(1.0)  # C->H
        + np.log(0.2)  # H->C
        + 4 * np.log(0.4)  # H->H twice, H->R twice
        + 2 * np.log(2 / 3)  # R->H
        + np.log(1 / 3)  # R->R
    )
    assert markov_log_probabilities(MOVES).sum() == pytest.approx(expected, abs=1e-12)


def test_markov_row_without_data_falls_back_to_base_rates():
    moves = np.array([H, H, H, R])  # R only ever last: its row has no data
    np.testing.assert_allclose(transition_matrix(moves)[R], base_rates(moves))


def test_laplace_smoothing_for_held_out_weeks():
    train, test = np.array([H, H, H, R]), np.array([C, H])
    np.testing.assert_allclose(base_rates(train, 1.0), [1 / 7, 4 / 7, 2 / 7])
    assert base_rate_log_probabilities(test, train, 1.0).sum() == pytest.approx(
        np.log(1 / 7) + np.log(4 / 7)
    )
    # Markov from R (last training move) to C: row R has no data, so (0+1)/(0+3); C->H: 1/3
    scores = markov_log_probabilities(test, train, 1.0, previous=R)
    np.testing.assert_allclose(scores, np.log([1 / 3, 1 / 3]))
    # from H: counts H->H 2, H->R 1, smoothed (1, 3, 2) / 6
    np.testing.assert_allclose(transition_matrix(train, 1.0)[H], [1 / 6, 3 / 6, 2 / 6])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=2, max_size=40))
def test_in_sample_markov_never_does_worse_than_base_rates(moves):
    # The Markov family holds the base-rate model (every row the same), so on the weeks it
    # scores by transition (all but the first) it fits at least as well as base rates fitted
    # to those weeks.
    moves = np.array(moves)
    markov = markov_log_probabilities(moves)[1:].sum()
    assert markov >= base_rate_log_probabilities(moves[1:]).sum() - 1e-9
    assert np.isfinite(markov)
