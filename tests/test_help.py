"""`escalation COMMAND --help` lists the groups and keys that command reads, and no others."""

import pytest
import yaml

from sim.experiment.help import command_help, never_read
from sim.experiment.unread import UNREAD

COMMANDS = ["run", "compare", "calibrate", "explore"]


def sections(text: str) -> tuple[dict[str, list[str]], dict]:
    """The help's groups (group -> options) and its keys, parsed back."""
    groups_part = text.split("== Config groups ==")[1].split("== Keys and their defaults ==")[0]
    groups = {
        line.split(": ")[0]: line.split(": ")[1].split(", ")
        for line in groups_part.splitlines()
        if ": " in line and not line.startswith("Pick") and "@" not in line.split(": ")[0]
    }
    keys_part = text.split("== Keys and their defaults ==")[1].split("\nExamples:")[0]
    keys_part = keys_part.split("== Keys read only with a switch ==")[0]
    return groups, yaml.safe_load(keys_part)


def has(keys: dict, dotted: str) -> bool:
    node = keys
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


@pytest.mark.parametrize("command", COMMANDS)
def test_help_leaves_out_the_keys_the_command_never_reads(command):
    groups, keys = sections(command_help(command, []))
    dropped = never_read(command)
    assert bool(dropped) == (command in UNREAD)  # run reads every key it composes
    for key in dropped:
        assert not has(keys, key), key
    assert has(keys, "run.seed") and has(keys, "scenario.name") and has(keys, "seoul.rule")
    # the presets of other commands are not offered
    assert ("explore" in groups) == (command == "explore")
    added = "+experiment (added, not picked; the sweep presets with -m)"
    assert (added in groups) == (command in ("run", "compare")) and "experiment" not in groups
    # groups Hydra finds from registered schemas as well as from files
    assert {"reactive", "absent", "constant"} <= set(groups["us"])
    assert {"fictitious_play", "q_learning", "tit_for_tat"} <= set(groups["strategy"])


def test_calibrate_help_shows_its_own_options_and_not_the_runs():
    _, keys = sections(command_help("calibrate", []))
    assert set(keys["run"]) == {"seed"}  # run.weeks and run.progress are refused
    assert "compare" not in keys and "train_events" not in keys
    assert {"walkers", "loco", "rolling"} <= set(keys["calibrate"])


def switched(text: str) -> dict[str, str]:
    """The help's keys read only with a switch (key -> switch), parsed back."""
    if "== Keys read only with a switch ==" not in text:
        return {}
    part = text.split("== Keys read only with a switch ==")[1].split("\nExamples:")[0]
    pairs = [line.strip().split(": only with ") for line in part.strip().splitlines()]
    return {key: switch for keys, switch in pairs for key in keys.split(", ")}


@pytest.mark.parametrize("command", COMMANDS)
def test_help_marks_each_key_read_only_with_a_switch(command):
    text = command_help(command, [])
    _, keys = sections(text)
    listed = switched(text)
    expected = [key for rule in UNREAD.get(command, ()) if rule.on for key in rule.keys]
    assert sorted(listed) == sorted(expected)
    for key, switch in listed.items():
        assert has(keys, key), key  # listed with its default above, and marked here
        assert all(has(keys, part.split("=")[0]) for part in switch.split(" or ")), switch
    if command == "calibrate":
        assert listed["calibrate.cases"] == "calibrate.loco=true"
        assert listed["calibrate.jobs"] == "calibrate.predictive=true"


def test_help_follows_the_overrides_given_with_it():
    _, keys = sections(command_help("run", ["scenario=thaad_2016", "us.pressure=0.3"]))
    assert keys["scenario"]["name"] == "thaad_2016" and keys["us"]["pressure"] == 0.3
    text = command_help("explore", ["explore=morris"])
    assert sections(text)[1]["explore"]["design"]["method"] == "morris"
    assert text.startswith("escalation explore:") and "docs/explore.md" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_the_command_prints_its_help_and_a_bad_override_in_one_line(capsys, command):
    from one_line import refused

    from sim.cli import main

    main([command, "--help"])
    out = capsys.readouterr().out
    assert out.startswith(f"escalation {command}:") and "== Keys and their defaults ==" in out
    line = refused(capsys, command, "-h", "seoul.bogus=1")
    assert "seoul.bogus" in line
