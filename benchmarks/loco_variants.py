"""Study: where the model loses out of sample, and three variants tried against it.

Run from the project root (4 min on one core over five cases; 15 min over six on a slow machine)::

    .venv/bin/python benchmarks/loco_variants.py [--output results/benchmarks/loco_variants.json]
    .venv/bin/python benchmarks/loco_variants.py --variants noise --predictive --jobs 2

Leave one case out over `calibrate.cases` (`sim.analysis.loco.leave_one_case_out`, plug-in,
the calibration's ML settings and seed) for four versions of the default model, each also
fitted on all of 2019 for its in-sample AIC and BIC (the conduct's six parameters counted):

- ``committed``: the keys of conf/calibrate.yaml (one provocation hazard for both sides);
- ``separate provocation``: the same keys with each side its own provocation hazard (the
  committed keys had them apart until the refit of 2026-12-03; the selection then only dropped
  keys, and with ties it takes this tie);
- ``noise``: the committed keys and each side's trembling-hand noise (a rule that is too sure
  of the direction of its moves may be softened by it);
- ``symmetric``: the committed keys with every side's key tied to its twin on the other side
  (``KEY+TWIN``: one fitted value for both; Seoul's pressure weight and Tokyo's become one
  pressure weight, Seoul's activity is Tokyo's too), and the shared keys (the deadline) as
  they are: a side's values do not depend on its slot, so what Tokyo's slot learns in 2019 is
  not carried to Beijing alone in the other cases. Derived from conf/calibrate.yaml, so it
  follows the committed keys when they are chosen again.

Every score is split into when to move and which move (`sim.analysis.likelihood.when_to_move`).
The results are in docs/comparison.md, section 7.1.
"""

import argparse
from pathlib import Path

import numpy as np
from select_keys import SIDE_WEEKS, write_results  # the study beside this one

from sim.analysis.case import build_case
from sim.analysis.fit import fit_ml
from sim.analysis.forecast import PredictiveSettings
from sim.analysis.likelihood import Episode
from sim.analysis.loco import fold_finished, leave_one_case_out
from sim.analysis.space import Space
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import default_config
from sim.history import real_path

SCORERS = ("model", "base_rates", "markov", "logit")
NOISE = ("seoul.noise:0.001:0.999", "tokyo.noise:0.001:0.999")
SIDES = ("seoul", "tokyo")
ONE_HAZARD = "seoul.provocation+tokyo.provocation:0.001:10:log"
TWO_HAZARDS = ("seoul.provocation:0.001:10:log", "tokyo.provocation:0.001:10:log")


def twin(key: str, side: str) -> str:
    """``key`` with its side (a dotted part naming Seoul or Tokyo) set to ``side``."""
    return ".".join(side if part in SIDES else part for part in key.split("."))


def symmetric(committed: list[str]) -> list[str]:
    """The committed key specs with each side's key tied to its twin, first bounds kept.

    ``payoffs.pressure.seoul:0.01:100:log`` and ``payoffs.pressure.tokyo:0.01:100:log`` become
    one ``payoffs.pressure.seoul+payoffs.pressure.tokyo:0.01:100:log``; a key of no side
    (``payoffs.deadline``) stays as it is.
    """
    tied: dict[str, str] = {}
    for spec in committed:
        key, colon, bounds = spec.partition(":")
        parts = key.split("+")
        if any(set(p.split(".")) & set(SIDES) for p in parts):
            parts = [twin(parts[0], side) for side in SIDES]
        name = "+".join(dict.fromkeys(parts))
        tied.setdefault(name, name + colon + bounds)
    return list(tied.values())


def variants(committed: list[str], base) -> dict[str, Space]:
    """The four spaces compared (``KEY+TWIN``: one fitted value for both keys)."""
    separate = [k for k in committed if k != ONE_HAZARD]
    if len(separate) == len(committed):
        raise SystemExit(f"conf/calibrate.yaml's params no longer hold {ONE_HAZARD}")
    return {
        "committed": Space.of(base, committed),
        "separate provocation": Space.of(base, list(TWO_HAZARDS) + separate),
        "noise": Space.of(base, committed + list(NOISE)),
        "symmetric": Space.of(base, symmetric(committed)),
    }


