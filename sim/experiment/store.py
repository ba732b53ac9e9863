"""Atomic writes: a file appears under its final name only once it is complete.

Each writer writes to a hidden temporary file in the same folder and renames it into place, so
a killed job leaves no half-written file that looks complete. ``summary.json`` is written last
and marks a finished job.
"""

import json
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

SUMMARY = "summary.json"


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write`` on a temporary path next to ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_parquet(table: pd.DataFrame, path: Path) -> Path:
    """Write a table as Parquet, atomically."""
    return write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))


def write_json(data: dict, path: Path) -> Path:
    """Write a JSON document, atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2) + "\n"))


def write_text(text: str, path: Path) -> Path:
    """Write a text file, atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text))


def write_figure(figure: Figure, path: Path, dpi: int = 120) -> Path:
    """Save a matplotlib figure, atomically, in the format its suffix names."""
    fmt = Path(path).suffix.lstrip(".")
    return write_atomic(path, lambda tmp: figure.savefig(tmp, format=fmt, dpi=dpi))
