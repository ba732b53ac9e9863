"""Decision rules, tested the way the Axelrod library tests strategies.

Each rule plays against a scripted opponent through the real model, with noise 0, activity 1
and provocation 0 (so the move is the rule's intent), and its moves are compared with tables
worked out by hand from the iterated prisoner's dilemma literature (C = cooperate, D =
retaliate) and the rules' docstrings. Moves are strings of C/H/R letters; in scripts D is
accepted for R so the tables read like the literature's. The scripted opponent's weekly act
is a signal (C: a conciliatory signal, R: a hostile one, H: nothing), so its measures never
change and only its moves matter.

The default stage game is the prisoner's dilemma [[R, S], [T, P]] = [[3, 0], [5, 1]] extended
to hold by bilinear interpolation (rows own move, columns the other's, order C, H, R):

    C: 3    1.5  0
    H: 4    2.25 0.5
    R: 5    3    1

Stochastic rules get seeded tables whose every move is read off the model's generator by hand:
in a week where only the rule's side draws, the model takes one uniform u to choose the move
(C if u < P(C), H if u < P(C) + P(H), else R) and then four for the act
(`sim.core.conduct.uniforms`).
"""

import dataclasses
import itertools
import pickle
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.conduct import uniforms
from sim.core.model import EscalationModel, Forcing
from sim.core.moves import N_MOVES, Act, Move
from sim.core.params import ModelParams, PayoffParams, PerAlly, UsPolicy
from sim.core.payoffs import stage_game
from sim.core.rules import (
    ALIASES,
    RULES,
    FictitiousPlay,
    Observation,
    QLearning,
    activity_now,
    arouse,
    mix,
    rule_name,
)
from sim.core.scenario_yaml import load_scenario

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
SCENARIO = load_scenario("gsomia_2019")
PD = [[3.0, 0.0], [5.0, 1.0]]
STAGE = stage_game(PD)
LETTER = {"C": C, "H": H, "R": R, "D": R}
SIGNAL = {"C": Act.CONCILIATORY_SIGNAL, "H": Act.NOTHING, "R": Act.HOSTILE_SIGNAL}
NAME = "CHR"
OTHER = {"seoul": "tokyo", "tokyo": "seoul"}
ALL_RULES = sorted(RULES)
FAST = settings(max_examples=12, deadline=None)


def encode(script: str) -> np.ndarray:
    """Moves from letters: C, H, R (or D for the literature's defection)."""
    return np.array([LETTER[ch] for ch in script], dtype=np.int8)


def decode(moves) -> str:
    return "".join(NAME[int(m)] for m in moves)


def scripted(scripts: dict[str, str]) -> Forcing:
    """A forcing under which each named side plays its script as signals (no measure moves)."""
    acts = {
        side: np.array([SIGNAL[NAME[LETTER[ch]]] for ch in s], dtype=np.int8)
        for side, s in scripts.items()
    }
    zeros = {side: np.zeros(len(s), dtype=np.int16) for side, s in scripts.items()}
    return Forcing(acts=acts, enacted=zeros, lifted=dict(zeros))


def strategy(name: str, noise: float = 0.0, activity: float = 1.0, provocation=0.0, **params):
    """A rule with noise 0, activity 1 and provocation 0 unless told otherwise."""
    return RULES[name](noise=noise, activity=activity, provocation=provocation, **params)


def stage_only(matrix) -> ModelParams:
    """Parameters whose payoffs are the stage game alone, with no patron."""
    payoffs = PayoffParams(
        stage={"seoul": matrix, "tokyo": matrix},
        audience=PerAlly(),
        economic=PerAlly(),
        security=PerAlly(),
        pressure=PerAlly(),
        cooperation_reward=0.0,
    )
    return ModelParams(payoffs=payoffs, us=UsPolicy(policy="absent"))


def play(
    name: str,
    script: str,
    side: str = "seoul",
    replications: int = 3,
    seed: int = 1,
    base: ModelParams | None = None,
    **params,
) -> str:
    """The rule's moves (as C/H/R letters) against a scripted opponent.

    ``side`` is the capital the rule plays; the other replays ``script``. Every replication
    must agree (they all see the same script), which is checked for deterministic rules.
    """
    rule = strategy(name, **params)
    model = EscalationModel(
        SCENARIO,
        dataclasses.replace(base or ModelParams(), **{side: rule}),
        replications=replications,
        weeks=len(script),
        forcing=scripted({OTHER[side]: script}),
        rng=seed,
    )
    agent, opponent = model.capitals[side], model.capitals[OTHER[side]]
    moves = []
    for week in range(len(script)):
        model.step()
        assert opponent.move[0] == LETTER[script[week]]  # the script really was replayed
        if RULES[name].deterministic:
            assert (agent.move == agent.move[0]).all(), f"replications disagree in week {week}"
        moves.append(agent.move[0])
    return decode(moves)


