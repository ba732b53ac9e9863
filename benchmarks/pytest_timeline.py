"""Where `make test`'s time goes: each test's start and end on each pytest worker.

A pytest plugin, and a summary of what it wrote. Run the suite with it, then read it::

    PYTHONPATH=$PWD/benchmarks make test ARGS='-p pytest_timeline'
    .venv/bin/python benchmarks/pytest_timeline.py

The plugin appends one line per test start and end to results/benchmarks/test-timeline/<worker>
(start it on an empty folder: the summary reads every file there). The summary prints, per
worker, how long it was busy against the span from its first test to its last, and each test
file's total time, largest first: whether the workers idle (the schedule) or the tests take
the time (the tests themselves).
"""

import os
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parents[1] / "results" / "benchmarks" / "test-timeline"


def _write(kind: str, nodeid: str) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(FOLDER / worker, "a") as file:
        file.write(f"{time.time():.3f} {kind} {nodeid}\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """A test's set-up, call and teardown, on the process that runs it (not xdist's controller)."""
    _write("start", item.nodeid)
    yield
    _write("end", item.nodeid)


def spans(path: Path) -> list[tuple[str, float, float]]:
    """(test, start, end) of each test one worker ran, in the order it ran them."""
    started: dict[str, float] = {}
    done = []
    for line in path.read_text().splitlines():
        stamp, kind, nodeid = line.split(" ", 2)
        if kind == "start":
            started[nodeid] = float(stamp)
        elif nodeid in started:
            done.append((nodeid, started.pop(nodeid), float(stamp)))
    return done


def main() -> int:
    """Print each worker's busy time and each test file's total."""
    files = sorted(FOLDER.glob("*")) if FOLDER.is_dir() else []
    if not files:
        print(f"no timeline in {FOLDER}: run the tests with the plugin first (see the docstring)")
        return 1
    totals: Counter[str] = Counter()
    for path in files:
        tests = spans(path)
        if not tests:
            continue
        busy = sum(end - start for _, start, end in tests)
        span = max(end for *_, end in tests) - min(start for _, start, _ in tests)
        print(f"{path.name}: {len(tests)} tests, busy {busy:.1f} s of {span:.1f} s")
        for nodeid, start, end in tests:
            totals[nodeid.split("::")[0]] += end - start
    print(f"all tests: {sum(totals.values()):.1f} s")
    for name, seconds in totals.most_common():
        print(f"  {seconds:7.1f} s  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
