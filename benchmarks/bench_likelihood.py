"""Benchmark: likelihood evaluations per second on the 2019 sequence, and the default calibration.

Run from the project root::

    .venv/bin/python benchmarks/bench_likelihood.py [--repeats 5] [--evaluations 60]

It measures, on the 2019 events file (61 weeks) with the calibration's config (q_learning for
both allies):

(a) one teacher-forced model run with every recorder on (`forced_probabilities(record=True)`);
(b) one teacher-forced run as scoring does it (recorders off): a likelihood evaluation at a new
    value of a structural parameter (rationality, a payoff term);
(c) an evaluation at a new activity or noise, mixed into cached intents (no model run);
(d) the wall time of the default calibration, ``escalation calibrate`` in a fresh process
    (presets written to a temporary folder, so the committed ones stay as they are), with its
    own breakdown (fit, intervals, hold-out, report) and count of model runs.

Medians over the repeats; the results are also written as JSON to
results/benchmarks/bench_likelihood.json.
"""

import argparse
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.analysis.compare import build_case
from sim.analysis.likelihood import TeacherForcing, forced_probabilities
from sim.experiment.config import default_config

ROOT = Path(__file__).resolve().parents[1]


def rate(function, evaluations: int, repeats: int) -> tuple[float, list[float]]:
    """Median evaluations per second of ``function(i)`` over ``repeats`` timed blocks."""
    function(-1)  # warm-up
    rates = []
    for repeat in range(repeats):
        start = time.perf_counter()
        for i in range(evaluations):
            function(repeat * evaluations + i)
        rates.append(evaluations / (time.perf_counter() - start))
    return statistics.median(rates), rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--evaluations", type=int, default=60)
    parser.add_argument("--calibrations", type=int, default=1)
    parser.add_argument("--output", default=str(ROOT / "results/benchmarks/bench_likelihood.json"))
    options = parser.parse_args()

    config = default_config(["run.progress=false"], "calibrate")
    case = build_case(config)

    def recorded(i: int) -> None:
        tokyo = dataclasses.replace(config.tokyo, rationality=1.0 + 1e-6 * i)
        forced_probabilities(
            dataclasses.replace(config, tokyo=tokyo), case.scenario, case.real, record=True
        )

    scorer = TeacherForcing(case.scenario, case.real, cache=1)

    def structural(i: int) -> None:
        tokyo = dataclasses.replace(config.tokyo, rationality=1.0 + 1e-6 * i)
        scorer.log_probabilities(dataclasses.replace(config, tokyo=tokyo))

    cached = TeacherForcing(case.scenario, case.real)

    def post_hoc(i: int) -> None:
        seoul = dataclasses.replace(config.seoul, activity=0.2 + 1e-6 * (i % 1000))
        cached.log_probabilities(dataclasses.replace(config, seoul=seoul))

    rows = {}
    for name, function, n in (
        ("forced run, recorders on", recorded, options.evaluations),
        ("likelihood, new structural value", structural, options.evaluations),
        ("likelihood, new activity or noise", post_hoc, 20 * options.evaluations),
    ):
        median, rates = rate(function, n, options.repeats)
        rows[name] = {"per_second": median, "repeats": rates}
        print(f"{name:<36} {median:10.1f} evaluations/s  ({1000 / median:.2f} ms each)")

    calibrations = []
    for _ in range(options.calibrations):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "sim",
                    "calibrate",
                    f"calibrate.conf_dir={folder}/conf",
                    f"hydra.run.dir={folder}/run",
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - start
            if done.returncode:
                sys.exit(done.stderr)
            report = json.loads((Path(folder) / "run/calibration.json").read_text())
        calibrations.append(
            {
                "wall_s": wall,
                "timings_s": report["timings_s"],
                "model_runs": report["evaluations"]["model_runs"],
                "likelihood_evaluations": report["evaluations"]["likelihood_evaluations"],
                "loglik": report["loglik"]["model"]["total"],
            }
        )
        print(
            f"default calibration: {wall:.1f} s wall ({report['timings_s']}), "
            f"{report['evaluations']['model_runs']} model runs, "
            f"log-likelihood {report['loglik']['model']['total']:.3f}"
        )
    wall = statistics.median(c["wall_s"] for c in calibrations)
    print(f"target: default calibration under 60 s -> {'met' if wall < 60 else 'NOT met'}")

    output = Path(options.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "likelihood": rows,
                "calibration": calibrations,
                "calibration_wall_s": wall,
                "target_met": wall < 60,
                "weeks": case.weeks,
                "machine": {
                    "python": platform.python_version(),
                    "numpy": np.__version__,
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "load_average": os.getloadavg(),
                },
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written: {output}")


if __name__ == "__main__":
    main()
