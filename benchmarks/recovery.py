"""Study: simulate and recover. Do the posterior's 90% intervals cover the true values?

Run from the project root (about 2.5 minutes a repeat on one core; 65 to 90 minutes for 50
repeats with ``--jobs 2`` on these 2-core machines)::

    .venv/bin/python benchmarks/recovery.py [--repeats 50] [--seed 0] [--jobs 2]
        [--walkers 24 --steps 2500 --burn 1000 --popsize 8 --maxiter 60] [--truth posterior]

The truth is the fitted model (conf/fit/gsomia_2019.yaml), or with ``--truth posterior`` one
draw of its posterior per repeat (chosen by the repeat's seed), so that truths on a flat ridge or
near a bound of the box are as likely as the posterior makes them; each repeat simulates one
2018-2019 history from its truth, fits it by the calibration's method with smaller settings
(`sim.analysis.recovery.RecoverySettings`, or the options given) and checks each parameter's
central 90% interval (and, as a second reading, its 90% highest-density interval): the fitted
keys' and the conduct's, which the posterior samples with them (the truth's conduct is the
fit's, or the draw's).
With ``--params`` (entries as in conf/calibrate.yaml, e.g. ``KEY+TWIN`` ties) the study
recovers another key set instead: its truth is that set's ML fit on 2019 (the calibration's
method and settings; ``--truth fit`` only), e.g. the symmetric variant of
benchmarks/loco_variants.py.
Writes results/benchmarks/recovery.parquet (one row per repeat and key) and recovery.json
(coverage per key and overall), and prints the coverage table.

Each repeat is kept in ``OUTPUT/recovery_repeats/`` as it finishes. Stopped (Ctrl-C) and run
again with the same options, the study goes on from the repeats it has; each repeat has its own
seed, so the numbers are those of one uninterrupted run. Other options, or a fit changed in
between, are refused with one line: give another ``--output``.
"""

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from sim.analysis.case import build_case
from sim.analysis.fit import fit_ml
from sim.analysis.posterior import joint_space
from sim.analysis.recovery import (
    RecoverySettings,
    StudyMismatchError,
    check_truth,
    coverage,
    open_study,
    recover,
    save_repeat,
)
from sim.analysis.space import Space
from sim.core.fitted import fit_record, fitted_params, posterior_draws
from sim.core.params import lookup
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import default_config
from sim.experiment.store import write_json, write_parquet

ROOT = Path(__file__).resolve().parents[1]


def refit(config, entries: list[str]):
    """The ML fit of ``entries`` on 2019 as `escalation calibrate` fits it: its parameters."""
    space = Space.of(config.model_params, entries)
    c = config.calibrate
    fit = fit_ml(space, (build_case(config).episode(),), config.run.seed, c.popsize, c.maxiter)
    print(f"truth: the ML fit of {', '.join(entries)} (log L {fit.loglik:.2f})", flush=True)
    return fit.conduct.apply(space.apply(fit.coordinates))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=str(ROOT / "results/benchmarks"))
    parser.add_argument("--jobs", type=int, default=1, help="repeats run in parallel (joblib)")
    parser.add_argument(
        "--truth", choices=("fit", "posterior"), default="fit", help="the ML fit or posterior draws"
    )
    parser.add_argument(
        "--params",
        default=None,
        help="comma-separated params entries to recover instead of the committed fit's keys",
    )
    defaults = RecoverySettings()
    for name in ("popsize", "maxiter", "walkers", "steps", "burn", "thin"):
        parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
    options = parser.parse_args()

    config = default_config(["run.progress=false", "fit=none"], "calibrate")
    if options.params is not None:
        if options.truth != "fit":
            parser.error("--params recovers its own ML fit: use it with --truth fit")
        truth_params = refit(config, options.params.split(","))
    else:
        if fit_record() is None:
            raise SystemExit("no fit to recover: run `escalation calibrate` first")
        truth_params = fitted_params()
    entries = options.params.split(",") if options.params else list(config.params)
    space = Space.of(truth_params, entries)
    keys = joint_space(space).keys  # the fitted keys and the conduct's
    truth = np.array([float(lookup(truth_params, key)[1]) for key in keys])
    scenario = load_scenario("gsomia_2019")
    draws = posterior_draws() if options.truth == "posterior" else None
    if options.truth == "posterior" and draws is None:
        raise SystemExit("no posterior draws to recover: run `escalation calibrate` first")

    def truth_of(repeat: int) -> np.ndarray:
        if draws is None:
            return truth
        row = np.random.default_rng(options.seed + repeat).integers(len(draws))
        return draws[keys].to_numpy(float)[row]

    started = time.perf_counter()

    def progress(done: int, total: int, fresh: int) -> None:
        """``fresh`` of the ``done`` repeats ran in this process: the pace for what is left."""
        elapsed = time.perf_counter() - started
        left = elapsed / fresh * (total - done) / 60
        print(f"repeat {done}/{total} ({elapsed:.0f} s; about {left:.0f} min left)", flush=True)

    settings = RecoverySettings(
        options.popsize, options.maxiter, options.walkers, options.steps, options.burn, options.thin
    )

    folder = Path(options.output)
    parts = folder / "recovery_repeats"
    manifest = {
        "seed": options.seed,
        "truth": options.truth,
        "params": entries,
        "keys": list(keys),
        "settings": dataclasses.asdict(settings),
    }
    try:
        tables = open_study(parts, manifest)
        for repeat, table in tables.items():
            check_truth(parts, repeat, table, truth_of(repeat))
    except StudyMismatchError as error:
        raise SystemExit(f"error: {error}") from None
    tables = {repeat: t for repeat, t in tables.items() if repeat < options.repeats}
    if tables:
        print(f"going on from {len(tables)} finished repeats in {parts}", flush=True)

    def one(repeat: int) -> tuple[int, pd.DataFrame]:  # each its own seed, whatever the worker
        table = recover(space, truth_of(repeat), scenario, 1, options.seed + repeat, settings)
        return repeat, table.assign(repeat=repeat)

    missing = [repeat for repeat in range(options.repeats) if repeat not in tables]
    resumed = len(tables)
    try:
        for repeat, table in Parallel(n_jobs=options.jobs, return_as="generator_unordered")(
            delayed(one)(repeat) for repeat in missing
        ):
            save_repeat(parts, repeat, table)
            tables[repeat] = table
            progress(len(tables), options.repeats, len(tables) - resumed)
    except KeyboardInterrupt:
        raise SystemExit(
            f"stopped: {len(tables)} of {options.repeats} repeats kept in {parts};"
            " run the same command to go on"
        ) from None
    table = pd.concat([tables[r] for r in sorted(tables)], ignore_index=True)
    result = coverage(table)
    print(result.to_string())
    write_parquet(table, folder / "recovery.parquet")
    summary = {
        "repeats": options.repeats,
        "repeats_resumed": resumed,
        "seed": options.seed,
        "truth": options.truth,
        "params": entries,
        "settings": dataclasses.asdict(settings),
        "seconds": time.perf_counter() - started,
        "coverage": result["coverage"].to_dict(),
        "coverage_hdi": result["coverage_hdi"].to_dict(),
        "median_r_hat": None if table["r_hat"].isna().all() else float(table["r_hat"].median()),
    }
    write_json(summary, folder / "recovery.json")


if __name__ == "__main__":
    main()
