"""Benchmark: lockstep replications in one model against plain Mesa, one model per run.

Run from the project root (``make bench`` does this)::

    .venv/bin/python benchmarks/bench_model.py [--replications 10000] [--baseline-runs 300]
                                               [--repeats 5] [--baseline-repeats 3]

On the default scenario with the default config (fictitious_play, once called
quantal_response, for both allies; Washington reactive), it measures:

(a) lockstep: one EscalationModel holding all replications (trajectories kept), timed twice:
    the simulation alone (build + run), and the whole job (simulate, which includes the
    replication table, + the trajectories table + writing replications.parquet and
    trajectories.parquet to a temporary folder);
(b) plain Mesa: the same model class, one model per replication (replications=1,
    keep_trajectories=False), run by ``mesa.batch_run`` in one process;
(c) the ratio of lockstep throughput (replications/s) to plain throughput (runs/s), and whether
    the targets are met: ratio >= 100x, and the whole job for 10,000 replications x 62 weeks
    under 3 s.

Every measurement is preceded by an untimed warm-up; medians over the repeats are reported.
The results are also written as JSON to results/benchmarks/bench_model.json.

``mesa.batchrunner`` sets the multiprocessing ``spawn`` start method process-wide, so it is
imported only under ``if __name__ == "__main__":``.
"""

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pyarrow

