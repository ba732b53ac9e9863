"""What a run will cost in memory, disk and time, estimated before it starts.

The costs per replication were measured with ``benchmarks/bench_memory.py`` on the default
scenario (docs/benchmarks.md) and are rounded up. One model holds all its replications in
memory, so `check_memory` refuses a model that would not fit; ``escalation run`` simulates in
blocks of replications (`sim.experiment.blocks`), so its memory stays that of one block at any
size, and `run_budget` says what a large run will need.
"""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sim.core.errors import ConfigError

#: Interpreter and libraries, before any model (measured 0.20 GB).
BASE_BYTES = 250e6
#: One replication's model state, online metrics and replication-table row.
MODEL_BYTES = 3_000
#: One replication-week of kept trajectories: recorder arrays and the table built from them.
TRAJECTORY_BYTES = 480
#: What ``escalation run`` keeps for every replication until the end (summary columns, joined).
SUMMARY_BYTES = 90
#: Bytes on disk per replication (replications.parquet) and per replication-week
#: (trajectories.parquet).
REPLICATION_DISK_BYTES = 40
TRAJECTORY_DISK_BYTES = 6
#: Seconds per replication-week, without and with trajectories, on a 2-core machine.
SECONDS = 1.5e-6
TRAJECTORY_SECONDS = 1.0e-6
#: Runs needing more than this much memory or disk, or this long, are announced.
LARGE_BYTES = 1e9
LARGE_SECONDS = 60.0


def available_memory() -> float:
    """Bytes of memory available to a new allocation (Linux's MemAvailable, else physical)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def model_bytes(replications: int, weeks: int, trajectories: bool) -> float:
    """Estimated peak memory of one model of ``replications`` run over ``weeks``."""
    per_replication = MODEL_BYTES + (TRAJECTORY_BYTES * weeks if trajectories else 0)
    return BASE_BYTES + replications * per_replication


def gigabytes(size: float) -> str:
    """``1.2 GB``, ``350 MB``, or ``0.26 MB`` under a megabyte (never a bare ``0 MB``)."""
    if size >= 1e9:
        return f"{size / 1e9:.1f} GB"
    return f"{size / 1e6:.0f} MB" if size >= 1e7 else f"{size / 1e6:.2g} MB"


def check_memory(replications: int, weeks: int, trajectories: bool) -> None:
    """Raise `ConfigError` with the estimate when one model would not fit in memory."""
    need, have = model_bytes(replications, weeks, trajectories), available_memory()
    if need > have:
        what = "with trajectories " if trajectories else ""
        raise ConfigError(
            f"{replications} replications x {weeks} weeks {what}in one model need about "
            f"{gigabytes(need)} of memory, and {gigabytes(have)} is available; lower "
            f"run.replications{' or set run.trajectories=false' if trajectories else ''}"
        )


@dataclass(frozen=True)
class RunBudget:
    """Estimated peak memory and disk (bytes) and wall time (seconds) of one run."""

    memory: float
    disk: float
    seconds: float

    @property
    def large(self) -> bool:
        """Whether the run is worth announcing before it starts."""
        big = max(self.memory, self.disk) > LARGE_BYTES
        return big or self.seconds > LARGE_SECONDS

    def describe(self) -> str:
        """``about 1.2 GB of memory, 0.3 GB of disk and 2 minutes``."""
        time = duration(self.seconds)
        return (
            f"about {gigabytes(self.memory)} of memory, {gigabytes(self.disk)} of disk and {time}"
        )


def run_budget(replications: int, weeks: int, trajectories: bool, block: int) -> RunBudget:
    """The budget of ``escalation run``: one block in memory at a time, every row on disk."""
    memory = model_bytes(min(replications, block), weeks, trajectories)
    memory += replications * SUMMARY_BYTES
    disk = replications * (
        REPLICATION_DISK_BYTES + (TRAJECTORY_DISK_BYTES * weeks if trajectories else 0)
    )
    seconds = replications * weeks * (SECONDS + (TRAJECTORY_SECONDS if trajectories else 0))
    return RunBudget(memory=memory, disk=disk, seconds=seconds)


def duration(seconds: float) -> str:
    """``under a second``, ``40 seconds``, ``7 minutes`` or ``2.5 hours``."""
    if seconds < 0.5:
        return "under a second"
    if seconds < 120:
        return "1 second" if round(seconds) == 1 else f"{seconds:.0f} seconds"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


def sweep_budget(budgets: list[RunBudget]) -> RunBudget:
    """What a sweep's cells need together: their disk and time added up, one cell's memory.

    Each cell's memory is checked on its own (cells running at once each check theirs).
    """
    memory = max(b.memory for b in budgets)
    return RunBudget(memory, sum(b.disk for b in budgets), sum(b.seconds for b in budgets))


def check_budget(budget: RunBudget, folder: Path, what: str = "this run needs") -> None:
    """Raise `ConfigError` when the run would not fit in memory or on the folder's disk."""
    have = available_memory()
    if budget.memory > have:
        raise ConfigError(
            f"{what} {budget.describe()}, and {gigabytes(have)} of memory is "
            "available; lower run.replications"
        )
    existing = Path(folder)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    if budget.disk > free:
        raise ConfigError(
            f"{what} {budget.describe()}, and {gigabytes(free)} of disk is free under "
            f"{existing}; lower run.replications, set run.trajectories=false or choose "
            "another folder"
        )
