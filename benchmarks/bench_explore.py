"""Benchmark: a Sobol exploration of every hand-set input, N = 1024, 100 replications a point.

Run from the project root::

    .venv/bin/python benchmarks/bench_explore.py [--launchers joblib,ray,basic] [--n 1024]
                                                 [--replications 100] [--baseline-points 200]

It times the whole command a researcher runs, ``escalation explore`` with the default preset
(41 inputs with the fitted default model: 44,032 design points x 100 replications, each point
also run at the two pressure levels of the pressure effect on common random numbers, so about
13.2 million simulated replications), from Hydra's start-up to the last figure, once per
launcher: joblib and Ray with 2 workers (``--launchers joblib,ray,basic`` adds one process).
Each chunk job records its CPU seconds, so a run slowed by other work on a shared machine
still shows what it costs.
The design baseline runs a sample of the same design points the plain way, one model (of
100 replications, and its two pressure-effect runs) per point, and extrapolates to the whole
design. Target: under 600 s on a 2-core machine. Results go to
results/benchmarks/bench_explore.json, written after each launcher with ``"complete": false``
and the launchers timed so far (a run stopped later keeps them), and whole at the end
(``"complete": true``).
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

import numpy as np
import pandas as pd

from sim.experiment.config import default_config
from sim.experiment.explore.models import EscalationEvaluator
from sim.experiment.explore.options import ExploreOptions

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "results" / "benchmarks" / "bench_explore.json"
TARGET_S = 600.0
LAUNCHERS = {
    "basic": [],  # one process: add it with --launchers joblib,ray,basic
    "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "ray": [
        "hydra/launcher=ray",
        "+hydra.launcher.ray.init.num_cpus=2",
    ],
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--launchers", default="joblib,ray")
    parser.add_argument("--n", type=int, default=1024, help="Saltelli base sample")
    parser.add_argument("--replications", type=int, default=100, help="per design point")
    parser.add_argument("--baseline-points", type=int, default=200)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    return parser.parse_args(argv)


def check_launchers(launchers: list[str]) -> None:
    """Stop at once on a launcher that is unknown or not installed (before minutes of runs)."""
    import importlib.util

    for name in launchers:
        if name not in LAUNCHERS:
            known = ", ".join(LAUNCHERS)
            sys.exit(f"bench_explore: unknown launcher {name!r}; choose among {known}")
        if name == "ray" and importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None:
            sys.exit(
                "bench_explore: the ray launcher is not installed; run `make setup-dev` (or "
                "`pip install -e .[ray]`), or give --launchers joblib"
            )


def run_explore(launcher: str, folder: Path, n: int, replications: int) -> float:
    """Wall time of one whole `escalation explore` command."""
    extra = list(LAUNCHERS[launcher])
    env = dict(os.environ)
    temp = None
    if launcher == "ray":
        temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
        extra.append(f"+hydra.launcher.ray.init._temp_dir={temp}")
        env["RAY_AUTH_MODE"] = "disabled"
    command = [
        sys.executable,
        "-m",
        "sim",
        "explore",
        f"hydra.sweep.dir={folder}",
        f"explore.design.n={n}",
        f"explore.replications={replications}",
        *extra,
    ]
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:  # the command's own one-line error, not a CalledProcessError
        said = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        sys.exit(f"bench_explore: the {launcher} launcher's run failed: {said}")
    if temp:
        subprocess.run(["rm", "-rf", temp], check=False)
    return seconds


def design_baseline(folder: Path, points: int, replications: int) -> tuple[float, float]:
    """Wall and CPU seconds per design point when each point is its own model (the plain way)."""
    design = pd.read_parquet(folder / "design.parquet")
    sample = design.sample(points, random_state=1)
    numeric = [c for c in design.columns if c not in ("point", "group")]
    config = default_config(["run.progress=false", "run.trajectories=false"])
    model = EscalationEvaluator(ExploreOptions(replications=replications, batch=replications))
    t0, cpu0 = time.perf_counter(), time.process_time()
    for k in range(points):
        row = sample.iloc[[k]][numeric].reset_index(drop=True)
        model.evaluate(config, row, np.random.SeedSequence(k))
    return (time.perf_counter() - t0) / points, (time.process_time() - cpu0) / points


def write(output: Path, result: dict) -> None:
    """Write ``result`` whole or not at all (a file beside it, then renamed over it)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    partial.write_text(json.dumps(result, indent=2) + "\n")
    partial.replace(output)


