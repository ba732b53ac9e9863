"""Benchmark: peak memory, time and disk of `escalation run` as replications grow.

Run from the project root::

    .venv/bin/python benchmarks/bench_memory.py [--replications 1000000] [--baseline 10000]
                                                [--huge] [--output PATH]

Each case is the real command, ``escalation run run.replications=N`` with or without
trajectories, in its own process; its peak resident memory is the kernel's ``ru_maxrss`` of
that process (``os.wait4``). The baseline is the same command at ``--baseline`` replications,
run in the same session, so the ratios compare like with like. ``--huge`` adds 10 million
replications without trajectories (about 15 minutes on a 2-core machine). Every case is set
beside the estimate `sim.experiment.budget.run_budget` prints before a large run. Results go to
results/benchmarks/bench_memory.json.

Targets (issue 12): 1,000,000 replications with trajectories under 4 GB peak; 10,000,000
without trajectories completes (or is refused with an estimate).
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.experiment.blocks import BLOCK
from sim.experiment.budget import run_budget

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "results" / "benchmarks" / "bench_memory.json"
WEEKS = 62
TARGET_BYTES = 4e9


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--huge", action="store_true", help="add 1e7 without trajectories")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    return parser.parse_args(argv)


def measure(replications: int, trajectories: bool) -> dict:
    """Run the command once in a child process; its peak RSS, wall time, exit and file sizes."""
    with tempfile.TemporaryDirectory(prefix="bench_memory_") as tmp:
        folder = Path(tmp) / "run"
        command = [sys.executable, "-m", "sim", "run", f"run.replications={replications}"]
        command += [f"run.trajectories={str(trajectories).lower()}", "run.progress=false"]
        command += [f"hydra.run.dir={folder}"]
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        out, err = child.communicate()
        files = {p.name: p.stat().st_size for p in folder.glob("*.parquet")}
    estimate = run_budget(replications, WEEKS, trajectories, BLOCK)
    return {
        "replications": replications,
        "trajectories": trajectories,
        "exit_status": os.waitstatus_to_exitcode(status),
        "peak_rss_bytes": usage.ru_maxrss * 1024,
        "wall_s": round(seconds, 2),
        "files_bytes": files,
        "estimate": {"memory": estimate.memory, "disk": estimate.disk, "seconds": estimate.seconds},
        "stderr_tail": err.decode(errors="replace")[-500:],
        "stdout_head": out.decode(errors="replace")[:300],
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    cases = [
        (args.baseline, True),
        (args.replications, True),
        (args.baseline, False),
        (args.replications, False),
    ]
    if args.huge:
        cases.append((10 * args.replications, False))
    results = []
    for replications, trajectories in cases:
        print(f"running {replications:,} replications, trajectories={trajectories} ...", flush=True)
        results.append(measure(replications, trajectories))
    baseline = {r["trajectories"]: r for r in results if r["replications"] == args.baseline}
    print(
        f"\n{'replications':>12} {'traj':>5} {'peak RSS':>10} {'x base':>7} {'wall s':>8} "
        f"{'disk MB':>8} {'est. GB':>8} exit"
    )
    for r in results:
        base = baseline[r["trajectories"]]
        r["rss_ratio_to_baseline"] = round(r["peak_rss_bytes"] / base["peak_rss_bytes"], 2)
        disk = sum(r["files_bytes"].values()) / 1e6
        print(
            f"{r['replications']:>12,} {str(r['trajectories']):>5} "
            f"{r['peak_rss_bytes'] / 1e9:>8.2f} GB {r['rss_ratio_to_baseline']:>7.2f} "
            f"{r['wall_s']:>8.1f} {disk:>8.0f} {r['estimate']['memory'] / 1e9:>8.2f} "
            f"{r['exit_status']}"
        )
    big = next(r for r in results if r["replications"] == args.replications and r["trajectories"])
    met = big["exit_status"] == 0 and big["peak_rss_bytes"] < TARGET_BYTES
    print(
        f"\n{args.replications:,} with trajectories under 4 GB peak: {'met' if met else 'NOT met'}"
    )
    report = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "block": BLOCK,
        "target_bytes": TARGET_BYTES,
        "target_met": met,
        "cases": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {args.output}")


if __name__ == "__main__":
    main()
