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
default rule's keys came from only dropped. The search itself is
`sim.analysis.selection.backward_select` (tested on criteria with known optima); this script
supplies the fits.
"""

import argparse
import json
from functools import partial
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from sim.analysis.case import build_case
from sim.analysis.fit import fit_ml
from sim.analysis.selection import Scored, Selection, backward_select, key_name
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


def aic(rule: str, keys: tuple[str, ...]) -> Scored:
    """AIC, log-likelihood and parameter count of the ML fit of ``keys`` under ``rule``."""
    config = rule_config(rule)
    case = build_case(config)
    space = Space.of(config.model_params, list(keys))
    c = config.calibrate
    fit = fit_ml(space, (case.episode(),), config.run.seed, c.popsize, c.maxiter)
    return Scored(2 * fit.parameters - 2 * fit.loglik, fit.loglik, fit.parameters)


def report(rule: str, selection: Selection) -> None:
    """Print the search as it went: every round's steps, best first, and the step taken."""
    start = selection.start
    print(
        f"{rule}: all {len(candidates(rule))} keys: AIC {start.criterion:.1f} "
        f"(log L {start.loglik:.2f}, k = {start.parameters})"
    )
    for round_ in selection.rounds:
        print(f"round with {round_.parameters} parameters: AIC after each step")
        for label, _, s in round_.trials:
            print(f"  {label:58s} {s.criterion:7.1f}  (log L {s.loglik:.2f}, k = {s.parameters})")
        if round_.taken:
            print(f"{round_.trials[0][0]}: AIC {round_.trials[0][2].criterion:.1f}")
    best = selection.scored
    names = ", ".join(key_name(x) for x in selection.keys)
    print(f"chosen ({best.parameters} parameters, AIC {best.criterion:.1f}): {names}\n")


def select(rule: str, jobs: int, ties: bool = False) -> dict:
    """Backward selection by AIC for one rule (drops, and ties with ``ties``); its keys and fit."""

    def score_all(sets: list[tuple[str, ...]]) -> list[Scored]:
        return Parallel(n_jobs=jobs)(delayed(aic)(rule, keys) for keys in sets)

    selection = backward_select(candidates(rule), partial(aic, rule), ties, score_all)
    report(rule, selection)
    best = selection.scored
    return {
        "rule": rule,
        "keys": [key_name(x) for x in selection.keys],
        "loglik": best.loglik,
        "k": best.parameters,
        "aic": best.criterion,
        "bic": float(best.parameters * np.log(SIDE_WEEKS) - 2 * best.loglik),
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
