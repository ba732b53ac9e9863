"""Study: which rule family, by the evidence rather than by AIC.

Run from the project root (half a minute to 7 minutes a run on one core; the eight models and
two seeds take about 15 minutes with ``--jobs 2`` on these 2-core machines)::

    .venv/bin/python benchmarks/evidence.py [--jobs 2] [--seeds 2] [--live 200]
        [--rules RULE,... | --rules none] [--baselines] [--output results/benchmarks/evidence.json]

For each model (a rule for both sides and a set of keys) estimates the log evidence of the
2018-2019 moves and acts (`sim.analysis.evidence.log_evidence`: the flat prior on each key's
box in its search coordinate, the conduct's six parameters integrated over too), once per
seed, and prints log Z (mean and spread over the seeds), the best log-likelihood the sampler
met and the log Bayes factor against the table's first model (fictitious play with its
committed keys, unless ``--rules`` leaves it out).

With ``--baselines`` the four baselines join the table, each with the acts' term integrated
over the conduct as the models' is (`sim.analysis.evidence`): base rates, Markov and the
regime break in closed form under a flat Dirichlet prior (and again under Jeffreys'), the
logit by nautilus under a normal(0, 2.5) prior on each coefficient (and again with 1 and 5).
Each seed runs the acts' term and the logit once (``--logit-live`` live points, 14
dimensions a side: about 5 minutes a run with two studies on the 2 cores); the count
baselines' rows differ between seeds only by the acts' term.

The models: fictitious play with the keys committed in conf/calibrate.yaml (chosen by AIC)
and with all nine candidate keys of benchmarks/select_keys.py; every other rule family of that
study with all of its candidates (no selection: the evidence charges each key for the part
of its box the data rule out). ``--rules`` runs only the models of the rules it names. The
results are in docs/comparison.md, section 7.2.
"""

import argparse
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from select_keys import (  # the study beside this one
    FAMILIES,
    candidates,
    rule_config,
    write_results,
)

from sim.analysis.baselines import MoveData, fit_baselines
from sim.analysis.case import build_case
from sim.analysis.conduct_fit import fit_conduct
from sim.analysis.evidence import (
    FLAT,
    LOGIT_SCALE,
    acts_log_evidence,
    counted_log_evidence,
    log_evidence,
    logit_log_evidence,
)
from sim.analysis.posterior import CONDUCT_PARAMETERS
from sim.analysis.space import Space
from sim.core.moves import N_MOVES

ROOT = Path(__file__).resolve().parents[1]


def models() -> dict[str, tuple[str, tuple[str, ...] | None]]:
    """Each model's label: its rule and its keys (None: the committed keys)."""
    out: dict[str, tuple[str, tuple[str, ...] | None]] = {
        "fictitious play, committed keys": ("fictitious_play", None),
        "fictitious play, all nine candidates": ("fictitious_play", candidates("fictitious_play")),
    }
    for rule in FAMILIES[1:]:
        out[f"{rule.replace('_', ' ')}, all candidates"] = (rule, candidates(rule))
    return out


def one(rule: str, keys: tuple[str, ...] | None, live: int, seed: int) -> dict:
    """One estimate of one model's log evidence."""
    config = rule_config(rule)
    space = Space.of(config.model_params, list(config.params if keys is None else keys))
    evidence = log_evidence(space, (build_case(config).episode(),), live, seed)
    return {
        "rule": rule,
        "keys": list(evidence.keys),
        "parameters": evidence.parameters,
        "seed": seed,
        "log_z": evidence.log_z,
        "max_loglik": evidence.max_loglik,
        "likelihood_calls": evidence.likelihood_calls,
        "effective_samples": evidence.effective_samples,
        "seconds": evidence.seconds,
    }


#: The baselines' priors: the default reading first, then the second readings.
DIRICHLETS = (FLAT, 0.5)
LOGIT_SCALES = (LOGIT_SCALE, 1.0, 5.0)


def acts_run(live: int, seed: int) -> tuple[str, int, float, float]:
    """One estimate of the acts' term every baseline shares."""
    config = rule_config("fictitious_play")
    evidence = acts_log_evidence(config.model_params, (build_case(config).episode(),), live, seed)
    return "acts", seed, evidence.log_z, evidence.seconds


def logit_run(side: int, scale: float, live: int, seed: int) -> tuple[tuple, int, float, float]:
    """One estimate of the logit's evidence of one side's moves."""
    data = _move_data()
    evidence = logit_log_evidence(data.moves[:, side], data.covariates[:, side], scale, live, seed)
    return ("logit", side, scale), seed, evidence.log_z, evidence.seconds


def _move_data() -> MoveData:
    case = build_case(rule_config("fictitious_play"))
    return MoveData.of(case.real, case.scenario)


def _maximum_likelihoods(data: MoveData) -> dict[str, float]:
    """Each baseline's ML log L of the moves and acts (the in-sample table's totals)."""
    acts = fit_conduct((build_case(rule_config("fictitious_play")).episode(),)).loglik
    weeks = np.arange(data.weeks)
    return {b.name: float(b.scored(data, weeks)[0].sum()) + acts for b in fit_baselines(data)}


