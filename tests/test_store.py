import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.experiment.store import (
    FolderBusyError,
    FolderLock,
    ParquetStream,
    json_text,
    remove_leftovers,
    tidy_floats,
    write_atomic,
    write_json,
    write_parquet,
)


class DiskFull(OSError):
    pass


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "summary.json"
    write_json({"run": 1}, path)

    def half_then_fail(tmp):
        tmp.write_text('{"run": 2, "trunc')
        raise DiskFull("no space left on device")

    with pytest.raises(DiskFull):
        write_atomic(path, half_then_fail)
    assert json.loads(path.read_text()) == {"run": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_a_failed_first_write_leaves_nothing(tmp_path):
    with pytest.raises(DiskFull):
        write_atomic(tmp_path / "table.parquet", lambda tmp: (_ for _ in ()).throw(DiskFull()))
    assert list(tmp_path.iterdir()) == []


def test_json_refuses_nan_rather_than_writing_invalid_json(tmp_path):
    with pytest.raises(ValueError):
        write_json({"tension": float("nan")}, tmp_path / "x.json")
    assert list(tmp_path.iterdir()) == []


def test_a_stream_appears_only_when_complete(tmp_path):
    path = tmp_path / "replications.parquet"
    block = pd.DataFrame({"replication": range(3), "tension": [0.1, 0.2, 0.3]})
    with pytest.raises(KeyboardInterrupt):
        with ParquetStream(path) as stream:
            stream.write(block)
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with ParquetStream(path) as stream:
        stream.write(block)
        stream.write(block.assign(replication=block["replication"] + 3))
    table = pd.read_parquet(path)
    assert table["replication"].tolist() == [0, 1, 2, 3, 4, 5]
    assert stream.rows == 6
    assert [p.name for p in tmp_path.iterdir()] == ["replications.parquet"]


def test_a_stream_that_writes_nothing_makes_no_file(tmp_path):
    with ParquetStream(tmp_path / "trajectories.parquet"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_leftovers_of_a_killed_writer_are_removed(tmp_path):
    write_parquet(pd.DataFrame({"a": [1]}), tmp_path / "kept.parquet")
    (tmp_path / ".trajectories.parquet.4242.tmp").write_bytes(b"\0" * 100)
    removed = remove_leftovers(tmp_path)
    assert [p.name for p in removed] == [".trajectories.parquet.4242.tmp"]
    assert [p.name for p in tmp_path.iterdir()] == ["kept.parquet"]


def test_a_second_writer_is_refused_and_says_who_holds_the_folder(tmp_path):
    with FolderLock(tmp_path / "run"):
        with pytest.raises(FolderBusyError, match=f"escalation process {os.getpid()}"):
            FolderLock(tmp_path / "run").acquire()
    with FolderLock(tmp_path / "run"):  # released: free again
        pass


def test_a_released_lock_leaves_no_file_and_a_stale_opener_starts_again(tmp_path):
    """Release removes ``.lock``; a taker that opened the old file just before cannot hold it."""
    import fcntl

    first = FolderLock(tmp_path).acquire()
    stale = (tmp_path / ".lock").open("a+")  # opened just before the release
    first.release()
    assert list(tmp_path.iterdir()) == []
    fcntl.flock(stale, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the old file locks, unlinked as it is
    assert not FolderLock(tmp_path)._still_there(stale)  # but it is not the folder's lock
    with FolderLock(tmp_path) as second:  # a new file: no two holders
        assert second._still_there(second.handle)
        with pytest.raises(FolderBusyError):
            FolderLock(tmp_path).acquire()
    stale.close()
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 6))
def test_takers_racing_on_a_folder_never_hold_it_at_once(takers):
    """Threads take and release one folder's lock again and again; at most one holds it."""
    import tempfile
    import threading

    folder = Path(tempfile.mkdtemp())
    holding, most, guard = [0], [0], threading.Lock()

    def take() -> None:
        for _ in range(30):
            try:
                lock = FolderLock(folder).acquire()
            except FolderBusyError:
                continue
            with guard:
                holding[0] += 1
                most[0] = max(most[0], holding[0])
            time.sleep(0.0005)  # hold it a moment, so that a second holder would overlap
            with guard:
                holding[0] -= 1
            lock.release()

    threads = [threading.Thread(target=take) for _ in range(takers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1 and list(folder.iterdir()) == []
    folder.rmdir()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from sim.experiment.store import FolderLock;"
            f"lock = FolderLock({str(tmp_path)!r}).acquire();"
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(FolderBusyError):
        FolderLock(tmp_path).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    deadline = time.monotonic() + 5
    while True:
        try:
            FolderLock(tmp_path).acquire().release()
            break
        except FolderBusyError:
            assert time.monotonic() < deadline, "the lock outlived its holder"
            time.sleep(0.1)


def test_json_floats_lose_the_noise_of_arithmetic(tmp_path):
    data = {"never": 1 - 0.565, "q": [5.300000000000001, 57.89999999999999], "n": 3, "b": True}
    write_json(data, tmp_path / "x.json")
    text = (tmp_path / "x.json").read_text()
    assert '"never": 0.435' in text and "5.3," in text and "57.9\n" in text
    assert json.loads(text) == {"never": 0.435, "q": [5.3, 57.9], "n": 3, "b": True}
    with pytest.raises(ValueError):
        write_json({"x": float("nan")}, tmp_path / "nan.json")  # still refused
    assert json_text({"x": float("inf")}, strict=False) == '{\n  "x": Infinity\n}\n'


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_tidy_floats_moves_a_value_by_at_most_half_a_unit_of_its_15th_digit(x):
    tidy = tidy_floats({"x": [x]})["x"][0]
    assert abs(tidy - x) <= 5e-15 * abs(x)
    assert tidy_floats(tidy) == tidy  # written again, it stays
