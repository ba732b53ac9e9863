"""Build hook: ship the top-level ``conf/`` and ``scenarios/`` in the wheel as package data.

Everything else about the package is in pyproject.toml. A checkout reads ``conf/`` and
``scenarios/`` where they are; an installed package finds the same folders under
``sim/_data/`` (`sim.core.folders`), so ``pip install .`` then ``escalation run`` works from
any folder while the folders keep their place at the top of the project.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("conf", "scenarios")


class BuildPyWithData(build_py):
    """``build_py`` that also copies the shipped folders into ``sim/_data/``."""

    def run(self) -> None:
        """Build the Python modules, then copy the data folders beside them."""
        super().run()
        for name in SHIPPED:
            target = Path(self.build_lib) / "sim" / "_data" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__"))


setup(cmdclass={"build_py": BuildPyWithData})
