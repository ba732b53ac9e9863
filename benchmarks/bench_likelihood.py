"""Benchmark: exact likelihood evaluations per second on the 2019 sequence, and the fits' times.

Run from the project root::

    .venv/bin/python benchmarks/bench_likelihood.py [--repeats 5]

It measures, on the 2019 events file (61 weeks) with the default model (fictitious play):

(a) single evaluations: one teacher-forced model run per parameter vector (R = 1);
(b) batched evaluations: one run scores 64 parameter vectors (R = 64), as the fits do, and
    checks that every batched score equals its single evaluation;
(c) a posterior's call: half the ensemble of conf/calibrate.yaml's walkers scored in one run
    over the joint space (the fitted keys and the conduct, a value of each per walker), as
    emcee's differential-evolution move scores them (its snooker move, a quarter); in
    milliseconds, since a call costs mostly the run's fixed work per week, whatever the number
    of walkers;
(d) the wall time of the ML fit (differential evolution + L-BFGS-B) and of the posterior
    (emcee, the joint posterior of the keys and the conduct with the calibration's own
    settings, conf/calibrate.yaml), each in this process (not with ``--skip-fits``).

Medians over the repeats; the machine is shared and noisy, so ratios to (a) are reported too.
Results go to results/benchmarks/bench_likelihood.json.
"""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from sim.analysis.case import load_case_events
from sim.analysis.fit import MovesObjective, fit_ml
from sim.analysis.posterior import joint_space, sample_posterior
from sim.analysis.space import Space
from sim.experiment.config import default_config

ROOT = Path(__file__).resolve().parents[1]


def timed(function) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def posterior_call(config, case, repeats: int) -> float:
    """Median seconds of one posterior call: half the walkers, random points of the joint space."""
    space = joint_space(Space.of(config.model_params, list(config.params)))
    objective = MovesObjective(space, (case.episode(),), acts=True)
    rng = np.random.default_rng(1)
    walkers = config.calibrate.walkers // 2
    width = (space.high - space.low)[:, None]
    points = space.low[:, None] + rng.random((len(space), walkers)) * width
    objective.loglik(points)  # the first run builds the repertoires' cached tables
    return statistics.median(timed(lambda: objective.loglik(points)) for _ in range(4 * repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--skip-fits", action="store_true")
    parser.add_argument("--output", default=str(ROOT / "results/benchmarks/bench_likelihood.json"))
    options = parser.parse_args()

    config = default_config(["run.progress=false", "fit=none"], "calibrate")
    case = load_case_events("gsomia_2019")
    space = Space.of(config.model_params, list(config.params))
    objective = MovesObjective(space, (case.episode(),))
    rng = np.random.default_rng(0)
    batch = (
        space.low[:, None]
        + rng.random((len(space), options.batch)) * (space.high - space.low)[:, None]
    )

    singles = [timed(lambda: objective.loglik(batch[:, :1])) for _ in range(options.repeats)]
    batched = [timed(lambda: objective.loglik(batch)) for _ in range(options.repeats)]
    together = objective.loglik(batch)
    apart = np.array([objective.loglik(batch[:, i : i + 1])[0] for i in range(options.batch)])
    results = {
        "machine": platform.platform(),
        "single_per_second": 1 / statistics.median(singles),
        "batched_per_second": options.batch / statistics.median(batched),
        "batch": options.batch,
        "batched_equals_single_max_difference": float(np.abs(together - apart).max()),
    }
    results["batched_over_single"] = results["batched_per_second"] / results["single_per_second"]
    results["posterior_call_ms"] = 1000 * posterior_call(config, case, options.repeats)
    if not options.skip_fits:
        start = time.perf_counter()
        ml = fit_ml(space, (case.episode(),), 2019)
        results["ml_fit_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        c = config.calibrate
        sample_posterior(space, (case.episode(),), ml, c.walkers, c.steps, c.burn, c.thin, 2019)
        results["posterior_seconds"] = time.perf_counter() - start
    for key, value in results.items():
        print(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
    Path(options.output).parent.mkdir(parents=True, exist_ok=True)
    Path(options.output).write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {options.output}")


if __name__ == "__main__":
    main()
