"""An override the command would not read is refused with one line, before anything is fitted.

Before, ``escalation calibrate calibrate.cases=[...]`` without ``calibrate.loco=true``, or
``train_events=`` given to calibrate, ran to the end and reported as if nothing had been set.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf
from one_line import refused

from sim.core.errors import ConfigError
from sim.experiment.config import compose_config, default_config
from sim.experiment.explore.options import register_explore
from sim.experiment.launch import check_sweep
from sim.experiment.unread import UNREAD, check_read


@pytest.mark.parametrize(
    ("command", "overrides", "message"),
    [
        (
            "calibrate",
            ["calibrate.cases=[gsomia_2019,thaad_2016]"],
            "calibrate.cases is read only with calibrate.loco=true: add calibrate.loco=true, or "
            "drop calibrate.cases",
        ),
        (
            "calibrate",
            ["calibrate.rolling=true", "calibrate.jobs=2"],
            "calibrate.jobs is read only with calibrate.predictive=true: add "
            "calibrate.predictive=true, or drop calibrate.jobs",
        ),
        (
            "calibrate",
            ["calibrate.posterior=false", "calibrate.walkers=40"],
            "calibrate.walkers is read only with calibrate.posterior=true: add "
            "calibrate.posterior=true, or drop calibrate.walkers",
        ),
        (
            "calibrate",
            ["train_events=scenarios/thaad_2016/events.csv"],
            "escalation calibrate does not read train_events: it fits the model and the "
            "baselines alike on events= (train_events is escalation compare's); drop train_events",
        ),
        (
            "calibrate",
            ["compare.rolling=true"],
            "escalation calibrate does not read compare.rolling: its own options are calibrate.* "
            "(calibrate.rolling, calibrate.origin); drop compare.rolling",
        ),
        (
            "compare",
            ["compare.origin=2019-06-03"],
            "compare.origin is read only with compare.rolling=true: add compare.rolling=true, or "
            "drop compare.origin",
        ),
    ],
)
def test_an_option_the_command_would_not_read_is_one_line_and_no_folder(
    tmp_path, capsys, command, overrides, message
):
    out = tmp_path / "out"
    write = ["calibrate.write=false"] if command == "calibrate" else []
    line = refused(capsys, command, *overrides, *write, f"hydra.run.dir={out}")
    assert line == f"error: {message}"
    assert not out.exists()


def test_explore_refuses_the_run_options_it_does_not_read(tmp_path, capsys):
    # It ran with x 100 replications whatever run.replications said.
    out = tmp_path / "explore"
    line = refused(
        capsys, "explore", "explore=morris", "run.replications=10", f"hydra.sweep.dir={out}"
    )
    assert line == (
        "error: escalation explore does not read run.replications: explore.replications sets "
        "the runs at each point; drop run.replications"
    )
    assert not out.exists()


def test_an_option_read_under_its_switch_passes():
    overrides = [
        "calibrate.loco=true",
        "calibrate.cases=[gsomia_2019,thaad_2016]",
        "calibrate.predictive=true",
        "calibrate.jobs=2",
        "calibrate.walkers=40",
    ]
    check_read(default_config(overrides, "calibrate"), overrides, "calibrate")  # no error
    # and compare reads what calibrate does not
    overrides = ["train_events=scenarios/thaad_2016/events.csv", "run.replications=50"]
    check_read(default_config(overrides, "compare"), overrides, "compare")


def test_a_sweep_over_the_switch_lets_the_key_pass_in_the_jobs_that_turn_it_off():
    # escalation calibrate -m calibrate.loco=true,false calibrate.cases=[...]: the job with
    # loco=false does not read the cases, and the sweep meant it so
    overrides = ["calibrate.loco=false", "calibrate.cases=[gsomia_2019,thaad_2016]"]
    config = default_config(overrides, "calibrate")
    check_read(config, overrides, "calibrate", sweep=True)
    with pytest.raises(ConfigError, match="calibrate.cases is read only with"):
        check_read(config, overrides, "calibrate")  # typed by hand, it is still unread
    with pytest.raises(ConfigError, match="calibrate.cases is read only with"):
        check_read(config, overrides[1:], "calibrate", sweep=True)  # the switch not swept


def test_a_compare_sweep_checks_every_cell_before_its_first_job(tmp_path, capsys):
    # Compare and calibrate sweeps went straight to Hydra: a wrong last cell stopped the sweep
    # only when its turn came, after the cells before it had run and written their reports.
    out = tmp_path / "sweep"
    line = refused(
        capsys,
        "compare",
        "-m",
        "run.replications=20",
        "seoul.noise=0.1,1.5",
        f"hydra.sweep.dir={out}",
    )
    assert line == (
        "error: sweep cell 2 of 2 (run.replications=20 seoul.noise=1.5): seoul.noise=1.5 is "
        "outside the allowed range [0.0, 1.0]; set it on the command line, e.g. seoul.noise=0.0; "
        "no job was started"
    )
    assert not out.exists()
    refusal = r"sweep cell 1 of \d+ \(.*calibrate.cases is read only with"
    with pytest.raises(ConfigError, match=refusal):
        check_sweep(["calibrate.cases=[gsomia_2019,thaad_2016]", "seoul.noise=0,1"], "calibrate")
    check_sweep(["compare.rolling=true,false", "compare.origin=2019-06-03"], "compare")  # passes


@pytest.mark.parametrize(
    ("command", "rule"), [(c, r) for c, rules in UNREAD.items() for r in rules]
)
def test_every_rule_names_keys_that_exist_and_advice_that_works(command, rule):
    register_explore()  # explore's schema, which `escalation explore` registers at its start
    composed = compose_config([], command)
    absent = object()
    for key in rule.keys:  # a renamed key would leave a rule that never fires
        assert OmegaConf.select(composed, key, default=absent) is not absent, key
    if rule.on is None:
        return
    switches = rule.switch.split(" or ")
    if all(s.endswith("=true") for s in switches):
        off = [s.replace("=true", "=false") for s in switches]
    else:  # explore's design keys: a method that reads neither levels nor second order
        off = ["explore.design.method=latin"]
    assert not rule.on(default_config(off, command))
    for switch in switches:  # each switch the message advises turns the rule's keys on
        given = [switch] if switch.startswith("explore=") else [*off, switch]  # a preset
        assert rule.on(default_config(given, command)), switch


@settings(max_examples=40, deadline=None)
@given(
    loco=st.booleans(),
    rolling=st.booleans(),
    predictive=st.booleans(),
    posterior=st.booleans(),
    key=st.sampled_from(
        ["calibrate.cases", "calibrate.origin", "calibrate.predictive", "calibrate.jobs"]
        + ["calibrate.steps", "calibrate.thin", "calibrate.popsize", "payoffs.deadline"]
    ),
)
def test_a_switched_option_is_refused_exactly_when_its_switch_is_off(
    calibrate_config, loco, rolling, predictive, posterior, key
):
    c = calibrate_config.calibrate
    c.loco, c.rolling, c.predictive, c.posterior = loco, rolling, predictive, posterior
    needs = {
        "calibrate.cases": loco,
        "calibrate.origin": rolling,
        "calibrate.predictive": rolling or loco,
        "calibrate.jobs": predictive,
        "calibrate.steps": posterior,
        "calibrate.thin": posterior,
    }
    try:
        check_read(calibrate_config, [f"{key}=1"], "calibrate")
        refused_here = False
    except ConfigError as problem:
        refused_here = str(problem).startswith(f"{key} is read only with")
    assert refused_here == (not needs.get(key, True))


@pytest.fixture(scope="module")
def calibrate_config():
    return default_config([], "calibrate")