def observation(
    own_last=H,
    own_recent=H,
    pending=H,
    provoked=False,
    other_last=H,
    utility=STAGE,
    arousal=0.0,
    tension=0.0,
) -> Observation:
    """One replication's observation, every field given."""
    return Observation(
        week=1,
        own_recent=np.array([own_recent], dtype=np.int8),
        pending=np.array([pending], dtype=np.int8),
        provoked=np.array([provoked]),
        own_last=np.array([own_last], dtype=np.int8),
        other_last=np.array([other_last], dtype=np.int8),
        arousal=np.array([arousal]),
        tension=np.array([tension]),
        utility=np.asarray(utility, dtype=float)[None].copy(),
        stage=STAGE,
    )


def all_observations(seed: int = 0) -> Observation:
    """Every combination of memory state as one replication each, with random utilities."""
    combos = list(itertools.product(range(N_MOVES), range(N_MOVES), (False, True), range(3)))
    own_recent, pending, provoked, own_last = (np.array(col) for col in zip(*combos, strict=True))
    rng = np.random.default_rng(seed)
    n = len(combos)
    return Observation(
        week=3,
        own_recent=own_recent.astype(np.int8),
        pending=pending.astype(np.int8),
        provoked=provoked,
        own_last=own_last.astype(np.int8),
        other_last=rng.integers(0, 3, n).astype(np.int8),
        arousal=rng.uniform(0, 3, n),
        tension=rng.uniform(0, 1, n),
        utility=rng.normal(0, 3, size=(n, N_MOVES, N_MOVES)),
        stage=STAGE,
    )


def test_play_reproduces_the_documented_tit_for_tat_example():
    assert play("tit_for_tat", "CRCRRHHC") == "CCRCRRHH"


def test_default_stage_game_is_the_bilinear_extension_of_the_prisoners_dilemma():
    expected = [[3, 1.5, 0], [4, 2.25, 0.5], [5, 3, 1]]
    np.testing.assert_allclose(STAGE, expected)


ALL_C = "CCCCCCCC"
ALL_D = "DDDDDDDD"
ALTERNATING = "CDCDCDCD"
SINGLE_D = "DCCCCCCC"
ALL_H = "HHHHHHHH"

TABLES = [
    # tit for tat: cooperate first, then copy the opponent's latest unanswered move; a hold
    # leaves nothing to answer, so it holds.
    ("tit_for_tat", ALL_C, "CCCCCCCC"),
    ("tit_for_tat", ALL_D, "CRRRRRRR"),
    ("tit_for_tat", ALTERNATING, "CCRCRCRC"),
    ("tit_for_tat", SINGLE_D, "CRCCCCCC"),
    ("tit_for_tat", ALL_H, "CHHHHHHH"),
    ("tit_for_tat", "CHDHHC", "CCHRHH"),
    ("tit_for_tat", "HDHHHH", "CHRHHH"),
    ("tit_for_tat", "HCHCHC", "CHCHCH"),
    # grim trigger: tit for tat until the first retaliation, then retaliate for ever.
    ("grim_trigger", ALL_C, "CCCCCCCC"),
    ("grim_trigger", ALL_D, "CRRRRRRR"),
    ("grim_trigger", ALTERNATING, "CCRRRRRR"),
    ("grim_trigger", SINGLE_D, "CRRRRRRR"),
    ("grim_trigger", "CCCCCD", "CCCCCC"),
    ("grim_trigger", ALL_H, "CHHHHHHH"),
    ("grim_trigger", "CHDHHC", "CCHRRR"),
    ("grim_trigger", "HCHCHC", "CHCHCH"),
    # win-stay lose-shift (Pavlov), aspiration (R + P) / 2 = 2: R = 3 and T = 5 win, S = 0 and
    # P = 1 lose. While the opponent has made no move to answer (pending hold), it holds.
    ("win_stay_lose_shift", ALL_C, "CCCCCCCC"),
    ("win_stay_lose_shift", ALL_D, "CRCRCRCR"),
    ("win_stay_lose_shift", ALTERNATING, "CCRRCCRR"),
    ("win_stay_lose_shift", "CDCDDC", "CCRRCR"),
    ("win_stay_lose_shift", SINGLE_D, "CRRRRRRR"),
    ("win_stay_lose_shift", ALL_H, "CHHHHHHH"),
    ("win_stay_lose_shift", "CHCCCC", "CCHCCC"),
    ("win_stay_lose_shift", "DHDHDH", "CRHCHR"),
    # the unconditional rules ignore the opponent, from the first week on.
    ("always_cooperate", ALL_C, "CCCCCCCC"),
    ("always_cooperate", ALL_D, "CCCCCCCC"),
    ("always_cooperate", ALTERNATING, "CCCCCCCC"),
    ("always_cooperate", SINGLE_D, "CCCCCCCC"),
    ("always_cooperate", "HDHCHD", "CCCCCC"),
    ("always_retaliate", ALL_C, "RRRRRRRR"),
    ("always_retaliate", ALL_D, "RRRRRRRR"),
    ("always_retaliate", ALTERNATING, "RRRRRRRR"),
    ("always_retaliate", SINGLE_D, "RRRRRRRR"),
    ("always_retaliate", "HDHCHD", "RRRRRR"),
]
TABLE_IDS = [f"{rule}-vs-{script}" for rule, script, _ in TABLES]


