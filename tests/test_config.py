import dataclasses
import re

import pytest
from hydra.errors import ConfigCompositionException, MissingConfigException

from sim.core.errors import ConfigError, EscalationError, ScenarioError
from sim.core.fitted import fit_values
from sim.core.params import lookup
from sim.core.rules import RULES
from sim.experiment.config import (
    check_seed,
    compose_config,
    config_from_dict,
    default_config,
    to_config,
)
from sim.experiment.factory import build_scenario


def test_default_config_composes_to_the_documented_defaults():
    config = default_config()
    assert config.scenario.name == "gsomia_2019"
    assert config.payoffs.name == "gsomia_2019"
    assert config.seoul.rule == config.tokyo.rule == "fictitious_play"
    assert config.us.policy == "reactive"
    assert config.run.seed == 2019
    assert config.payoffs.stage["seoul"] == [[3, 0], [5, 1]]
    assert config.fit == "gsomia_2019"


def test_the_default_run_carries_the_fit_and_fit_none_the_hand_set_values():
    fitted, hand_set = default_config(), default_config(["fit=none"])
    values = fit_values("gsomia_2019")
    assert values, "the shipped fit sets values"
    for key, value in values.items():
        assert float(lookup(fitted, key)[1]) == pytest.approx(value)
    differs = [k for k, v in values.items() if float(lookup(hand_set, k)[1]) != pytest.approx(v)]
    assert differs, "fit=none must not carry the fit"
    assert hand_set.fit == "none"


def test_the_former_rule_name_still_selects_fictitious_play():
    assert default_config(["strategy@seoul=quantal_response"]).seoul.rule == "fictitious_play"


@pytest.mark.parametrize(
    ("override", "path", "expected"),
    [
        ("us.pressure=0.8", ("us", "pressure"), 0.8),
        ("run.replications=5000", ("run", "replications"), 5000),
        ("run.seed=7", ("run", "seed"), 7),
        ("strategy@seoul=tit_for_tat", ("seoul", "rule"), "tit_for_tat"),
        ("strategy@tokyo=grim_trigger", ("tokyo", "rule"), "grim_trigger"),
        ("us=absent", ("us", "policy"), "absent"),
        ("payoffs=chicken", ("payoffs", "name"), "chicken"),
        ("payoffs.audience.seoul=2.5", ("payoffs", "audience", "seoul"), 2.5),
        ("seoul.rationality=3", ("seoul", "rationality"), 3.0),
        ("scenario.start=2019-06-01", ("scenario", "start"), "2019-06-01"),
    ],
)
def test_override_reaches_its_key(override, path, expected):
    value = default_config([override])
    for key in path:
        value = getattr(value, key)
    assert value == expected


def test_payoff_presets_hold_their_orderings():
    orderings = {
        # [[R, S], [T, P]] -> the ordering each game is named for
        "prisoners_dilemma": lambda R, S, T, P: T > R > P > S,
        "chicken": lambda R, S, T, P: T > R > S > P,
        "stag_hunt": lambda R, S, T, P: R > T > P > S,
        "deadlock": lambda R, S, T, P: T > P > R > S,
    }
    for name, holds in orderings.items():
        stage = default_config([f"payoffs={name}"]).payoffs.stage
        for actor in ("seoul", "tokyo"):
            (r, s), (t, p) = stage[actor]
            assert holds(r, s, t, p), (name, actor)


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_has_a_strategy_option_with_its_parameters(name):
    """Each rule's option gives its class, and each of its own parameters can be set."""
    common = {f.name for f in dataclasses.fields(RULES["tit_for_tat"])}
    own = [f.name for f in dataclasses.fields(RULES[name]) if f.name not in common]
    for side in ("seoul", "tokyo"):
        config = default_config([f"strategy@{side}={name}", *(f"{side}.{k}=0.25" for k in own)])
        rule = getattr(config, side)
        assert type(rule) is RULES[name] and rule.rule == name
        assert {k: getattr(rule, k) for k in own} == dict.fromkeys(own, 0.25)
    if name in ("generous_tit_for_tat", "win_stay_lose_shift", "fictitious_play", "q_learning"):
        assert own, f"{name}'s own parameters were not found"  # the loop above checked them


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("seoul.noise=1.5", r"seoul\.noise=1\.5 is outside the allowed range \[0\.0, 1\.0\]"),
        ("tokyo.activity=-0.1", r"tokyo\.activity=-0\.1 is outside"),
        ("us.pressure=2", r"us\.pressure=2\.0 is outside"),
        ("run.replications=0", r"run\.replications=0 is outside"),
        ("payoffs.audience.seoul=-1", r"payoffs\.audience\.seoul=-1\.0 is outside"),
        ("us.policy=bully", r"us\.policy='bully' is not a policy; choose one of absent"),
        ("seoul.rule=chaos", r"seoul\.rule='chaos' is not a decision rule"),
        ("payoffs.stage.seoul=[[3,0],[5]]", r"payoffs\.stage\.seoul must be a 2x2 matrix"),
        ("payoffs.stage.tokyo=[[3,0],[5,a]]", r"payoffs\.stage\.tokyo must be a 2x2 matrix"),
    ],
)
def test_bad_values_fail_with_the_key_named(override, message):
    with pytest.raises(ConfigError, match=message):
        to_config(compose_config([override]))


def test_mistyped_key_fails_at_composition():
    with pytest.raises(ConfigCompositionException, match="replicatons"):
        compose_config(["run.replicatons=10"])


def test_wrong_type_fails_at_composition():
    with pytest.raises(ConfigCompositionException, match="run.replications"):
        compose_config(["run.replications=many"])


