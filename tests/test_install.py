"""A non-editable install works from any folder: build the wheel, install it, run it.

Offline: the wheel is built from a copy of the checkout without build isolation, and installed
with ``--no-deps`` into a fresh virtual environment that sees this environment's packages
(a ``.pth`` line naming its site-packages) but not its editable install of ``sim``.
"""

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "sim", "conf", "scenarios")


def quiet(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip"]
    quiet([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", base, source])
    wheel = next(base.glob("escalation_sim-*.whl"))
    venv = base / "venv"
    quiet([sys.executable, "-m", "venv", "--without-pip", venv])
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    (site / "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    quiet([*pip, "--python", venv / "bin" / "python", "install", "--no-deps", "--no-index", wheel])
    return wheel, venv


def test_the_wheel_ships_the_config_tree_and_the_scenarios(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ROOT.joinpath("conf").rglob("*.yaml"):
        assert f"sim/_data/conf/{path.relative_to(ROOT / 'conf').as_posix()}" in names
    for path in ROOT.joinpath("scenarios").rglob("*"):
        if path.is_file():
            relative = path.relative_to(ROOT / "scenarios").as_posix()
            assert f"sim/_data/scenarios/{relative}" in names


def test_escalation_run_works_from_a_folder_outside_the_checkout(installed, tmp_path):
    _, venv = installed
    where = quiet(
        [venv / "bin" / "python", "-c", "import sim.core.folders as f; print(f.CONF_DIR)"],
        cwd=tmp_path,
    )
    assert (
        Path(where.stdout.strip())
        == Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
        / "sim"
        / "_data"
        / "conf"
    )
    done = quiet(
        [venv / "bin" / "escalation", "run", "run.replications=200", "run.progress=false"],
        cwd=tmp_path,
    )
    assert "200 replications x 62 weeks" in done.stdout
    summaries = list((tmp_path / "results" / "runs").glob("*/*/summary.json"))
    assert len(summaries) == 1
    assert summaries[0].parent.joinpath("replications.parquet").is_file()
