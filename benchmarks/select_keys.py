"""Study: which rule and payoff keys to fit, by backward elimination by AIC; and which rule.

Run from the project root (about 5 minutes on one core for the default rule)::

    .venv/bin/python benchmarks/select_keys.py [--jobs 2]
    .venv/bin/python benchmarks/select_keys.py --rules all --jobs 2    # every rule family
    .venv/bin/python benchmarks/select_keys.py --ties --jobs 2         # drops and ties

For each decision rule (both sides on it), starts from the candidate keys, fits each set by
the calibration's ML method (`sim.analysis.fit.fit_ml`, the same seed and settings as
`escalation calibrate`) on 2018-2019, and in each round drops the key whose removal lowers AIC
most, until no removal lowers it. Prints every round's table; for fictitious play the set it
ends with under ``--ties`` (below) is conf/calibrate.yaml's `params` (docs/comparison.md,
section 7.2). AIC and BIC
count the conduct's six parameters too (the conduct is the same for every rule).

Candidates: every rule has each side's resting activity and provocation hazard; a rule that
weighs payoffs (fictitious play, Q-learning) adds the payoff weights (each side's audience and
pressure weights, the notice's deadline weight); a rule that does not adds each side's
trembling-hand noise, the only other parameter every such rule has. With ``--rules`` the last
table sets the families side by side (``--output`` writes it as JSON).

With ``--ties`` each round also tries tying each pair of the two sides' keys still fitted
separately (``seoul.provocation+tokyo.provocation``: one value for both, one parameter less;
`sim.analysis.space`), beside each drop, and takes whichever step lowers AIC most; a tied pair
can later be dropped whole. The same criterion over a larger set of models: the selection the
default rule's keys came from only dropped.
"""

import argparse
import json
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from sim.analysis.case import build_case
from sim.analysis.fit import fit_ml
from sim.analysis.space import Space
from sim.core.rules import RULES
from sim.experiment.config import default_config
from sim.experiment.store import write_text

SHARED = (
    "seoul.activity",
    "tokyo.activity",
    "seoul.provocation:0.001:10:log",
    "tokyo.provocation:0.001:10:log",
)
PAYOFF_KEYS = (
    "payoffs.audience.seoul:0.01:100:log",
    "payoffs.audience.tokyo:0.01:100:log",
    "payoffs.pressure.seoul:0.01:100:log",
    "payoffs.pressure.tokyo:0.01:100:log",
    "payoffs.deadline:0.01:1000:log",
)
NOISE_KEYS = ("seoul.noise:0.001:0.999", "tokyo.noise:0.001:0.999")
CANDIDATES = SHARED + PAYOFF_KEYS  # the default rule's nine
#: Rules whose move does not depend on the history (always cooperate, always retaliate) give
#: the real sequence almost no chance; random play is kept as the floor.
FAMILIES = (
    "fictitious_play",
    "q_learning",
    "tit_for_tat",
    "generous_tit_for_tat",
    "grim_trigger",
    "win_stay_lose_shift",
    "random",
)
SIDE_WEEKS = 122  # the n of BIC: side-weeks of 2018-2019 scored


def candidates(rule: str) -> tuple[str, ...]:
    """The keys a rule's selection starts from."""
    return SHARED + (PAYOFF_KEYS if RULES[rule].uses_payoffs else NOISE_KEYS)


def rule_config(rule: str):
    """The calibration's configuration with both sides on ``rule``."""
    overrides = ["run.progress=false", f"strategy@seoul={rule}", f"strategy@tokyo={rule}"]
    return default_config(overrides, "calibrate")


def aic(rule: str, keys: tuple[str, ...]) -> tuple[float, float, int]:
    """AIC, log-likelihood and parameter count of the ML fit of ``keys`` under ``rule``."""
    config = rule_config(rule)
    case = build_case(config)
    space = Space.of(config.model_params, list(keys))
    c = config.calibrate
    fit = fit_ml(space, (case.episode(),), config.run.seed, c.popsize, c.maxiter)
    return 2 * fit.parameters - 2 * fit.loglik, fit.loglik, fit.parameters