@pytest.mark.parametrize(("rule", "script", "expected"), TABLES, ids=TABLE_IDS)
def test_move_table_as_seoul(rule, script, expected):
    assert len(expected) == len(script)
    assert play(rule, script) == expected


@pytest.mark.parametrize(("rule", "script", "expected"), TABLES, ids=TABLE_IDS)
def test_move_table_as_tokyo_is_the_same(rule, script, expected):
    assert play(rule, script, side="tokyo") == expected


def test_every_deterministic_rule_has_tables():
    deterministic = {name for name, cls in RULES.items() if cls.deterministic}
    assert {rule for rule, _, _ in TABLES} == deterministic
    assert deterministic == {
        "tit_for_tat",
        "grim_trigger",
        "win_stay_lose_shift",
        "always_cooperate",
        "always_retaliate",
    }


@pytest.mark.parametrize(
    ("memory", "expected"),
    [(1, "CHHHHH"), (2, "CHHHHH"), (3, "CHHRHH"), (4, "CHHRHH")],
    ids=["memory-1", "memory-2", "memory-3", "memory-4"],
)
def test_tit_for_tat_forgets_an_unanswered_move_after_memory_weeks(memory, expected):
    # Tokyo retaliates in week 0 while Seoul opens with C; Seoul is made to hold in weeks 1
    # and 2 (so the retaliation stays unanswered), then chooses freely from week 3. The
    # retaliation is 1 week old after week 1 and 2 after week 2; it is forgotten once its age
    # reaches the memory, so memory 1 and 2 have nothing to answer in week 3 (hold), 3 and 4
    # still answer it (R).
    rule = strategy("tit_for_tat", memory=memory)
    forcing = scripted({"tokyo": "RHHHHH", "seoul": "CHH"})
    model = EscalationModel(
        SCENARIO, ModelParams(seoul=rule), weeks=6, forcing=forcing, replications=2, rng=0
    )
    moves = []
    for _ in range(6):
        model.step()
        moves.append(model.capitals["seoul"].move[0])
    assert decode(moves) == expected


@pytest.mark.parametrize(
    ("aspiration", "script", "expected"),
    [
        (0.0, ALL_D, "CCCCCCCC"),  # every payoff is a win: stay with the first move
        (10.0, ALL_C, "CRCRCRCR"),  # every payoff is a loss: shift every week
        (3.5, "CCCC", "CRRR"),  # C (3) against C loses, R (5) against C wins
        (3.0, "CCHHCC", "CCCHHC"),  # C against C wins; no move to answer: hold
    ],
    ids=["never-lose", "never-win", "aspiration-3.5", "aspiration-3"],
)
def test_win_stay_lose_shift_aspiration(aspiration, script, expected):
    assert play("win_stay_lose_shift", script, aspiration=aspiration) == expected


