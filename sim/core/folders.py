"""Where the config tree and the scenario folders are, in a checkout or an installed package.

In a checkout they are the top-level ``conf/`` and ``scenarios/`` folders. A wheel ships the
same folders as package data under ``sim/_data/`` (pyproject.toml maps them there), so
``pip install .`` followed by ``escalation run`` works from any folder.
``$ESCALATION_SCENARIOS`` points the loader at another folder of scenarios.
"""

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def _shipped(name: str) -> Path:
    """The checkout's top-level folder ``name``, else the installed package data's."""
    checkout = PACKAGE.parent / name
    if (PACKAGE.parent / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return PACKAGE / "_data" / name


CONF_DIR = _shipped("conf")


def scenarios_root() -> Path:
    """Folder holding scenario folders: ``$ESCALATION_SCENARIOS``, else the shipped ones."""
    if env := os.environ.get("ESCALATION_SCENARIOS"):
        return Path(env)
    return _shipped("scenarios")


def display_path(path: Path | str) -> str:
    """A path as reports show it: relative to the shipped data's parent when inside it."""
    resolved = Path(path).resolve()
    base = CONF_DIR.parent
    return str(resolved.relative_to(base)) if resolved.is_relative_to(base) else str(path)
