"""Study: leave one case out with weights that vary by case (a population of the cases' fits).

Run from the project root (about 5 min on one core over six cases, 4 with ``--jobs 2``)::

    .venv/bin/python benchmarks/loco_population.py [--jobs 2] [--output PATH.json]

For each case left out, the committed keys (conf/calibrate.yaml) are fitted on each other case
alone, and the case left out is scored from the spread of those fits
(`sim.analysis.population`: a Student's t per key, the predictive of a normal population with
unknown mean and spread), beside the pooled plug-in fit and the baselines fitted on the other
cases pooled, with their posterior (Polya-urn) columns (`sim.analysis.loco`). The calibration's
ML settings and seed; 2,000 draws per fold, scored again with ``REPEATS`` - 1 other sets of
draws for their Monte Carlo error. The results are in docs/comparison.md, section 7.1.
"""

import argparse
import time
from pathlib import Path

import numpy as np
from select_keys import write_results  # the study beside this one

from sim.analysis.likelihood import Episode
from sim.analysis.loco import leave_one_case_out
from sim.analysis.population import leave_one_case_out_population
from sim.analysis.space import Space
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import default_config
from sim.history import real_path

#: Columns compared, in the order printed.
COLUMNS = (
    "model",
    "model_centre",
    "model_population",
    "base_rates",
    "markov",
    "logit",
    "base_rates_posterior",
    "markov_posterior",
)
DRAWS = 2000
REPEATS = 5


def _row(label: str, weeks: int, totals: dict[str, float]) -> str:
    cells = " | ".join(f"{totals[c]:.2f}" for c in COLUMNS)
    return f"| {label} | {weeks} | {cells} |"


def report(table) -> list[str]:
    """The markdown table: each case left out, all cases, and the cases other than 2019."""
    lines = [
        "| case left out | side-weeks | " + " | ".join(COLUMNS) + " |",
        "| --- | ---: |" + " ---: |" * len(COLUMNS),
    ]
    for case, rows in table.groupby("case", sort=False):
        lines.append(_row(case, int(rows.weeks.sum()), rows[list(COLUMNS)].sum().to_dict()))
    new = table[table.case != "gsomia_2019"]
    for label, rows in (("all", table), ("the new cases", new)):
        lines.append(_row(label, int(rows.weeks.sum()), rows[list(COLUMNS)].sum().to_dict()))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=None, help="write the results as JSON")
    parser.add_argument("--jobs", type=int, default=1, help="fits and folds run at once")
    options = parser.parse_args()
    config = default_config(["run.progress=false"], "calibrate")
    c, seed = config.calibrate, config.run.seed
    episodes = {}
    for case in c.cases:  # the cases `calibrate.loco=true` leaves out
        scenario = load_scenario(case)
        episodes[case] = Episode(scenario, real_path(scenario))
    space = Space.of(config.model_params, list(config.params))
    started = time.perf_counter()
    print(f"fitting each of {len(episodes)} cases alone, then {len(episodes)} folds", flush=True)
    table, fits = leave_one_case_out_population(
        space, episodes, seed, c.popsize, c.maxiter, DRAWS, options.jobs, REPEATS
    )
    print(f"  population folds: {time.perf_counter() - started:.0f} s", flush=True)
    loco = leave_one_case_out(space, episodes, seed, c.popsize, c.maxiter)
    if not (loco.model.round(6) == table.model.round(6)).all():
        raise SystemExit("the pooled plug-in differs from calibrate.loco's: the study is stale")
    baselines = [k for k in COLUMNS if k in loco.columns and k != "model"]
    table = table.join(loco[baselines])
    print(f"  all: {time.perf_counter() - started:.0f} s\n", flush=True)
    print("\n".join(report(table)))
    new = table[table.case != "gsomia_2019"]
    totals = np.array(new.model_population_repeats.tolist()).sum(axis=0)
    print(
        f"\nthe new cases from {REPEATS} sets of draws: "
        + ", ".join(f"{t:.2f}" for t in totals)
        + f" (standard deviation {totals.std(ddof=1):.2f})"
    )
    print("\nEach case's own fit (coordinates; * a key its moves do not bear on):")
    for name, fit in fits.items():
        cells = [
            f"{k}={x:.2f}" + ("" if i else "*")
            for k, x, i in zip(space.keys, fit.coordinates, fit.informed, strict=True)
        ]
        print(f"  {name}: " + ", ".join(cells))
    result = {
        "draws": DRAWS,
        "repeats": REPEATS,
        "new_cases_by_repeat": totals.tolist(),
        "seconds": time.perf_counter() - started,
        "keys": space.keys,
        "fits": {
            n: {"coordinates": f.coordinates.tolist(), "informed": f.informed.tolist()}
            for n, f in fits.items()
        },
        "rows": table.to_dict(orient="records"),
    }
    write_results([result], options.output)


if __name__ == "__main__":
    main()