def test_win_stay_lose_shift_default_aspiration_is_midway_between_r_and_p():
    # a stage game where C against R pays 2.1 or 1.9, just either side of (3 + 1) / 2 = 2
    stage = np.array([[3.0, 1.5, 2.1], [4.0, 2.25, 0.5], [5.0, 3.0, 1.0]])
    rule = RULES["win_stay_lose_shift"]()
    obs = observation(own_recent=C, pending=R)
    obs.stage = stage
    np.testing.assert_array_equal(rule.intent(obs), [[1, 0, 0]])  # 2.1 >= 2: win, stay C
    obs.stage = stage - np.array([[0, 0, 0.2], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(rule.intent(obs), [[0, 0, 1]])  # 1.9 < 2: lose, shift to R


@pytest.mark.parametrize(
    ("pending", "expected"), [(C, H), (R, R)], ids=["hold-vs-C-wins", "hold-hit-shifts-to-R"]
)
def test_win_stay_lose_shift_from_a_hold(pending, expected):
    # H against C pays 4 (win), H against R pays 0.5 (loss); SHIFT = [R, R, C]
    rule = RULES["win_stay_lose_shift"]()
    intent = rule.intent(observation(own_recent=H, pending=pending))
    np.testing.assert_array_equal(intent, [np.eye(N_MOVES)[expected]])


SCRIPTS = st.text(alphabet="CHR", min_size=1, max_size=12)


@FAST
@given(script=SCRIPTS)
def test_generous_tit_for_tat_without_generosity_is_tit_for_tat(script):
    assert play("generous_tit_for_tat", script, generosity=0.0) == play("tit_for_tat", script)


@FAST
@given(script=SCRIPTS)
def test_fully_generous_tit_for_tat_answers_retaliation_with_cooperation(script):
    moves = play("generous_tit_for_tat", script, generosity=1.0)
    assert moves == play("tit_for_tat", script).replace("R", "C")


def test_generous_tit_for_tat_default_generosity_is_nowak_sigmunds():
    # g = min(1 - (T - R) / (R - S), (R - P) / (T - P)) for [[R, S], [T, P]] = [[3, 0], [5, 1]]
    (r, s), (t, p) = PD
    assert RULES["generous_tit_for_tat"]().generosity == pytest.approx(
        min(1 - (t - r) / (r - s), (r - p) / (t - p))
    )
    obs = all_observations()
    rule = RULES["generous_tit_for_tat"](generosity=0.25)
    intent = rule.intent(obs)
    answering = (obs.pending == R) & ~obs.opening
    np.testing.assert_allclose(intent[answering], [[0.25, 0.0, 0.75]] * answering.sum())
    np.testing.assert_allclose(intent[~answering].max(axis=1), 1.0)


def rule_uniforms(seed: int, weeks: int) -> np.ndarray:
    """The uniform that chooses the free side's move in each week of a one-replication run."""
    rng = np.random.default_rng(seed)
    chosen = []
    for _ in range(weeks):
        chosen.append(rng.random(1)[0])
        rng.random((uniforms(SCENARIO.measures["seoul"]), 1))  # the act's uniforms
    return np.array(chosen)


# Seeded tables (seed, table) against an opponent that always retaliates, generosity 1/2.
# Week 0 is the opening (C whatever the draw); from week 1 the retaliation is answered with C
# when the week's uniform is below 1/2, with R otherwise.
GENEROUS_TABLES = [(3, "CCRRRCRCCRCC"), (4, "CRRRCCRRCRRC")]


@pytest.mark.parametrize(("seed", "table"), GENEROUS_TABLES, ids=["seed-3", "seed-4"])
def test_generous_tit_for_tat_seeded_table(seed, table):
    u = rule_uniforms(seed, len(table))
    by_hand = "C" + "".join("C" if x < 0.5 else "R" for x in u[1:])
    assert by_hand == table
    moves = play(
        "generous_tit_for_tat", "R" * len(table), replications=1, seed=seed, generosity=0.5
    )
    assert moves == table


# Seeded tables of `random` against any script: C below 1/3, H below 2/3, R above.
RANDOM_TABLES = [(5, "RHHCCRRCRHCC"), (6, "HCHRHRCCCHHR")]


@pytest.mark.parametrize(("seed", "table"), RANDOM_TABLES, ids=["seed-5", "seed-6"])
def test_random_seeded_table(seed, table):
    u = rule_uniforms(seed, len(table))
    assert "".join(NAME[int(x >= 1 / 3) + int(x >= 2 / 3)] for x in u) == table
    assert play("random", "CRHCRHCRHCRH", replications=1, seed=seed) == table


def test_random_plays_each_move_a_third_of_the_time():
    """6,000 draws: each share has standard error 0.0061; the tolerance 0.03 is 5 of them."""
    rule = strategy("random")
    model = EscalationModel(SCENARIO, ModelParams(seoul=rule), replications=200, weeks=30, rng=3)
    moves = []
    for _ in range(30):
        model.step()
        np.testing.assert_allclose(model.capitals["seoul"].probabilities, 1 / 3, atol=1e-12)
        moves.append(model.capitals["seoul"].move.copy())
    shares = np.bincount(np.concatenate(moves), minlength=N_MOVES) / 6000
    np.testing.assert_allclose(shares, 1 / 3, atol=0.03)


# Seeded tables of the learning rules at their default parameters, on the prisoner's dilemma
# alone, against one script (a regression pin: the probabilities are the rules' own, but each
# move must be the one the week's uniform picks from them, which the test checks week by week).
LEARNING_SCRIPT = "CRRHCRCCRHRR"
LEARNING_TABLES = [
    ("fictitious_play", 1, "RHRHRRCHHRHC"),
    ("fictitious_play", 2, "HRRCCCRRRHRR"),
    ("q_learning", 1, "HCHCRRCCHHHC"),
    ("q_learning", 2, "CRRCCCHHRCRR"),
]


@pytest.mark.parametrize(("name", "seed", "table"), LEARNING_TABLES)
def test_learning_rule_seeded_table(name, seed, table):
    model = EscalationModel(
        SCENARIO,
        dataclasses.replace(stage_only(PD), seoul=strategy(name)),
        replications=1,
        weeks=len(table),
        forcing=scripted({"tokyo": LEARNING_SCRIPT}),
        rng=seed,
    )
    u = rule_uniforms(seed, len(table))
    moves = []
    for week in range(len(table)):
        model.step()
        p = model.capitals["seoul"].probabilities[0]
        picked = int(u[week] >= p[0]) + int(u[week] >= p[0] + p[1])
        assert model.capitals["seoul"].move[0] == picked
        moves.append(picked)
    assert decode(moves) == table


def taught_fictitious_play(rationality: float) -> FictitiousPlay:
    """One replication, prior 1, that has seen its C answered with C, H with H, R with R."""
    rule = FictitiousPlay(rationality=rationality, prior=1.0)
    rule.start(1)
    for move in (C, H, R):
        for _ in range(6):
            obs = observation(own_last=move)
            # ``own`` (this week's move) must not matter: beliefs condition on last week's
            rule.learn(obs, np.array([(move + 1) % 3]), np.array([move]), np.zeros(1))
    return rule


def test_fictitious_play_counts_the_answer_to_the_actors_last_move():
    rule = taught_fictitious_play(1.0)
    np.testing.assert_array_equal(rule.counts[0], [[7, 1, 1], [1, 7, 1], [1, 1, 7]])
    # the belief this week is the row of the actor's own move last week
    for move in (C, H, R):
        expected = np.ones(3)
        expected[move] = 7
        np.testing.assert_allclose(rule.beliefs(np.array([move]))[0], expected / 9)


def test_fictitious_play_logit_of_expected_payoffs_under_the_belief_row():
    # After its own C last week the actor expects C with 7/9, H and R with 1/9 each:
    # C: (7*3 + 1.5 + 0) / 9 = 2.5, H: (7*4 + 2.25 + 0.5) / 9 = 30.75/9, R: (7*5 + 3 + 1) / 9
    # = 39/9. After its own R it expects R with 7/9: C: (3 + 1.5) / 9 = 0.5,
    # H: (4 + 2.25 + 7*0.5) / 9 = 9.75/9, R: (5 + 3 + 7) / 9 = 15/9.
    rule = taught_fictitious_play(2.0)
    for last, expected in ((C, [2.5, 30.75 / 9, 39 / 9]), (R, [0.5, 9.75 / 9, 15 / 9])):
        weights = np.exp(2.0 * np.array(expected))
        intent = rule.intent(observation(own_last=last))[0]
        np.testing.assert_allclose(intent, weights / weights.sum())


def test_fictitious_play_with_zero_rationality_is_uniform():
    rule = taught_fictitious_play(0.0)
    np.testing.assert_allclose(rule.intent(observation()), [[1 / 3] * 3], atol=1e-15)


# Stag hunt [[R, S], [T, P]] = [[4, 0], [3, 2]], extended to hold (rows own C, H, R):
#     C: 4    2    0
#     H: 3.5  2.25 1
#     R: 3    2.5  2
STAG_HUNT = [[4.0, 0.0], [3.0, 2.0]]
BEST_RESPONSE = 100.0  # the top of rationality's range


def test_fictitious_play_table_conditions_beliefs_on_its_own_last_move():
    """Best response in a stag hunt against an opponent who always cooperates.

    The game is scaled by 10 so that rationality 100 (its upper bound) is a best response:
    the smallest gap below, 0.05, becomes 0.5, and the runner-up is weighted e^-50.

    Beliefs start from one pseudo-count per cell; each week the opponent's C is counted in the
    row of the actor's own move of the week before (H before week 0):
    week 0: row H [1,1,1]: C 2, H 2.25, R 2.5 -> R    (count row H: [2,1,1])
    week 1: row R [1,1,1] -> R                         (row R: [2,1,1])
    week 2: row R [2,1,1]: C 10/4, H 10.25/4, R 10.5/4 -> R   (row R: [3,1,1])
    week 3: row R [3,1,1]: C 14/5, H 13.75/5, R 13.5/5 -> C   (row R: [4,1,1])
    week 4: row C [1,1,1] -> R                         (row C: [2,1,1])
    week 5: row R [4,1,1]: C 18/6, H 17.25/6, R 16.5/6 -> C   (row R: [5,1,1])
    week 6: row C [2,1,1] -> R                         (row C: [3,1,1])
    week 7: row R [5,1,1] -> C
    Beliefs pooled over the actor's own moves (marginal counts) would give RRCCCCCC instead.
    """
    base = stage_only((10 * np.array(STAG_HUNT)).tolist())
    moves = play("fictitious_play", ALL_C, base=base, rationality=BEST_RESPONSE, prior=1.0)
    assert moves == "RRRCRCRC"


def test_fictitious_play_defects_in_the_prisoners_dilemma():
    # R strictly dominates whatever the beliefs (by 0.5 at least): the best response is R.
    base = stage_only(PD)
    for script in (ALL_C, ALL_D, ALTERNATING):
        assert play("fictitious_play", script, base=base, rationality=BEST_RESPONSE) == "R" * 8


def test_q_learning_values_by_hand():
    """State: the opponent's last move; every value of the state moves toward its payoff.

    Learning rate 0.5, values from 0, the stage game of the docstring above.
    week 0, state H, the other plays C: values[H] = 0.5 * (3, 4, 5) = (1.5, 2, 2.5)
    week 1, state C, the other plays C: values[C] = (1.5, 2, 2.5)
    week 2, state C, the other plays R: values[C] += 0.5 * ((0, 0.5, 1) - (1.5, 2, 2.5))
                                        = (0.75, 1.25, 1.75)
    The own move played never matters: foregone payoffs count fully.
    """
    rule = QLearning(rationality=2.0, learning_rate=0.5, initial=0.0)
    rule.start(1)
    for other_last, own, other in ((H, R, C), (C, C, C), (C, H, R)):
        obs = observation(other_last=other_last)
        rule.learn(obs, np.array([own]), np.array([other]), np.zeros(1))
    np.testing.assert_allclose(rule.values[0, H], [1.5, 2, 2.5])
    np.testing.assert_allclose(rule.values[0, C], [0.75, 1.25, 1.75])
    np.testing.assert_array_equal(rule.values[0, R], [0, 0, 0])
    # the intent is the logit of the values of the state the actor is in
    for state in (C, H, R):
        weights = np.exp(2.0 * rule.values[0, state])
        intent = rule.intent(observation(other_last=state))[0]
        np.testing.assert_allclose(intent, weights / weights.sum())


def test_q_learning_starts_from_initial_in_every_state():
    rule = QLearning(initial=1.5)
    rule.start(3)
    np.testing.assert_array_equal(rule.values, np.full((3, 3, 3), 1.5))
    per_replication = QLearning(initial=np.array([0.0, 1.0]))
    per_replication.start(2)
    np.testing.assert_array_equal(per_replication.values[1], np.ones((3, 3)))
    np.testing.assert_array_equal(per_replication.values[0], np.zeros((3, 3)))


def test_q_learning_learns_this_weeks_utility_in_the_model():
    """In the model the update uses the week's utility row against the other's real move."""
    rule = strategy("q_learning", learning_rate=0.5)
    forcing = scripted({"seoul": "RC", "tokyo": "CR"})
    model = EscalationModel(
        SCENARIO, ModelParams(seoul=rule), weeks=2, replications=4, forcing=forcing, rng=0
    )
    seoul = model.capitals["seoul"]
    model.step()
    first = seoul.utility[:, :, C].copy()  # week 0: state H, Tokyo plays C
    np.testing.assert_allclose(seoul.rule.values[:, H], 0.5 * first)
    model.step()
    second = seoul.utility[:, :, R].copy()  # week 1: state C (Tokyo's week-0 move), Tokyo R
    np.testing.assert_allclose(seoul.rule.values[:, C], 0.5 * second)
    np.testing.assert_array_equal(seoul.rule.values[:, R], 0.0)
    np.testing.assert_allclose(seoul.payoff, second[:, C])  # Seoul played C in week 1


@pytest.mark.parametrize("name", ALL_RULES)
@FAST
@given(
    data=st.data(),
    noise=st.floats(0.0, 1.0),
    activity=st.floats(0.0, 1.0),
    provocation=st.floats(0.0, 5.0),
    decay=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_probabilities_are_distributions(name, data, noise, activity, provocation, decay, seed):
    weeks = data.draw(st.integers(1, 10), label="weeks")
    script = data.draw(st.text(alphabet="CHR", min_size=weeks, max_size=weeks), label="tokyo")
    rule = RULES[name](noise=noise, activity=activity, provocation=provocation, decay=decay)
    model = EscalationModel(
        SCENARIO,
        ModelParams(seoul=rule),
        weeks=weeks,
        replications=3,
        forcing=scripted({"tokyo": script}),
        rng=seed,
    )
    for _ in range(weeks):
        model.step()
        probs = model.capitals["seoul"].probabilities
        assert probs.shape == (3, N_MOVES)
        assert (probs >= 0).all()
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=0, atol=1e-9)


def free_moves(rule, seed: int, weeks: int = 12, replications: int = 8) -> np.ndarray:
    """Both sides' moves, shape (weeks, 2, R), with Seoul on ``rule`` and Tokyo on random."""
    other = strategy("random", activity=0.8)
    model = EscalationModel(
        SCENARIO,
        ModelParams(seoul=rule, tokyo=other),
        weeks=weeks,
        replications=replications,
        rng=seed,
    )
    moves = []
    for _ in range(weeks):
        model.step()
        moves.append(np.stack([c.move for c in model.capitals.values()]))
    return np.array(moves)


@pytest.mark.parametrize("name", ALL_RULES)
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), noise=st.floats(0.05, 1.0))
def test_same_seed_gives_the_same_moves(name, seed, noise):
    rule = strategy(name, noise=noise, activity=0.6)
    np.testing.assert_array_equal(free_moves(rule, seed), free_moves(rule, seed))