from sim.core.model import EscalationModel
from sim.experiment.config import Config, default_config
from sim.experiment.factory import build_model, build_scenario
from sim.experiment.job import REPLICATIONS, TRAJECTORIES, simulate
from sim.experiment.store import write_parquet

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "results" / "benchmarks" / "bench_model.json"
WEEKS = 62  # the default scenario's horizon
RATIO_TARGET = 100.0
JOB_TARGET_S = 3.0
JOB_TARGET_REPLICATIONS = 10_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=10_000, help="lockstep R")
    parser.add_argument("--baseline-runs", type=int, default=300, help="plain Mesa runs")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (lockstep)")
    parser.add_argument(
        "--baseline-repeats",
        type=int,
        default=3,
        help="timed repeats for the plain Mesa baseline (slower, so fewer by default)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="JSON results file")
    parser.add_argument(
        "--no-sweep",
        dest="sweep",
        action="store_false",
        help="skip timing `escalation run -m +experiment=us_pressure` (11 cells)",
    )
    args = parser.parse_args(argv)
    for name in ("replications", "baseline_runs", "repeats", "baseline_repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def lockstep_config(replications: int) -> Config:
    """The default config, with R replications, trajectories kept and no progress bar."""
    config = default_config()
    run = replace(config.run, replications=replications, trajectories=True, progress=False)
    return replace(config, run=run)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def lockstep_simulation(config: Config) -> EscalationModel:
    """Build + run: the simulation alone."""
    model = build_model(config)
    model.run()
    assert model.week == model.weeks == WEEKS, (model.week, model.weeks)
    return model


def lockstep_job(config: Config) -> dict[str, float]:
    """The whole job with trajectories kept; returns the time of each stage in seconds."""
    with tempfile.TemporaryDirectory(prefix="bench_model_") as tmp:
        folder = Path(tmp)
        gc.collect()
        t0 = time.perf_counter()
        result = simulate(config)  # build + run + replication table (+ fan, summary)
        t1 = time.perf_counter()
        model = result.blocks[0].model  # one block up to BLOCK replications
        trajectories = model.recorder.table(model)
        t2 = time.perf_counter()
        write_parquet(result.replications, folder / REPLICATIONS)
        write_parquet(trajectories, folder / TRAJECTORIES)
        t3 = time.perf_counter()
        reps = config.run.replications
        assert len(result.replications) == reps
        assert len(trajectories) == reps * WEEKS * 3
        assert (folder / REPLICATIONS).is_file() and (folder / TRAJECTORIES).is_file()
    return {
        "total": t3 - t0,
        "simulate_and_replication_table": t1 - t0,
        "trajectories_table": t2 - t1,
        "write_parquet": t3 - t2,
    }


def baseline_parameters(config: Config) -> dict:
    """Fixed batch_run parameters: the scenario object loaded once, and the config objects."""
    return {
        "scenario": build_scenario(config.scenario),
        "params": config.model_params,
        "replications": 1,
        "keep_trajectories": False,
    }


def plain_mesa(batch_run: Callable, parameters: dict, seeds: list[int]) -> list[dict]:
    """One model per replication, the plain Mesa way."""
    rows = batch_run(
        EscalationModel,
        parameters=parameters,
        rng=seeds,
        number_processes=1,
        max_steps=WEEKS,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(rows) == len(seeds), (len(rows), len(seeds))
    return rows


def check_batch_run(batch_run: Callable, parameters: dict) -> None:
    """batch_run must pass the Scenario and config objects through unchanged, one run each."""
    rows = plain_mesa(batch_run, parameters, [0, 1])
    for row in rows:
        for key, value in parameters.items():
            assert row[key] is value or row[key] == value, f"batch_run changed {key!r}"
        assert row["Step"] == WEEKS, f"a plain run stopped after {row['Step']} steps"
    # and a plain run gives the same result as building the model by hand
    model = EscalationModel(**parameters, rng=0)
    while model.running and model.steps < WEEKS:
        model.step()
    assert float(model.tension[0]) == rows[0]["tension"], "batch_run run differs from direct run"


SWEEP_CELLS = 11
SWEEP_TARGET_S = 60.0


def us_pressure_sweep(replications: int) -> float:
    """Wall time of the us_pressure sweep run as a user runs it (basic launcher)."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-m",
            "sim",
            "run",
            "-m",
            "+experiment=us_pressure",
            f"run.replications={replications}",
            "run.progress=false",
            f"hydra.sweep.dir={folder}",
        ]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=Path(__file__).parents[1])
        return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine_info() -> dict:
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "mesa": mesa.__version__,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
    }


def fmt_table(rows: list[tuple]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(args: argparse.Namespace, batch_run: Callable) -> dict:
    reps, runs = args.replications, args.baseline_runs
    config = lockstep_config(reps)
    print(
        f"scenario {config.scenario.name}, rules {config.seoul.rule}/{config.tokyo.rule}, "
        f"US {config.us.policy}, seed {config.run.seed}; {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, numpy {np.__version__}, Mesa {mesa.__version__}",
        flush=True,
    )

    # Warm-up (untimed): imports, caches, allocator, pyarrow, one full-size job.
    parameters = baseline_parameters(config)
    check_batch_run(batch_run, parameters)
    plain_mesa(batch_run, parameters, list(range(10)))
    lockstep_simulation(config)
    lockstep_job(config)

    # (a) lockstep
    sim_times, job_stages = [], []
    for i in range(args.repeats):
        seconds, model = timed(lambda: lockstep_simulation(config))
        del model
        sim_times.append(seconds)
        job_stages.append(lockstep_job(config))
        print(
            f"  lockstep repeat {i + 1}/{args.repeats}: simulation {seconds:.3f} s, "
            f"whole job {job_stages[-1]['total']:.3f} s",
            flush=True,
        )
    job_times = [s["total"] for s in job_stages]

    # (b) plain Mesa baseline
    seeds = [config.run.seed + k for k in range(runs)]
    base_times = []
    for i in range(args.baseline_repeats):
        seconds, rows = timed(lambda: plain_mesa(batch_run, parameters, seeds))
        del rows
        base_times.append(seconds)
        print(
            f"  plain Mesa repeat {i + 1}/{args.baseline_repeats}: {runs} runs in {seconds:.3f} s",
            flush=True,
        )

    # (c) summary
    sim_s, job_s, base_s = median(sim_times), median(job_times), median(base_times)
    sim_rate, job_rate, base_rate = reps / sim_s, reps / job_s, runs / base_s
    ratio_sim, ratio_job = sim_rate / base_rate, job_rate / base_rate
    stages = {k: median([s[k] for s in job_stages]) for k in job_stages[0]}

    rows = [
        ("method", "replications", "median s", "runs/s", "x plain"),
        (
            "lockstep: simulation (build + run)",
            f"{reps:,}",
            f"{sim_s:.3f}",
            f"{sim_rate:,.0f}",
            f"{ratio_sim:,.0f}x",
        ),
        (
            "lockstep: whole job incl. writing",
            f"{reps:,}",
            f"{job_s:.3f}",
            f"{job_rate:,.0f}",
            f"{ratio_job:,.0f}x",
        ),
        (
            "plain Mesa batch_run, 1 process",
            f"{runs:,}",
            f"{base_s:.3f}",
            f"{base_rate:,.1f}",
            "1x",
        ),
    ]
    print()
    print(
        f"{WEEKS} weeks; lockstep with trajectories kept; medians of {args.repeats} "
        f"(lockstep) and {args.baseline_repeats} (plain) repeats"
    )
    print(fmt_table(rows))
    print(
        "whole-job stages (median s): "
        + ", ".join(f"{k.replace('_', ' ')} {v:.3f}" for k, v in stages.items() if k != "total")
    )

    ratio_met = ratio_sim >= RATIO_TARGET
    job_target_applies = reps == JOB_TARGET_REPLICATIONS
    job_met = job_s < JOB_TARGET_S if job_target_applies else None
    print()
    print(
        f"target ratio >= {RATIO_TARGET:.0f}x (lockstep simulation vs plain Mesa): "
        f"{ratio_sim:,.0f}x -> {'MET' if ratio_met else 'NOT MET'}"
        f" (whole job incl. writing vs plain: {ratio_job:,.0f}x)"
    )
    if job_target_applies:
        print(
            f"target {JOB_TARGET_REPLICATIONS:,} replications x {WEEKS} weeks, trajectories kept,"
            f" whole job incl. writing < {JOB_TARGET_S:.0f} s: {job_s:.3f} s -> "
            f"{'MET' if job_met else 'NOT MET'}"
        )
    else:
        print(
            f"target whole job < {JOB_TARGET_S:.0f} s is defined for "
            f"{JOB_TARGET_REPLICATIONS:,} replications; not evaluated at {reps:,}"
        )

    sweep = None
    if args.sweep:
        sweep_s = us_pressure_sweep(reps)
        plain_s = SWEEP_CELLS * reps / base_rate
        sweep = {
            "what": f"escalation run -m +experiment=us_pressure run.replications={reps} "
            "(11 cells, basic launcher, whole command incl. Hydra and writing)",
            "seconds": sweep_s,
            "plain_mesa_estimate_s": plain_s,
            "ratio_vs_plain": plain_s / sweep_s,
            "target_under_s": SWEEP_TARGET_S,
            "met": sweep_s < SWEEP_TARGET_S,
        }
        print(
            f"us_pressure sweep, {SWEEP_CELLS} cells x {reps:,} replications: {sweep_s:.1f} s "
            f"(the same runs the plain Mesa way: ~{plain_s:,.0f} s, {plain_s / sweep_s:,.0f}x); "
            f"target < {SWEEP_TARGET_S:.0f} s -> {'MET' if sweep['met'] else 'NOT MET'}"
        )

    results = {
        "benchmark": "bench_model",
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {
            "scenario": config.scenario.name,
            "weeks": WEEKS,
            "seed": config.run.seed,
            "rules": {"seoul": config.seoul.rule, "tokyo": config.tokyo.rule},
            "us_policy": config.us.policy,
            "replications": reps,
            "baseline_runs": runs,
            "repeats": args.repeats,
            "baseline_repeats": args.baseline_repeats,
        },
        "lockstep_simulation": {
            "what": "build_model + model.run, trajectories kept",
            "median_s": sim_s,
            "replications_per_s": sim_rate,
            "times_s": sim_times,
        },
        "lockstep_job": {
            "what": "simulate (incl. replication table) + trajectories table + writing "
            "replications.parquet and trajectories.parquet",
            "median_s": job_s,
            "replications_per_s": job_rate,
            "median_stages_s": stages,
            "times_s": job_times,
        },
        "plain_mesa": {
            "what": "mesa.batch_run, one EscalationModel per run (replications=1, "
            "keep_trajectories=False), number_processes=1",
            "median_s": base_s,
            "runs_per_s": base_rate,
            "times_s": base_times,
        },
        "ratio": {"simulation_vs_plain": ratio_sim, "job_vs_plain": ratio_job},
        "us_pressure_sweep": sweep,
        "targets": {
            "ratio_at_least": RATIO_TARGET,
            "ratio_met": ratio_met,
            "job_under_s": JOB_TARGET_S,
            "job_target_replications": JOB_TARGET_REPLICATIONS,
            "job_met": job_met,
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults: {args.output}")
    return results


if __name__ == "__main__":
    from mesa.batchrunner import batch_run  # sets the 'spawn' start method process-wide

    main(parse_args(), batch_run)
