"""Classroom material (`sim.play.materials`): a bad classroom.yaml ends in one line.

Each case writes a classroom.yaml into a private copy of a shipped scenario folder and checks
that reading it raises a `ScenarioError` whose single line names the file and what is wrong.
"""

import shutil
from pathlib import Path

import pytest

from sim.core.errors import ScenarioError
from sim.play.materials import load_materials
from tests.one_line import refused as refused_by_cli

ROOT = Path(__file__).resolve().parents[1]


def case(tmp_path: Path, text: str | bytes, name: str = "thaad_2016") -> Path:
    """A copy of the shipped case ``name`` with ``text`` as its classroom.yaml."""
    folder = tmp_path / name
    shutil.copytree(ROOT / "scenarios" / name, folder)
    path = folder / "classroom.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return folder


def refused(folder: Path) -> str:
    """Read the folder's material; return the one-line message of the `ScenarioError`."""
    with pytest.raises(ScenarioError) as problem:
        load_materials(folder)
    message = str(problem.value)
    assert "\n" not in message
    assert message.startswith(str(folder / "classroom.yaml")), message
    return message


def test_a_latin1_file_is_refused_as_not_utf8(tmp_path):
    text = 'prompts:\n  all: ["Qu\'a fait S\xe9oul ?"]\n'.encode("latin-1")
    byte = text.index(b"\xe9")  # the first byte that is not UTF-8
    message = refused(case(tmp_path, text))
    assert message.endswith(f"not UTF-8 text (byte {byte}); save the file as UTF-8")


def test_broken_yaml_names_the_file_and_line(tmp_path):
    folder = case(tmp_path, "prompts:\n  all:\n    - [open\n")
    assert "classroom.yaml, line 4: not valid YAML text" in refused(folder)


def test_a_key_given_twice_is_refused_with_both_lines(tmp_path):
    text = "washington_score:\n  pressure_cost: 0.2\n  pressure_cost: 0.9\n"
    message = refused(case(tmp_path, text))
    assert message.endswith(
        "line 3: the key 'pressure_cost' is given twice (also on line 2); keep one"
    )


def test_play_refuses_a_bad_classroom_file_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = case(tmp_path, b'prompts:\n  all: ["S\xe9oul"]\n')
    line = refused_by_cli(
        capsys, "play", "--as", "seoul", "--weeks", "2", f"scenario.name={folder}"
    )
    assert (
        line
        == f"error: {folder / 'classroom.yaml'}: not UTF-8 text (byte 19); save the file as UTF-8"
    )
    assert not list(tmp_path.glob("results"))  # nothing half written


THAAD = """\
injections:
  - {text: "Beijing curbs visas", actor: beijing, direction: escalate, measure: visa_curbs}
  - {text: "Seoul pauses the deployment", actor: seoul, direction: deescalate}
prompts:
  all: ["What did your side gain?"]
  beijing: ["Did the tour ban pay?"]
  washington: ["Did you press Beijing early enough?"]
"""


def test_the_roles_are_the_cases_own_sides_and_patron(tmp_path):
    materials = load_materials(case(tmp_path, THAAD))
    assert [e.actor for e in materials.injections] == ["beijing", "seoul"]
    assert materials.prompts_for("beijing") == ("What did your side gain?", "Did the tour ban pay?")
    assert "Did you press Beijing early enough?" in materials.prompts_for("washington")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "injections:\n  - {text: x, actor: tokyo, direction: escalate}\n",
            "injection actor 'tokyo': use seoul or beijing",
        ),
        (
            "injections:\n  - {text: x, actor: tokyo, direction: escalate, measure: visa_curbs}\n",
            "injection actor 'tokyo': use seoul or beijing",
        ),
        (
            "prompts:\n  tokyo: [Why]\n",
            "prompts for unknown roles ['tokyo']; the keys are all, class, injected, seoul, "
            "beijing, washington",
        ),
        (
            "prompts:\n  - a\n  - b\n",
            "prompts must be a mapping of all, class, injected, seoul, beijing, washington to "
            "lists of prompts, not a list",
        ),
        ("prompts:\n  all: Why?\n", "prompts.all must be a list of prompts"),
        ("injections: hello\n", "injections must be a list of events, not 'hello'"),
        (
            "injectoins: []\n",
            "the top level has an unknown key 'injectoins' (did you mean 'injections'?)",
        ),
        (
            "washington_score:\n  pressure_cost: high\n",
            "washington_score.pressure_cost 'high' must be a number in [0, 1]",
        ),
        (
            "washington_score:\n  pressure_cost: .nan\n",
            "washington_score.pressure_cost nan must be a number in [0, 1]",
        ),
        (
            "washington_score:\n  pressure_cost: true\n",
            "washington_score.pressure_cost True must be a number in [0, 1]",
        ),
        (
            "washington_score:\n  presure_cost: 0.5\n",
            "washington_score has an unknown key 'presure_cost' (did you mean 'pressure_cost'?)",
        ),
        (
            "prompts:\n  all: [{text: Why, measures: [tokyo.export_controls]}]\n",
            "a prompt is kept for 'tokyo.export_controls', which is no measure of the case: "
            "name it side.id, e.g. seoul.thaad_decision",
        ),
    ],
)
def test_a_bad_entry_is_one_line_naming_the_file(tmp_path, text, said):
    assert said in refused(case(tmp_path, text))