@pytest.mark.parametrize("name", ALL_RULES)
def test_another_seed_gives_other_moves(name):
    rule = strategy(name, noise=0.3, activity=0.6)
    first = free_moves(rule, 11)
    assert (first[:, 0] != first[:, 0, :1]).any()  # replications differ within a run
    assert (first != free_moves(rule, 12)).any()


@pytest.mark.parametrize("name", ALL_RULES)
def test_no_activity_means_every_move_is_hold(name):
    rule = strategy(name, noise=0.5, activity=0.0)
    model = EscalationModel(
        SCENARIO,
        ModelParams(seoul=rule),
        weeks=12,
        replications=4,
        forcing=scripted({"tokyo": "RCRRHCRCRRCR"}),
        rng=5,
    )
    for _ in range(12):
        model.step()
        seoul = model.capitals["seoul"]
        assert (seoul.move == H).all()
        np.testing.assert_array_equal(seoul.probabilities, [[0, 1, 0]] * 4)


@pytest.mark.parametrize("name", ALL_RULES)
def test_rule_is_registered_documented_and_classified(name):
    cls = RULES[name]
    assert rule_name(cls) == name and cls().rule == name
    doc = cls.__doc__ or ""
    # Every rule but the unconditional baselines names its source (an author and a year).
    if name not in ("always_cooperate", "always_retaliate"):
        cited = re.search(r"\b[A-Z][a-z]+\b[^.]{0,40}?\b(19|20)\d\d\b", doc)
        assert cited, f"{name}: its docstring names no author and year"
    assert cls.depth in (0, 1, float("inf"))