def baseline_rows(jobs: int, seeds: int, live: int, logit_live: int) -> list[dict]:
    """Every baseline's log evidence of the moves and acts, one row per prior and seed."""
    tasks = [delayed(acts_run)(live, seed) for seed in range(1, seeds + 1)]
    tasks += [
        delayed(logit_run)(side, scale, logit_live, seed)
        for scale in LOGIT_SCALES
        for side in range(2)
        for seed in range(1, seeds + 1)
    ]
    done: dict = {}
    for n, (what, seed, log_z, seconds) in enumerate(
        Parallel(n_jobs=jobs, return_as="generator")(tasks), 1
    ):
        done[what, seed] = log_z
        print(f"baselines {n}/{len(tasks)}: {what}, seed {seed}: {log_z:.2f} ({seconds:.0f} s)")
    data = _move_data()
    fitted = _maximum_likelihoods(data)
    sides, covariates = data.moves.shape[1], data.covariates.shape[-1]
    logit_k = sides * (covariates + 1) * (N_MOVES - 1)  # a constant and slopes per move but one
    rows = []
    for seed in range(1, seeds + 1):
        acts = done["acts", seed]
        for alpha in DIRICHLETS:
            for b in counted_log_evidence(data, alpha):
                rows.append(_row(b.name, b.prior, b.parameters, b.log_z + acts, fitted, seed))
        for scale in LOGIT_SCALES:
            log_z = sum(done[("logit", side, scale), seed] for side in range(2)) + acts
            rows.append(_row("logit", f"normal(0, {scale:g})", logit_k, log_z, fitted, seed))
    return rows


def _row(name: str, prior: str, parameters: int, log_z: float, fitted: dict, seed: int) -> dict:
    """A baseline's row: its moves' parameters plus the conduct's."""
    return {
        "model": f"{name.replace('_', ' ')}, {prior}",
        "rule": "baseline",
        "parameters": parameters + len(CONDUCT_PARAMETERS),
        "seed": seed,
        "log_z": log_z,
        "max_loglik": fitted[name],  # the ML log L, not a sampler's best point
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel (joblib)")
    parser.add_argument("--seeds", type=int, default=2, help="runs per model, seeds 1, 2, ...")
    parser.add_argument("--live", type=int, default=200, help="nautilus's live points")
    parser.add_argument("--output", type=Path, default=ROOT / "results/benchmarks/evidence.json")
    parser.add_argument(
        "--rules",
        default=",".join(FAMILIES),
        help="comma-separated rules whose models to run, or 'none'",
    )
    parser.add_argument("--baselines", action="store_true", help="add the four baselines")
    parser.add_argument("--logit-live", type=int, default=1000, help="live points of the logit")
    options = parser.parse_args()
    rules = [] if options.rules == "none" else options.rules.split(",")
    unknown = sorted(set(rules) - set(FAMILIES))
    if unknown:
        parser.error(f"--rules: unknown {', '.join(unknown)}; choose from {', '.join(FAMILIES)}")

    todo = [
        (label, rule, keys, seed)
        for label, (rule, keys) in models().items()
        if rule in rules
        for seed in range(1, options.seeds + 1)
    ]
    runs = []
    for row in Parallel(n_jobs=options.jobs, return_as="generator")(
        delayed(one)(rule, keys, options.live, seed) for _, rule, keys, seed in todo
    ):
        runs.append(row)
        print(
            f"run {len(runs)}/{len(todo)}: {row['rule']}, seed {row['seed']}: "
            f"log Z {row['log_z']:.2f} ({row['seconds']:.0f} s)",
            flush=True,
        )
    for (label, *_), row in zip(todo, runs, strict=True):
        row["model"] = label
    if options.baselines:
        runs += baseline_rows(options.jobs, options.seeds, options.live, options.logit_live)
    if not runs:
        parser.error("nothing to run: name a rule in --rules or add --baselines")
    table = summarise(runs)
    write_results(runs, options.output)
    print(table)


def summarise(runs: list[dict]) -> str:
    """The printed table: one row per model, log Z's mean and range over the seeds."""
    labels = list(dict.fromkeys(r["model"] for r in runs))
    mean = {m: float(np.mean([r["log_z"] for r in runs if r["model"] == m])) for m in labels}
    reference = mean[labels[0]]
    lines = [
        f"{'model':42s} {'k':>3s} {'log Z':>8s} {'range':>13s} {'best log L':>10s} {'log BF':>7s}"
    ]
    for m in labels:
        rows = [r for r in runs if r["model"] == m]
        z = [r["log_z"] for r in rows]
        lines.append(
            f"{m:42s} {rows[0]['parameters']:3d} {mean[m]:8.2f} "
            f"[{min(z):.2f}, {max(z):.2f}] {max(r['max_loglik'] for r in rows):10.2f} "
            f"{mean[m] - reference:7.2f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
