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