def test_the_former_name_of_fictitious_play_is_an_alias():
    assert ALIASES == {"quantal_response": "fictitious_play"}
    assert RULES["fictitious_play"] is FictitiousPlay


@pytest.mark.parametrize("name", ALL_RULES)
def test_deterministic_flag_matches_intents(name):
    obs = all_observations()
    rule = RULES[name]()
    rule.start(obs.replications)
    intent = np.asarray(rule.intent(obs))
    assert intent.shape == (obs.replications, N_MOVES)
    assert (intent >= 0).all()
    np.testing.assert_allclose(intent.sum(axis=1), 1.0, atol=1e-12)
    one_hot = np.isclose(intent.max(axis=1), 1.0)
    assert one_hot.all() == RULES[name].deterministic


@pytest.mark.parametrize("name", ALL_RULES)
def test_memory_depth_is_respected(name):
    """Depth 0 ignores everything; depth 1 reads only its memory of the last exchange."""
    cls = RULES[name]
    obs = all_observations(seed=1)
    rule = cls()
    rule.start(obs.replications)
    intent = rule.intent(obs)
    if cls.depth == 0:
        np.testing.assert_array_equal(intent, np.broadcast_to(intent[0], intent.shape))
    elif cls.depth == 1:
        shuffled = all_observations(seed=2)  # other_last, arousal, tension, utility differ
        shuffled.provoked = ~obs.provoked
        shuffled.own_last = (obs.own_last + 1) % 3
        np.testing.assert_array_equal(rule.intent(shuffled), intent)