def test_unknown_strategy_lists_the_known_ones():
    with pytest.raises(MissingConfigException, match="tit_for_tat"):
        compose_config(["strategy@seoul=chaos_monkey"])


def test_missing_scenario_names_the_known_ones():
    config = default_config(["scenario.name=atlantis"])
    with pytest.raises(ScenarioError, match="no scenario 'atlantis'.*gsomia_2019"):
        build_scenario(config.scenario)


def test_unknown_initial_measure_is_named():
    config = default_config(["+scenario.initial_measures.tokyo=[embargo]"])
    with pytest.raises(ScenarioError, match="tokyo has no measure 'embargo'"):
        build_scenario(config.scenario)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [  # each a case of the reliability pass (issue 12): accepted before, or a traceback
        (["+run.xyz=1"], r"^run\.xyz is not a config key; run has seed, replications"),
        (["+run.replicatons=10"], r"^run\.replicatons is not a config key; did you mean "),
        (["+seoul.nois=0.9"], r"^seoul\.nois is not a config key; did you mean seoul\.noise\?"),
        (["us.presure=0.5"], r"^us\.presure is not a config key; did you mean us\.pressure\?"),
        (
            ["payoffs.stage.seoul=[[1,2],[3,nan]]"],
            r"payoffs\.stage\.seoul\.1\.1=nan is not a finite number",
        ),
        (
            ["strategy@seoul=q_learning", "seoul.initial=nan"],
            r"^seoul\.initial=nan is not a finite number",
        ),
        (["seoul.noise=inf"], r"^seoul\.noise=inf is not a finite number"),
        (["payoffs.stage.seoul=5"], r"^payoffs\.stage\.seoul must be a 2x2 matrix"),
        (["run.weeks=0"], r"^run\.weeks=0 is outside the allowed range \[1, 5200\]"),
        (["run.weeks=-5"], r"^run\.weeks=-5 is outside"),
        (["run.weeks=1e9"], r"^run\.weeks: Value '1000000000\.0' of type 'float' could not be"),
        (["run.seed=-1"], r"^run\.seed=-1 is outside the allowed range \[0, 4294967295\]"),
        (["run.replications=many"], r"^run\.replications: Value 'many' of type 'str'"),
        (["strategy@seoul=chaos"], r"^Could not find 'strategy/chaos'; choose one of always_coop"),
        (["us.pressure=[1"], r"^cannot read the override 'us\.pressure=\[1'"),
    ],
)
def test_strict_config_fails_in_one_line_naming_the_key(overrides, message):
    with pytest.raises(ConfigError, match=message) as caught:
        default_config(overrides)
    assert "\n" not in str(caught.value)


def test_initial_measures_still_take_new_keys():
    config = default_config(["+scenario.initial_measures.tokyo=[arbitration]"])
    assert config.scenario.initial_measures == {"tokyo": ["arbitration"]}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["run.weeks=100"], r"run\.weeks=100 is beyond the scenario's span: it has 62 weeks"),
        (
            ["scenario.start=0001-01-01"],
            r"the span 0001-01-01 to 2019-12-30 is 105347 weeks; a run may span at most 5200",
        ),
    ],
)
def test_weeks_must_fit_the_scenario(overrides, message):
    from sim.experiment.factory import build_model

    config = default_config(overrides)
    with pytest.raises(EscalationError, match=message):
        build_model(config, replications=1)


def test_a_stored_config_round_trips(default):
    from dataclasses import asdict

    assert config_from_dict(asdict(default)) == default


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["run"].update(seed=-1), r"run\.seed=-1 is outside"),
        (lambda d: d["run"].update(weeks=100_000), r"run\.weeks=100000 is outside"),
        (lambda d: d["run"].update(replications=1e8), r"run\.replications"),
        (lambda d: d["seoul"].update(noise=float("nan")), r"seoul\.noise=nan is not a finite"),
        (lambda d: d["seoul"].update(nerve=1), r"seoul\.nerve is not a config key"),
        (lambda d: d["us"].update(pressure="high"), r"us\.pressure: Value 'high'"),
        (lambda d: d["tokyo"].update(rule="chaos"), r"tokyo\.rule='chaos'.*is not a decision rule"),
        (lambda d: d.update(payoffs=[1, 2]), r"a stored configuration"),
        (lambda d: d["payoffs"]["stage"].update(seoul=[[1, 2], [3]]), r"payoffs\.stage\.seoul"),
    ],
)
def test_a_tampered_stored_config_is_refused_like_fresh_input(default, change, message):
    from dataclasses import asdict

    data = asdict(default)
    change(data)
    with pytest.raises(ConfigError, match=message):
        config_from_dict(data)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True, "7", None])
def test_a_seed_kept_outside_a_config_is_checked(seed):
    with pytest.raises(ConfigError, match="must be a whole number from 0 to 4294967295"):
        check_seed(seed, "seed")


def test_run_and_sweep_folders_are_unique_to_the_microsecond():
    hydra = compose_config(with_hydra=True).hydra
    assert re.fullmatch(r"results/runs/\d{4}-\d\d-\d\d/\d\d-\d\d-\d\d-\d{6}", hydra.run.dir)
    assert re.fullmatch(r"results/sweeps/\d{4}-\d\d-\d\d/\d\d-\d\d-\d\d-\d{6}", hydra.sweep.dir)


def test_an_unknown_stored_key_with_a_newline_stays_on_one_line(default):
    from dataclasses import asdict

    data = asdict(default)
    data["\n"] = 1
    with pytest.raises(ConfigError, match=r"'\\n' is not a config key") as caught:
        config_from_dict(data)
    assert "\n" not in str(caught.value)