def test_play_asks_a_case_of_other_sides_its_own_prompts(tmp_path, monkeypatch):
    from sim.play.terminal import main as play_main

    monkeypatch.chdir(tmp_path)
    folder = case(tmp_path, THAAD)
    argv = ["--as", "beijing", "--weeks", "2", "--record", str(tmp_path / "rec"), "--no-figure"]
    answers = iter(["h", "h"])
    status = play_main([*argv, f"scenario.name={folder}"], read=lambda _: next(answers))
    assert status == 0
    debrief = (tmp_path / "rec" / "debrief.md").read_text()
    assert "What did your side gain?" in debrief and "Did the tour ban pay?" in debrief


def test_a_brief_named_for_no_role_of_the_case_is_refused(tmp_path):
    # briefs/tokyo.md in a case of Seoul and Beijing was left unread without a word
    case = tmp_path / "thaad_2016"
    shutil.copytree(ROOT / "scenarios" / "thaad_2016", case)
    shutil.rmtree(case / "briefs")
    (case / "briefs").mkdir()
    (case / "briefs" / "beijing.md").write_text("# Beijing\n")
    (case / "briefs" / "README.md").write_text("Notes on the briefs.\n")  # no role, and kept
    assert set(load_materials(case).briefs) == {"beijing"}
    stray = tmp_path / "stray" / "thaad_2016"
    shutil.copytree(case, stray)
    (stray / "briefs" / "tokyo.md").write_text("# Tokyo\n")
    with pytest.raises(ScenarioError) as problem:
        load_materials(stray)
    assert str(problem.value) == (
        f"{stray / 'briefs'}: tokyo.md names no role of this case; a brief is ROLE.md, for "
        "seoul, beijing, washington"
    )


KITS = sorted(p.parent.name for p in (ROOT / "scenarios").glob("*/classroom.yaml"))


def test_every_shipped_case_has_a_kit():
    # the home page promises briefs, events and prompts for every case in the Scenario box
    cases = sorted(p.parent.name for p in (ROOT / "scenarios").glob("*/scenario.yaml"))
    assert KITS == cases


@pytest.mark.parametrize("name", KITS)
def test_a_shipped_kit_has_a_brief_per_role_and_its_events_move_their_measures(name):
    # A kit is briefs for every role and ready-made events an instructor can inject: each
    # event must move the measure it names in a game of its case.
    from sim.experiment.config import default_config
    from sim.play.game import Game

    game = Game(default_config([f"scenario={name}", "run.weeks=2"]), [])
    materials = game.materials
    assert set(materials.briefs) == {*game.scenario.sides, game.scenario.patron}, name
    assert materials.injections, name
    for event in materials.injections:
        fresh = Game(default_config([f"scenario={name}", "run.weeks=2"]), [])
        side = fresh.scenario.measures[event.actor]
        if event.direction == "deescalate":  # something to lift: the measure, or any that can be
            liftable = next(m.id for m in side.measures if m.reversible)
            fresh.inject(event.actor, "escalate", "set up", measure=event.measure or liftable)
        before = fresh.in_force(event.actor)
        fresh.inject(event.actor, event.direction, event.text, measure=event.measure)
        after = fresh.in_force(event.actor)
        moved = set(after) ^ set(before)
        assert len(moved) == 1, event.text  # one measure in or out, as the event says
        if event.measure is not None:
            assert moved == {side.measures[side.index(event.measure)].name}, event.text
        assert (len(after) > len(before)) == (event.direction == "escalate"), event.text
