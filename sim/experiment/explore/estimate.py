"""How long an exploration's runs will take, timed on this machine before the first chunk.

A chunk runs its points in lockstep batches of at most ``explore.batch`` replications, each
batch three times when the pressure effect is measured. A batch of R replications over W weeks
costs about ``a + W (b + c R)``: building the model, then each week a fixed part (the agents'
Python) and a part per replication (the arrays). Pilot runs of the exploration's own model, at
two sizes and two lengths (medians of three), give ``a``, ``b`` and ``c`` on this machine as it
is now, so a slow or busy machine is counted. A fixed cost per run-week (as
`sim.experiment.budget` has for runs) left out the weekly part, which dominates small designs:
it said 3 s for chunks that computed for 8 s (``explore.design.n=16``).
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.metrics import replication_table
from sim.core.model import EscalationModel
from sim.core.params import with_values
from sim.experiment.config import Config, config_from_dict
from sim.experiment.explore.chunk import chunk_slice, finished
from sim.experiment.explore.models import points_per_batch
from sim.experiment.explore.plan import Plan, explore_hash
from sim.experiment.factory import build_scenario

#: The pilot runs: the small one's replications, the large one's at least and at most (near a
#: batch's, so the cost per replication is not extrapolated far, and at least large enough that
#: its replications take longer a week than the whole small run's week), and the weeks of both.
PILOT_SMALL, PILOT_LARGE_MIN, PILOT_LARGE = 100, 5_000, 10_000
PILOT_WEEKS = 20


@dataclass(frozen=True)
class BatchCost:
    """Seconds of one lockstep run: ``build + weeks * (week + replication * replications)``."""

    build: float
    week: float
    replication: float

    def seconds(self, replications: int, weeks: int) -> float:
        """The time of one run of ``replications`` over ``weeks``."""
        return self.build + weeks * (self.week + self.replication * replications)


def time_pilot(config: Config, point: dict[str, float], batch: int) -> BatchCost:
    """Time the model of ``config`` at two sizes and two lengths; the cost's three parts.

    Each pilot run does what a chunk's batch does: every replication takes ``point``'s values
    as arrays (as the design's points do), and the run ends in its replication table. The
    large run has ``batch`` replications (a chunk's batch), within `PILOT_LARGE_MIN` and
    `PILOT_LARGE`.
    """
    scenario = build_scenario(config.scenario)

    def run(replications: int, weeks: int) -> float:
        started = time.perf_counter()
        columns = {key: np.full(replications, value) for key, value in point.items()}
        model = EscalationModel(
            scenario,
            with_values(config.model_params, columns),
            replications=replications,
            weeks=weeks,
            keep_trajectories=False,
            rng=np.random.default_rng(0),
        )
        replication_table(model.run())
        return time.perf_counter() - started

    def median_of_3(replications: int, weeks: int) -> float:  # a busy machine is noisy
        return float(np.median([run(replications, weeks) for _ in range(3)]))

    small, large = PILOT_SMALL, min(max(batch, PILOT_LARGE_MIN), PILOT_LARGE)
    run(small, 2)  # the first run pays for imports and caches
    short = median_of_3(small, 2)
    long_small, long_large = median_of_3(small, PILOT_WEEKS), median_of_3(large, PILOT_WEEKS)
    return cost_of(
        Timing(small, 2, short), Timing(small, PILOT_WEEKS, long_small), long_large, large
    )


@dataclass(frozen=True)
class Timing:
    """Seconds one pilot run took, with its replications and weeks."""

    replications: int
    weeks: int
    seconds: float


def cost_of(short: Timing, long: Timing, large_seconds: float, large: int) -> BatchCost:
    """The cost's three parts from three pilot runs' seconds.

    ``short`` and ``long`` are runs of the same size; ``large_seconds`` is a run of ``large``
    replications as long as ``long``. A replication-week costs at least the small run's week
    spread over the large run's replications: a floor that keeps a busy machine (whose large
    run can look no dearer a week than the small one) from calling replications free, that
    rises with the timings rather than jumping, and that exact timings clear whenever the large
    run's replications take longer a week than the whole small run's week (`PILOT_LARGE_MIN`
    is chosen for that). With no week measured at all, the floor is the large run's whole time
    over its weeks and replications.
    """
    per_week_small = max((long.seconds - short.seconds) / (long.weeks - short.weeks), 0.0)
    build = max(short.seconds - short.weeks * per_week_small, 0.0)
    per_week_large = max((large_seconds - build) / long.weeks, per_week_small)
    floor = (per_week_small or large_seconds / long.weeks) / large
    replication = max((per_week_large - per_week_small) / (large - long.replications), floor)
    week = max(per_week_small - replication * long.replications, 0.0)
    return BatchCost(build, week, replication)


def chunks_left(plan: Plan, folder: Path) -> list[int]:
    """The chunks a launch will run: those not already finished (a resume keeps them)."""
    chunks = min(plan.config.explore.chunks, plan.design.points)
    digest = explore_hash(plan.config)
    return [c for c in range(chunks) if not finished(folder, c, digest)]


def runs_seconds(plan: Plan, folder: Path, cost: BatchCost, weeks: int) -> tuple[float, int]:
    """Seconds of computing the chunks left need, on one core, and how many chunks that is."""
    options = plan.config.explore
    runs = 3 if "pressure_effect" in plan.outcomes else 1  # the effect's two runs at low, high
    per_batch = points_per_batch(options)
    left = chunks_left(plan, folder)
    total = 0.0
    for chunk in left:
        rows = plan.table.iloc[chunk_slice(len(plan.table), options.chunks, chunk)]
        for points in rows.groupby("group").size():
            full, rest = divmod(int(points), per_batch)
            batches = [per_batch] * full + ([rest] if rest else [])
            total += runs * sum(cost.seconds(b * options.replications, weeks) for b in batches)
    return total, len(left)


def batch_size(plan: Plan) -> int:
    """The replications of a chunk's largest batch."""
    options = plan.config.explore
    points = -(-plan.design.points // max(min(options.chunks, plan.design.points), 1))
    return min(points, points_per_batch(options)) * options.replications


def first_point(plan: Plan) -> tuple[Config, dict[str, float]]:
    """The design's first point, for the pilot: its group's config and its numeric values."""
    row = plan.table.iloc[0]
    group = next(g for g in plan.groups if g["group"] == int(row["group"]))
    numeric = [k for k in plan.design.space.numeric if k in plan.table.columns]
    return config_from_dict(group["config"]), {k: float(row[k]) for k in numeric}