def name(key: str) -> str:
    """The config key without its range."""
    return key.split(":")[0]


def twin(key: str) -> str | None:
    """The other side's name of a one-side key (``seoul.x`` and ``tokyo.x``), else None."""
    parts = name(key).split(".")
    for side, other in (("seoul", "tokyo"), ("tokyo", "seoul")):
        if side in parts and "+" not in key:
            return ".".join(other if p == side else p for p in parts)
    return None


def tie(first: str, second: str) -> str:
    """The entry fitting one value for both keys, with the first key's range."""
    key, _, bounds = first.partition(":")
    return f"{key}+{name(second)}" + (f":{bounds}" if bounds else "")


def steps(keys: tuple[str, ...], ties: bool) -> list[tuple[str, tuple[str, ...]]]:
    """Each step a round may take: (label, the keys after it)."""
    out = [(f"drop {name(d)}", tuple(x for x in keys if x != d)) for d in keys]
    if ties:
        names = {name(x): x for x in keys}
        for first in keys:
            second = names.get(twin(first) or "")
            if second is not None and "seoul" in name(first).split("."):
                tied = tie(first, second)
                after = tuple(tied if x == first else x for x in keys if x != second)
                out.append((f"tie {name(tied)}", after))
    return out


def select(rule: str, jobs: int, ties: bool = False) -> dict:
    """Backward selection by AIC for one rule (drops, and ties with ``ties``); its keys and fit."""
    keys = candidates(rule)
    best, loglik, k = aic(rule, keys)
    print(f"{rule}: all {len(keys)} keys: AIC {best:.1f} (log L {loglik:.2f}, k = {k})")
    while len(keys) > 1:
        trials = steps(keys, ties)
        scores = Parallel(n_jobs=jobs)(delayed(aic)(rule, t) for _, t in trials)
        rows = sorted(zip(trials, scores, strict=True), key=lambda row: row[1][0])
        print(f"round with {k} parameters: AIC after each step")
        for (label, _), (score, ll, kk) in rows:
            print(f"  {label:58s} {score:7.1f}  (log L {ll:.2f}, k = {kk})")
        (label, after), (score, ll, kk) = rows[0]
        if score >= best:
            break
        best, loglik, k, keys = score, ll, kk, after
        print(f"{label}: AIC {best:.1f}")
    print(f"chosen ({k} parameters, AIC {best:.1f}): {', '.join(name(x) for x in keys)}\n")
    bic = k * np.log(SIDE_WEEKS) - 2 * loglik
    return {
        "rule": rule,
        "keys": [name(x) for x in keys],
        "loglik": loglik,
        "k": k,
        "aic": best,
        "bic": float(bic),
    }


def write_results(results: list[dict], path: Path | None) -> None:
    """Write a study's table as JSON (atomically), when a path is given."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(json.dumps(results, indent=2) + "\n", path)
    print(f"written: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="fits run in parallel (joblib)")
    parser.add_argument(
        "--rules",
        default="fictitious_play",
        help=f"comma-separated rule names, or 'all' ({', '.join(FAMILIES)})",
    )
    parser.add_argument("--output", type=Path, default=None, help="write the table as JSON")
    parser.add_argument(
        "--ties", action="store_true", help="each round also tries tying the sides' twin keys"
    )
    options = parser.parse_args()
    rules = FAMILIES if options.rules == "all" else tuple(options.rules.split(","))
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        parser.error(f"unknown rule(s): {', '.join(unknown)}; choose from {', '.join(RULES)}")
    results = [select(rule, options.jobs, options.ties) for rule in rules]
    if len(results) > 1:
        print("| rule (both sides) | keys chosen by AIC | k | log L | AIC | BIC |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for r in sorted(results, key=lambda r: r["aic"]):
            keys = ", ".join(r["keys"])
            print(
                f"| {r['rule']} | {keys} | {r['k']} | {r['loglik']:.2f} | {r['aic']:.1f} | "
                f"{r['bic']:.1f} |"
            )
    write_results(results, options.output)


if __name__ == "__main__":
    main()
