"""What a run's numbers depend on, as digests: the config, the data, the code, the version.

A sweep resumes a cell only when its recorded `RunIdentity` equals the one the cell would have
now, so editing ``scenario.yaml``, the events file or the model's code, or upgrading the
package, recomputes the cells it affects instead of keeping stale numbers.
"""

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from sim import __version__
from sim.core.fitted import posterior_file
from sim.core.scenario import Scenario
from sim.experiment.config import Config, job_folders
from sim.reports.run import RunIdentity

#: Config keys that change no number a run writes (they are left out of the config digest).
INERT_KEYS = (("run", "progress"),)
#: The code a run's numbers come from, relative to the `sim` package.
MODEL_CODE = ("core", "history", "experiment")
#: Files of a scenario folder that change no number (documentation, briefs).
INERT_SUFFIXES = (".md",)
#: Data files of a scenario folder that no run reads: the coding notes (checked by the tests,
#: `scripts/coding_table.py`) and the classroom material (`sim.play.materials`).
INERT_FILES = ("coding.csv", "classroom.yaml")
DIGEST_LENGTH = 16


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def config_hash(config: Config) -> str:
    """Digest of the resolved config, ignoring key order and `INERT_KEYS`."""
    data = dataclasses.asdict(config)
    for path in INERT_KEYS:
        node = data
        for key in path[:-1]:
            node = node.get(key, {})
        node.pop(path[-1], None)
    return _digest(json.dumps(data, sort_keys=True, default=_plain).encode())


def files_digest(paths: list[Path], root: Path) -> str:
    """Digest of the files' names (relative to ``root``) and contents, in name order."""
    hasher = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.relative_to(root).as_posix()):
        hasher.update(path.relative_to(root).as_posix().encode() + b"\0")
        hasher.update(hashlib.sha256(path.read_bytes()).digest())
    return hasher.hexdigest()[:DIGEST_LENGTH]


def _inert(path: Path, folder: Path) -> bool:
    """Whether a file of the scenario folder changes no number of a run."""
    return (
        path.suffix in INERT_SUFFIXES
        or path.relative_to(folder).as_posix() in INERT_FILES
        or "__pycache__" in path.parts
    )


def scenario_digest(scenario: Scenario) -> str:
    """Digest of the scenario folder's data files (all but Markdown and `INERT_FILES`)."""
    folder = scenario.folder
    if folder is None:
        return _digest(repr(scenario).encode())
    folder = Path(folder)
    files = [p for p in folder.rglob("*") if p.is_file() and not _inert(p, folder)]
    return files_digest(files, folder)


def events_digest(scenario: Scenario) -> str:
    """Digest of the events file the scenario names ("none" when it names none)."""
    path = scenario.events_path
    if path is None or not Path(path).is_file():
        return "none"
    return _digest(Path(path).read_bytes())


@cache
def code_digest() -> str:
    """Digest of the package's model code (`MODEL_CODE`), computed once per process."""
    package = Path(__file__).resolve().parents[1]
    files: list[Path] = []
    for part in MODEL_CODE:
        path = package / part
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files_digest(files, package)


def config_digest(config: Config, folders: Sequence[str] | None = None) -> str:
    """`config_hash`, and with ``run.posterior`` the posterior draws file it samples from.

    ``folders`` are the config folders the fit is looked up in (default: the Hydra job's).
    """
    if not config.run.posterior:
        return config_hash(config)
    path = posterior_file(config.fit, job_folders() if folders is None else folders)
    draws = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "none"
    return _digest(f"{config_hash(config)}:{draws}".encode())


def run_identity(
    config: Config, scenario: Scenario, folders: Sequence[str] | None = None
) -> RunIdentity:
    """The identity of a run of ``config`` on ``scenario`` with this package."""
    parts = {
        "config": config_digest(config, folders),
        "scenario": scenario_digest(scenario),
        "events": events_digest(scenario),
        "code": code_digest(),
        "version": __version__,
    }
    cell = _digest(json.dumps(parts, sort_keys=True).encode())
    return RunIdentity(cell=cell, **parts)


def holds_run(folder: Path, identity: RunIdentity) -> bool:
    """Whether ``folder``'s summary names this very run, so a resumed sweep will skip it.

    A cell left by another launch (other settings, code or version) runs again, so its disk
    and memory must be counted like a new cell's.
    """
    try:
        said = json.loads((Path(folder) / "summary.json").read_text())["identity"]
        return not identity.differences(RunIdentity(**said))
    except (OSError, ValueError, KeyError, TypeError):
        return False
