"""The key selection's steps and search (sim.analysis.selection), on criteria with known optima."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.selection import Scored, backward_select, key_name, steps, tie, twin
from sim.analysis.space import Space
from sim.experiment.config import default_config

KEYS = (
    "seoul.activity",
    "tokyo.activity",
    "seoul.provocation:0.001:10:log",
    "tokyo.provocation:0.001:10:log",
    "payoffs.audience.seoul:0.01:100:log",
    "payoffs.audience.tokyo:0.01:100:log",
    "payoffs.deadline:0.01:1000:log",
)


def test_twins_swap_the_side_and_only_one_side_keys_have_one():
    assert twin("seoul.activity") == "tokyo.activity"
    assert twin("tokyo.provocation:0.001:10:log") == "seoul.provocation"
    assert twin("payoffs.audience.seoul:0.01:100:log") == "payoffs.audience.tokyo"
    assert twin("payoffs.deadline:0.01:1000:log") is None
    assert twin("seoul.provocation+tokyo.provocation:0.001:10:log") is None


def test_a_tie_keeps_the_first_keys_range_and_is_one_parameter_of_the_space():
    tied = tie("seoul.provocation:0.001:10:log", "tokyo.provocation:0.5:2")
    assert tied == "seoul.provocation+tokyo.provocation:0.001:10:log"
    assert tie("seoul.activity", "tokyo.activity") == "seoul.activity+tokyo.activity"
    config = default_config(["run.progress=false"], "calibrate")
    assert len(Space.of(config.model_params, [tied, "payoffs.deadline"])) == 2


def test_steps_are_every_drop_then_every_tie_of_a_pair_still_apart():
    labels = [label for label, _ in steps(KEYS, ties=False)]
    assert labels == [f"drop {key_name(k)}" for k in KEYS]
    with_ties = dict(steps(KEYS, ties=True))
    assert len(with_ties) == len(KEYS) + 3  # activity, provocation and audience pairs
    after = with_ties["tie seoul.provocation+tokyo.provocation"]
    assert "seoul.provocation+tokyo.provocation:0.001:10:log" in after
    assert not any(k.startswith(("seoul.provocation:", "tokyo.provocation:")) for k in after)
    assert len(after) == len(KEYS) - 1
    # a pair already tied, or a key whose twin was dropped, offers no tie
    lone = ("seoul.activity+tokyo.activity", "seoul.provocation", "payoffs.deadline")
    assert [label for label, _ in steps(lone, ties=True)] == [f"drop {key_name(k)}" for k in lone]


def additive(weights: dict[str, float], tied: dict[str, float] | None = None):
    """A criterion that is the sum of the kept keys' weights; a tie weighs ``tied[name]``, or
    else the least of its pair's weights."""
    tied = tied or {}

    def score(keys: tuple[str, ...]) -> Scored:
        total = 0.0
        for key in keys:
            name = key_name(key)
            pair = name.split("+")
            total += tied.get(name, min(weights[n] for n in pair))
        return Scored(total, -total, len(keys))

    return score


weights_strategy = st.lists(
    st.floats(-5, 5, allow_nan=False).map(lambda w: round(w, 3)),
    min_size=len(KEYS),
    max_size=len(KEYS),
)


@settings(max_examples=200, deadline=None)
@given(weights_strategy)
def test_drops_only_keep_exactly_the_keys_that_lower_an_additive_criterion(values):
    weights = {key_name(k): w for k, w in zip(KEYS, values, strict=True)}
    selection = backward_select(KEYS, additive(weights))
    expected = tuple(k for k in KEYS if weights[key_name(k)] <= 0)
    if not expected:  # the search stops at one key: the lightest; of equals, the first
        # listed is dropped first, so the last listed stays
        expected = (min(reversed(KEYS), key=lambda k: weights[key_name(k)]),)
    assert selection.keys == expected
    assert selection.scored.criterion == additive(weights)(expected).criterion


@settings(max_examples=200, deadline=None)
@given(weights_strategy, st.booleans())
def test_the_search_only_goes_down_and_stops_where_no_step_lowers_the_criterion(values, ties):
    weights = {key_name(k): w for k, w in zip(KEYS, values, strict=True)}
    score = additive(weights)
    selection = backward_select(KEYS, score, ties)
    assert selection.scored.criterion <= selection.start.criterion
    taken = [r for r in selection.rounds if r.taken]
    previous = selection.start.criterion
    for round_ in taken:
        criteria = [s.criterion for _, _, s in round_.trials]
        assert criteria == sorted(criteria)
        assert criteria[0] < previous
        previous = criteria[0]
    assert previous == selection.scored.criterion
    if len(selection.keys) > 1:  # stopped because no step helps
        assert not selection.rounds[-1].taken
        for _, after in steps(selection.keys, ties):
            assert score(after).criterion >= selection.scored.criterion
    assert backward_select(KEYS, score, ties) == selection  # deterministic


def test_a_tie_is_taken_when_it_lowers_the_criterion_more_than_any_drop():
    weights = {key_name(k): 1.0 for k in KEYS}
    weights |= {"seoul.provocation": -1.0, "tokyo.provocation": -1.0, "payoffs.deadline": -2.0}
    tied = {"seoul.provocation+tokyo.provocation": -5.0}
    selection = backward_select(KEYS, additive(weights, tied), ties=True)
    # round 1: the tie (-2 -> -5) beats every drop of a key weighing 1; then those go one by one
    assert selection.rounds[0].trials[0][0] == "tie seoul.provocation+tokyo.provocation"
    assert selection.keys == (
        "seoul.provocation+tokyo.provocation:0.001:10:log",
        "payoffs.deadline:0.01:1000:log",
    )
    assert selection.scored.criterion == -7.0
    assert backward_select(KEYS, additive(weights, tied), ties=False).keys == (
        "seoul.provocation:0.001:10:log",
        "tokyo.provocation:0.001:10:log",
        "payoffs.deadline:0.01:1000:log",
    )