@pytest.mark.parametrize("name", ["fictitious_play", "q_learning"])
def test_learning_rules_clone_pickle_and_reset(name):
    rule = strategy(name, rationality=3.0)
    rule.start(2)
    obs = observation()
    obs = dataclasses.replace(obs, **{f: np.repeat(getattr(obs, f), 2, axis=0) for f in OBS_ARRAYS})
    rule.learn(obs, np.array([C, R]), np.array([R, C]), np.zeros(2))
    taught = rule.intent(obs)
    restored = pickle.loads(pickle.dumps(rule))
    assert restored == rule  # the parameters
    np.testing.assert_array_equal(restored.intent(obs), taught)  # and the learned state
    clone = dataclasses.replace(rule)
    clone.start(2)
    rule.start(2)
    np.testing.assert_array_equal(rule.intent(obs), clone.intent(obs))  # start resets
    assert not np.allclose(rule.intent(obs), taught)


OBS_ARRAYS = ("own_recent", "pending", "provoked", "own_last", "other_last", "arousal")
OBS_ARRAYS += ("tension", "utility")


def test_mix_by_hand():
    # activity x ((1 - noise) x intent + noise / 3) + (1 - activity) on hold
    intent = np.array([[1.0, 0, 0], [0, 0, 1.0], [0.2, 0.3, 0.5]])
    probs = mix(intent, noise=0.3, activity=np.array([0.5, 0.5, 1.0]))
    np.testing.assert_allclose(probs[0], [0.5 * 0.8, 0.5 * 0.1 + 0.5, 0.5 * 0.1])
    np.testing.assert_allclose(probs[1], [0.05, 0.55, 0.4])
    np.testing.assert_allclose(probs[2], 0.7 * intent[2] + 0.1)
    per_replication = mix(intent, noise=np.array([0.0, 1.0, 0.3]), activity=1.0)
    np.testing.assert_allclose(per_replication[:2], [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])


def test_activity_hazard_by_hand():
    # base + (1 - base)(1 - exp(-provocation x arousal - stakes x tension))
    arousal = np.array([0.0, 1.0, 2.0, 0.0])
    tension = np.array([0.0, 0.0, 0.5, 0.5])
    got = activity_now(0.2, 0.5, arousal, stakes=2.0, tension=tension)
    pull = np.array([0.0, 0.5, 2.0, 1.0])
    np.testing.assert_allclose(got, 0.2 + 0.8 * (1 - np.exp(-pull)))
    assert got[0] == 0.2  # at rest: the base rate
    np.testing.assert_allclose(activity_now(0.2, 0.0, arousal), 0.2)  # no provocation: constant
    np.testing.assert_allclose(activity_now(1.0, 3.0, arousal), 1.0)  # always active
    # per-replication parameters
    per = activity_now(np.array([0.1, 0.5]), np.array([1.0, 0.0]), np.array([1.0, 1.0]))
    np.testing.assert_allclose(per, [0.1 + 0.9 * (1 - np.exp(-1.0)), 0.5])


