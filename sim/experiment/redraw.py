"""Which folders `escalation plot` redraws, told apart before it takes a folder's lock.

A run, a sweep and an exploration each leave a file that marks their folder; a comparison's or
a calibration's folder is drawn when it runs. Anything else is refused before the lock, which
would leave a ``.lock`` file in a folder that is not ours.
"""

from enum import Enum
from pathlib import Path

from sim.core.errors import ConfigError
from sim.experiment.cells import MANIFEST
from sim.experiment.store import SUMMARY

#: Reports of commands whose folders `plot` does not redraw, and the command that wrote each.
REPORTS = {"comparison.json": "compare", "calibration.json": "calibrate"}
EXPLORATION = "explore.json"


class Kind(Enum):
    """What wrote a folder `plot` can redraw."""

    EXPLORATION = "exploration"
    SWEEP = "sweep"
    RUN = "run"  # finished or not: a run's .hydra comes before its summary


def redrawable(folder: Path) -> Kind:
    """The kind of result ``folder`` holds; `ConfigError` if `plot` cannot redraw it."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(
            f"{folder} is not a folder; give the folder of a finished sweep, run or exploration"
        )
    if made_by := [c for f, c in REPORTS.items() if (folder / f).is_file()]:
        raise ConfigError(
            f"{folder} is an `escalation {made_by[0]}` folder: its figures are drawn when "
            "it runs; plot redraws sweeps, runs and explorations"
        )
    if (folder / EXPLORATION).is_file():
        return Kind.EXPLORATION
    if (folder / MANIFEST).is_file():
        return Kind.SWEEP
    exploration = folder.parent.parent
    if folder.parent.name == "chunks" and (exploration / EXPLORATION).is_file():
        raise ConfigError(  # it has a .hydra folder, so it read as a run that did not finish
            f"{folder} is one chunk of the exploration in {exploration}: plot that folder"
        )
    if (folder / SUMMARY).exists() or (folder / ".hydra").is_dir():
        return Kind.RUN
    raise ConfigError(
        f"{folder} holds no {EXPLORATION}, {MANIFEST} or {SUMMARY}: give the folder of a "
        "finished sweep, run or exploration"
    )