def so_far(args: argparse.Namespace, timings: dict, cpu: dict) -> dict:
    """What a run stopped after these launchers leaves: their times, marked incomplete."""
    return {
        "complete": False,
        "date": dt.date.today().isoformat(),
        "n": args.n,
        "replications_per_point": args.replications,
        "launchers_timed": {
            name: {"seconds": round(s, 1), "chunk_cpu_s": round(cpu[name], 1)}
            for name, s in timings.items()
        },
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    launchers = [name for name in args.launchers.split(",") if name]
    check_launchers(launchers)
    timings, cpu = {}, {}
    with tempfile.TemporaryDirectory() as scratch:
        indices = {}
        for launcher in launchers:
            folder = Path(scratch) / launcher
            timings[launcher] = run_explore(launcher, folder, args.n, args.replications)
            indices[launcher] = pd.read_parquet(folder / "indices.parquet")
            chunks = [json.loads(p.read_text()) for p in folder.glob("chunks/*/chunk.json")]
            cpu[launcher] = sum(c.get("cpu_seconds", np.nan) for c in chunks)
            print(f"{launcher}: {timings[launcher]:.1f} s", flush=True)
            write(args.output, so_far(args, timings, cpu))
        first = Path(scratch) / launchers[0]
        manifest = json.loads((first / "explore.json").read_text())
        per_point, cpu_per_point = design_baseline(first, args.baseline_points, args.replications)
        same = all(indices[k].equals(indices[launchers[0]]) for k in launchers)
    points = manifest["points"]
    plain = per_point * points
    replications = points * args.replications * 3
    best = min(timings.values())
    full_size = args.n >= 1024 and args.replications >= 100
    rows = [
        {
            "method": f"escalation explore, {name} launcher",
            "seconds": round(s, 1),
            "replications_per_s": round(replications / s),
            "x_plain": round(plain / s, 1),
            "chunk_cpu_s": round(cpu[name], 1),
        }
        for name, s in timings.items()
    ]
    rows.append(
        {
            "method": "one model per design point (extrapolated, 1 process)",
            "seconds": round(plain, 1),
            "replications_per_s": round(replications / plain),
            "x_plain": 1.0,
            "chunk_cpu_s": round(cpu_per_point * points, 1),
        }
    )
    result = {
        "complete": True,
        "date": dt.date.today().isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_at_end": os.getloadavg(),
        },
        "inputs": len(manifest["inputs"]),
        "n": args.n,
        "points": points,
        "replications_per_point": args.replications,
        "simulated_replications": replications,
        "rows": rows,
        "identical_indices_across_launchers": same,
        "chunk_cpu_s_per_million_replications": {
            name: round(cpu[name] / replications * 1e6, 1) for name in timings
        },
        "target_s": TARGET_S,
        "target_met": best < TARGET_S if full_size else None,
        "baseline_points_timed": args.baseline_points,
    }
    write(args.output, result)
    print(pd.DataFrame(rows).to_string(index=False))
    verdict = {True: "met", False: "NOT met", None: "applies at n >= 1024 only"}
    print(
        f"same indices on every launcher: {same}; target < {TARGET_S:.0f} s: "
        f"{verdict[result['target_met']]} ({best:.0f} s)"
    )
    per_million = min(result["chunk_cpu_s_per_million_replications"].values())
    print(f"chunk CPU per million simulated replications: {per_million:.1f} s")
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
