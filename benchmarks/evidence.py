"""Study: which rule family, by the evidence rather than by AIC.

Run from the project root (half a minute to 7 minutes a run on one core; the eight models and
two seeds take about 15 minutes with ``--jobs 2`` on these 2-core machines)::

    .venv/bin/python benchmarks/evidence.py [--jobs 2] [--seeds 2] [--live 200]
        [--output results/benchmarks/evidence.json]

For each model (a rule for both sides and a set of keys) estimates the log evidence of the
2018-2019 moves and acts (`sim.analysis.evidence.log_evidence`: the flat prior on each key's
box in its search coordinate, the conduct's six parameters integrated over too), once per
seed, and prints log Z (mean and spread over the seeds), the best log-likelihood the sampler
met and the log Bayes factor against the table's first model (fictitious play with its
committed keys, unless ``--rules`` leaves it out).

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

from sim.analysis.case import build_case
from sim.analysis.evidence import log_evidence
from sim.analysis.space import Space

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel (joblib)")
    parser.add_argument("--seeds", type=int, default=2, help="runs per model, seeds 1, 2, ...")
    parser.add_argument("--live", type=int, default=200, help="nautilus's live points")
    parser.add_argument("--output", type=Path, default=ROOT / "results/benchmarks/evidence.json")
    parser.add_argument(
        "--rules", default=",".join(FAMILIES), help="comma-separated rules whose models to run"
    )
    options = parser.parse_args()
    rules = options.rules.split(",")
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
