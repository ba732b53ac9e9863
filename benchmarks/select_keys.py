"""Study: which rule and payoff keys to fit, by backward elimination by AIC.

Run from the project root (about 5 minutes on one core)::

    .venv/bin/python benchmarks/select_keys.py [--jobs 2]

Starts from nine candidate keys (each side's activity, provocation, audience and pressure
weights, and the notice's deadline weight), fits each set by the calibration's ML method
(`sim.analysis.fit.fit_ml`, the same seed and settings as `escalation calibrate`) on
2018-2019, and in each round drops the key whose removal lowers AIC most, until no removal
lowers it. Prints every round's table; the set it ends with is conf/calibrate.yaml's `params`
(docs/comparison.md, section 7.2). AIC counts the conduct's six parameters too.
"""

import argparse

from joblib import Parallel, delayed

from sim.analysis.case import build_case
from sim.analysis.fit import fit_ml
from sim.analysis.space import Space
from sim.experiment.config import default_config

CANDIDATES = (
    "seoul.activity",
    "tokyo.activity",
    "seoul.provocation:0.001:10:log",
    "tokyo.provocation:0.001:10:log",
    "payoffs.audience.seoul:0.01:100:log",
    "payoffs.audience.tokyo:0.01:100:log",
    "payoffs.pressure.seoul:0.01:100:log",
    "payoffs.pressure.tokyo:0.01:100:log",
    "payoffs.deadline:0.01:1000:log",
)


def aic(keys: tuple[str, ...]) -> tuple[float, float, int]:
    """AIC, log-likelihood and parameter count of the ML fit of ``keys``."""
    config = default_config(["run.progress=false"], "calibrate")
    case = build_case(config)
    space = Space.of(config.model_params, list(keys))
    c = config.calibrate
    fit = fit_ml(space, (case.episode(),), config.run.seed, c.popsize, c.maxiter)
    return 2 * fit.parameters - 2 * fit.loglik, fit.loglik, fit.parameters


def name(key: str) -> str:
    """The config key without its range."""
    return key.split(":")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="fits run in parallel (joblib)")
    options = parser.parse_args()
    keys = CANDIDATES
    best, loglik, k = aic(keys)
    print(f"all {len(keys)} keys: AIC {best:.1f} (log L {loglik:.2f}, k = {k})")
    while len(keys) > 1:
        trials = [tuple(x for x in keys if x != drop) for drop in keys]
        scores = Parallel(n_jobs=options.jobs)(delayed(aic)(t) for t in trials)
        rows = sorted(zip(keys, scores, strict=True), key=lambda row: row[1][0])
        print(f"round with {len(keys)} keys: AIC after dropping each")
        for drop, (score, ll, kk) in rows:
            print(f"  {name(drop):28s} {score:7.1f}  (log L {ll:.2f}, k = {kk})")
        drop, (score, _, _) = rows[0]
        if score >= best:
            break
        best, keys = score, tuple(x for x in keys if x != drop)
        print(f"dropped {name(drop)}: AIC {best:.1f}")
    print(f"chosen ({len(keys)} keys, AIC {best:.1f}): {', '.join(name(x) for x in keys)}")


if __name__ == "__main__":
    main()