def _fold_done(case: str, done: int, total: int) -> None:
    print(fold_finished(case, done, total), flush=True)


def study(
    name: str,
    space: Space,
    episodes: dict[str, Episode],
    config,
    predictive: PredictiveSettings | None = None,
) -> dict:
    """In-sample AIC and BIC on 2019, and leave-one-case-out totals split in two.

    2019 is fitted as `escalation calibrate` fits it, the cases left out as
    ``calibrate.loco=true`` scores them.
    """
    seed, c = config.run.seed, config.calibrate
    fit = fit_ml(space, (build_case(config).episode(),), seed, c.popsize, c.maxiter)
    k = fit.parameters
    table = leave_one_case_out(
        space, episodes, seed, c.popsize, c.maxiter, predictive, progress=_fold_done
    )
    result = {
        "variant": name,
        "k": k,
        "loglik": fit.loglik,
        "aic": 2 * k - 2 * fit.loglik,
        "bic": k * np.log(SIDE_WEEKS) - 2 * fit.loglik,
        "estimates": dict(zip(space.keys, map(float, space.values(fit.coordinates)), strict=True)),
        "loco": {s: float(table[s].sum()) for s in SCORERS},
        "when": {s: float(table[f"{s}_when"].sum()) for s in SCORERS},
        "rows": table.to_dict(orient="records"),
    }
    result["which"] = {s: result["loco"][s] - result["when"][s] for s in SCORERS}
    if predictive is not None:
        result["loco_posterior"] = float(table["model_posterior"].sum())
        result["r_hat"] = float(table["r_hat"].max())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=None, help="write the results as JSON")
    parser.add_argument(
        "--variants", default="all", help="comma-separated variant names, or 'all' (the four)"
    )
    parser.add_argument(
        "--predictive",
        action="store_true",
        help="also score each left-out case from the posterior on the others (over six cases, "
        "about an hour a variant on 2 cores with --jobs 2 on a slow machine)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="with --predictive, folds scored at once (default 1)"
    )
    options = parser.parse_args()
    config = default_config(["run.progress=false"], "calibrate")
    episodes = {}
    for case in config.calibrate.cases:  # the cases `calibrate.loco=true` leaves out
        scenario = load_scenario(case)
        episodes[case] = Episode(scenario, real_path(scenario))
    spaces = variants(list(config.params), config.model_params)
    chosen = list(spaces) if options.variants == "all" else options.variants.split(",")
    unknown = [v for v in chosen if v not in spaces]
    if unknown:
        parser.error(f"unknown variant(s): {', '.join(unknown)}; choose from {', '.join(spaces)}")
    c = config.calibrate
    predictive = None
    if options.predictive:
        predictive = PredictiveSettings(
            steps=c.predictive_steps, burn=c.predictive_burn, jobs=options.jobs
        )
    results = []
    for name in chosen:
        space = spaces[name]
        print(f"{name}: {', '.join(space.keys)}", flush=True)
        results.append(study(name, space, episodes, config, predictive))
    print(
        "\n| variant | k | log L on 2019 | AIC | BIC | left out, model | base rates "
        "| when to move, model / base rates | which move, model / base rates |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['variant']} | {r['k']} | {r['loglik']:.2f} | {r['aic']:.1f} | {r['bic']:.1f} "
            f"| {r['loco']['model']:.2f} | {r['loco']['base_rates']:.2f} "
            f"| {r['when']['model']:.2f} / {r['when']['base_rates']:.2f} "
            f"| {r['which']['model']:.2f} / {r['which']['base_rates']:.2f} |"
        )
        if "loco_posterior" in r:
            print(
                f"  from the posterior: {r['loco_posterior']:.2f} (largest R-hat {r['r_hat']:.3f})"
            )
    write_results(results, options.output)


if __name__ == "__main__":
    main()
