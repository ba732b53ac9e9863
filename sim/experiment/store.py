"""Result folders on disk: atomic writes, streamed Parquet, and one writer per folder.

Each writer writes to a hidden temporary file in the same folder and renames it into place, so
a killed job leaves no half-written file that looks complete; the temporary file is removed on
any exit Python sees (an exception, Ctrl-C, SIGTERM turned into `SystemExit` by the CLI).
``summary.json`` is written last and marks a finished job. `FolderLock` keeps a second process
out of a folder that one is writing.
"""

import fcntl
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from matplotlib.figure import Figure

from sim.core.errors import EscalationError

SUMMARY = "summary.json"
LOCK = ".lock"


class FolderBusyError(EscalationError):
    """Another process holds the folder's lock."""


def temporary_path(path: Path) -> Path:
    """The hidden temporary name ``path`` is written under before it is renamed into place."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write`` on a temporary path next to ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_parquet(table: pd.DataFrame, path: Path) -> Path:
    """Write a table as Parquet, atomically."""
    return write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))


#: Significant digits a float keeps in our JSON files: every digit a double carries but the
#: last one or two, where arithmetic leaves noise (1 - 0.565 is written 0.435, not
#: 0.43500000000000005). Reading a value back moves it by at most 5 parts in 10^15.
JSON_DIGITS = 15


def tidy_floats(data: Any) -> Any:
    """``data`` with each finite float rounded to `JSON_DIGITS` significant digits."""
    if isinstance(data, dict):
        return {key: tidy_floats(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [tidy_floats(value) for value in data]
    if isinstance(data, float) and math.isfinite(data):
        tidy = float(f"{data:.{JSON_DIGITS}g}")
        return tidy if math.isfinite(tidy) else data  # the largest doubles would round to inf
    return data


def json_text(data: Any, strict: bool = True, exact: bool = False) -> str:
    """Indented JSON of ``data``, its floats tidied (`tidy_floats`).

    ``strict`` refuses NaN and infinity; ``exact`` keeps every float's last digits instead, for
    data that must read back bit for bit (a game record, whose replay recomputes the game).
    """
    data = data if exact else tidy_floats(data)
    return json.dumps(data, indent=2, allow_nan=not strict) + "\n"


def write_json(data: dict, path: Path, exact: bool = False) -> Path:
    """Write a JSON document, atomically; NaN and infinity are refused (they are not JSON)."""
    text = json_text(data, exact=exact)
    return write_atomic(path, lambda tmp: tmp.write_text(text))


def write_text(text: str, path: Path) -> Path:
    """Write a text file, atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text))


def write_figure(figure: Figure, path: Path, dpi: int = 120) -> Path:
    """Save a matplotlib figure, atomically, in the format its suffix names."""
    fmt = Path(path).suffix.lstrip(".")
    return write_atomic(path, lambda tmp: figure.savefig(tmp, format=fmt, dpi=dpi))


class ParquetStream:
    """A Parquet file written one table at a time (one row group or more each), atomically.

    Use it as a context manager: the file appears under its name only when the block ends
    without an exception; otherwise the temporary file is removed. Every table must have the
    first one's columns and types.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.tmp = temporary_path(self.path)
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, table: pd.DataFrame) -> None:
        """Append ``table`` to the file."""
        arrow = pa.Table.from_pandas(table, preserve_index=False)
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.tmp, arrow.schema)
        self.writer.write_table(arrow)
        self.rows += len(table)

    def __enter__(self) -> "ParquetStream":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self.writer is not None:
                self.writer.close()
                if kind is None:
                    os.replace(self.tmp, self.path)
        finally:
            self.tmp.unlink(missing_ok=True)


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete temporary files a killed writer left in ``folder`` (call it holding the lock)."""
    leftovers = sorted(Path(folder).glob(".*.tmp")) if Path(folder).is_dir() else []
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers


class FolderLock:
    """An exclusive lock on a result folder, held while one process writes into it.

    The lock is an ``flock`` on ``FOLDER/.lock``: the system releases it when the process
    ends, however it ends, so a killed run never leaves a stale lock. Taking a lock that another
    process holds raises `FolderBusyError` at once (no waiting). Releasing it removes the file
    (a killed run leaves it, harmlessly): a taker that opened the file just before it went
    checks, once it holds the lock, that the path is still that file, and starts again if not.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.handle: Any = None

    def acquire(self) -> "FolderLock":
        """Create the folder if needed and take its lock."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = self._locked()
        while not self._still_there(handle):  # released and removed while we opened it
            handle.close()
            handle = self._locked()
        handle.seek(0)
        handle.truncate()
        handle.write(f"escalation process {os.getpid()}")
        handle.flush()
        self.handle = handle
        return self

    def _locked(self) -> Any:
        """The lock file, open and locked; `FolderBusyError` if another process holds it."""
        handle = (self.folder / LOCK).open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise FolderBusyError(
                f"{self.folder} is being written by {holder}; wait for it to finish "
                "or choose another folder (hydra.run.dir=PATH or hydra.sweep.dir=PATH)"
            ) from None
        return handle

    def _still_there(self, handle: Any) -> bool:
        """Whether ``FOLDER/.lock`` is still the file ``handle`` holds the lock on."""
        try:
            return os.stat(self.folder / LOCK).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        """Remove the lock file, then give the lock back (the order `acquire` relies on)."""
        if self.handle is not None:
            (self.folder / LOCK).unlink(missing_ok=True)
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
