import pytest
from hydra.errors import ConfigCompositionException, MissingConfigException

from sim.core.errors import ConfigError, ScenarioError
from sim.experiment.config import compose_config, default_config, to_config
from sim.experiment.factory import build_scenario


def test_default_config_composes_to_the_documented_defaults():
    config = default_config()
    assert config.scenario.name == "gsomia_2019"
    assert config.payoffs.name == "gsomia_2019"
    assert config.seoul.rule == config.tokyo.rule == "quantal_response"
    assert config.us.policy == "reactive"
    assert config.run.seed == 2019
    assert config.payoffs.stage["seoul"] == [[3, 0], [5, 1]]


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


def test_every_rule_has_a_strategy_option_with_its_parameters():
    config = default_config(["strategy@seoul=generous_tit_for_tat", "seoul.generosity=0.5"])
    assert config.seoul.generosity == 0.5


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


def test_unknown_initial_rung_is_named():
    config = default_config(["+scenario.initial_rungs.tokyo=embargo"])
    with pytest.raises(ScenarioError, match="tokyo has no rung 'embargo'"):
        build_scenario(config.scenario)