@FAST
@given(
    base=st.floats(0, 1),
    provocation=st.floats(0, 50),
    stakes=st.floats(0, 50),
    arousal=st.lists(st.floats(0, 20), min_size=2, max_size=2),
    tension=st.floats(0, 1),
)
def test_activity_is_a_probability_rising_with_arousal(base, provocation, stakes, arousal, tension):
    low, high = sorted(arousal)
    chances = activity_now(base, provocation, np.array([low, high]), stakes, tension)
    assert ((chances >= base - 1e-12) & (chances <= 1 + 1e-12)).all()
    assert chances[0] <= chances[1] + 1e-12


def test_arousal_by_hand():
    # decay 0.5: the stock halves each week, is spent when the actor acts, and grows by one
    # for each move of the other
    stock = np.zeros(2)
    steps = [  # (acted, other moved) for two replications
        ([False, False], [True, True]),  # 0 -> 1, 1
        ([False, True], [True, False]),  # 0.5 + 1 = 1.5 ; spent -> 0
        ([False, False], [False, True]),  # 0.75 ; 0 + 1 = 1
        ([True, False], [False, False]),  # spent -> 0 ; 0.5
    ]
    expected = [[1, 1], [1.5, 0], [0.75, 1], [0, 0.5]]
    for (acted, moved), want in zip(steps, expected, strict=True):
        stock = arouse(stock, 0.5, np.array(acted), np.array(moved))
        np.testing.assert_allclose(stock, want)


def test_provocation_raises_the_chance_to_act_in_the_model_by_hand():
    """Tokyo signals hostility every week and Seoul is made to do nothing: its arousal is
    1, 1.5, 1.75, ... (decay 0.5), and its chance to hold is 1 - activity_now of it."""
    weeks, base, provocation = 5, 0.1, 0.8
    rule = strategy("tit_for_tat", noise=0.2, activity=base, provocation=provocation)
    forcing = scripted({"tokyo": "R" * weeks, "seoul": "H" * weeks})
    model = EscalationModel(
        SCENARIO, ModelParams(seoul=rule), weeks=weeks, replications=2, forcing=forcing, rng=0
    )
    arousal = 0.0
    for week in range(weeks):
        model.step()
        active = base + (1 - base) * (1 - np.exp(-provocation * arousal))
        intended = C if week == 0 else R  # the opening, then the pending retaliation
        expected = active * (0.8 * np.eye(3)[intended] + 0.2 / 3)
        expected[H] += 1 - active
        np.testing.assert_allclose(model.capitals["seoul"].probabilities[0], expected)
        arousal = 0.5 * arousal + 1


def test_provocation_makes_acting_more_likely_in_free_runs():
    """Share of weeks Seoul acts (any move but hold) over weeks 1-11 of 400 replications.

    Tokyo retaliates every week by signal; Seoul plays tit-for-tat at base activity 0.1. With
    provocation 0 the share is 0.1; with provocation 1 an unanswered retaliation lifts it
    to at least 0.1 + 0.9 (1 - e^-1) = 0.67 in the week after. Each share rests on 4,400
    draws (standard error <= 0.008); the gap asked for, 0.3, is over 25 of them.
    """
    shares = []
    for provocation in (0.0, 1.0):
        rule = strategy("tit_for_tat", activity=0.1, provocation=provocation)
        model = EscalationModel(
            SCENARIO,
            ModelParams(seoul=rule),
            weeks=12,
            replications=400,
            forcing=scripted({"tokyo": "R" * 12}),
            rng=8,
        )
        acted = []
        for _ in range(12):
            model.step()
            acted.append(model.capitals["seoul"].move != H)
        shares.append(np.mean(acted[1:]))
    assert shares[0] == pytest.approx(0.1, abs=0.03)
    assert shares[1] - shares[0] > 0.3


def test_expected_payoff_is_the_belief_average_whatever_the_layout():
    from sim.core.rules.learning import expected_payoff

    rng = np.random.default_rng(11)
    utility = rng.normal(0, 10, (500, 3, 3))
    beliefs = rng.dirichlet(np.ones(3), 500)
    expected = expected_payoff(utility, beliefs)
    np.testing.assert_allclose(expected, np.einsum("rmb,rb->rm", utility, beliefs), rtol=1e-12)
    # the payoffs come laid out (move, move, replication); the sum must not depend on that
    moved = np.ascontiguousarray(utility.transpose(1, 2, 0)).transpose(2, 0, 1)
    np.testing.assert_array_equal(expected_payoff(moved, beliefs), expected)
