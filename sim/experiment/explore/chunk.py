"""One chunk: a Hydra job that evaluates a contiguous slice of the design and writes it.

A chunk's points are grouped by their categorical levels (each group one model config), and
each group is evaluated in lockstep batches. Random numbers come from the run's seed, the chunk
and the group alone, so the numbers do not depend on the launcher or the order jobs run in.
A finished chunk leaves ``chunks/<c>/outcomes.parquet`` and, last, ``chunk.json`` with its
config hash and file size; re-running the exploration keeps finished chunks.
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiment.explore.models import evaluator
from sim.experiment.explore.options import ExploreJobConfig
from sim.experiment.explore.plan import DESIGN, explore_hash, read_groups
from sim.experiment.store import write_json, write_parquet

CHUNKS = "chunks"
CHUNK_OUTCOMES = "outcomes.parquet"
CHUNK_DONE = "chunk.json"


def chunk_slice(points: int, chunks: int, chunk: int) -> slice:
    """The rows of ``chunk`` when ``points`` design rows are split into ``chunks`` parts."""
    parts = max(min(chunks, points), 1)
    if chunk >= parts:
        return slice(points, points)
    edges = np.linspace(0, points, parts + 1).round().astype(int)
    return slice(int(edges[chunk]), int(edges[chunk + 1]))


def chunk_folder(folder: Path, chunk: int) -> Path:
    """Where chunk ``chunk`` writes."""
    return Path(folder) / CHUNKS / str(chunk)


@dataclass
class ChunkResult:
    """What a chunk job reports: its number, its points, whether it was kept, its time."""

    chunk: int
    points: int
    kept: bool
    seconds: float


def finished(folder: Path, chunk: int, digest: str) -> bool:
    """Whether chunk ``chunk`` is complete for this config (hash and file size match)."""
    path = chunk_folder(folder, chunk) / CHUNK_DONE
    if not path.is_file():
        return False
    try:
        done = json.loads(path.read_text())
    except json.JSONDecodeError:
        return False
    table = chunk_folder(folder, chunk) / CHUNK_OUTCOMES
    return (
        done.get("config_hash") == digest
        and table.is_file()
        and table.stat().st_size == done.get("size")
    )


def evaluate_chunk(config: ExploreJobConfig, folder: Path) -> pd.DataFrame:
    """The outcomes of this job's chunk of the design, one row per point, in point order."""
    options = config.explore
    design = pd.read_parquet(Path(folder) / DESIGN)
    rows = design.iloc[chunk_slice(len(design), options.chunks, options.chunk)]
    groups = read_groups(folder)
    model = evaluator(options)
    numeric = [
        c for c in design.columns if c not in ("point", "group") and design[c].dtype.kind in "fiu"
    ]
    parts = [pd.DataFrame({"point": pd.Series(dtype=int)})]
    for group, points in rows.groupby("group", sort=True):
        seed = np.random.SeedSequence([config.run.seed, options.chunk, int(group)])
        outcomes = model.evaluate(groups[int(group)], points[numeric].reset_index(drop=True), seed)
        outcomes.insert(0, "point", points["point"].to_numpy())
        parts.append(outcomes)
    return pd.concat(parts, ignore_index=True).sort_values("point", ignore_index=True)


def run_chunk(config: ExploreJobConfig, folder: Path) -> ChunkResult:
    """Evaluate and write this job's chunk, unless it is already finished (resume)."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    chunk = config.explore.chunk
    digest = explore_hash(config)
    if finished(folder, chunk, digest):
        done = json.loads((chunk_folder(folder, chunk) / CHUNK_DONE).read_text())
        return ChunkResult(chunk, done["points"], True, 0.0)
    table = evaluate_chunk(config, folder)
    out = chunk_folder(folder, chunk)
    path = write_parquet(table, out / CHUNK_OUTCOMES)
    seconds = round(time.perf_counter() - t0, 3)
    record = {
        "chunk": chunk,
        "points": len(table),
        "config_hash": digest,
        "size": path.stat().st_size,
        "seconds": seconds,
        "cpu_seconds": round(time.process_time() - cpu0, 3),
    }
    write_json(record, out / CHUNK_DONE)
    return ChunkResult(chunk, len(table), False, seconds)
