"""Study: how much of the leave-one-case-out score lies in whom the patron presses.

Run from the project root (2.5 min on one core over five cases; 9 min over six on a slow machine)::

    .venv/bin/python benchmarks/loco_patron.py [--output results/benchmarks/loco_patron.json]

In 2019 Washington pressed its two allies; in the other cases (THAAD, Senkaku, Australia,
Scarborough, Lithuania) its statements were aimed at Beijing and backed the ally, so those cases set
``patron_presses: [beijing]`` (scenarios/README.md). This study scores leave one case out
(`sim.analysis.loco.leave_one_case_out`, plug-in, the calibration's keys, ML settings and seed)
three ways, for the model and the baselines alike (the logit sees the pressure a side feels):

- ``as the cases say``: the patron presses Beijing alone outside 2019;
- ``both sides``: the patron presses both sides in every case (the model before
  ``patron_presses``, which read the patron's rows of the other cases as pressure on the ally);
- ``no pressure outside 2019``: the patron's pressure set to nothing in the other cases, in
  training and in scoring: a diagnostic of the channel's size, not a reading of the cases.

2019 is the same in all three (both sides pressed). The results are in docs/comparison.md,
section 7.1.
"""

import argparse
import dataclasses
from pathlib import Path

import numpy as np
from select_keys import write_results  # the study beside this one

from sim.analysis.likelihood import Episode
from sim.analysis.loco import leave_one_case_out
from sim.analysis.space import Space
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import default_config
from sim.history import real_path

SCORERS = ("model", "base_rates", "markov", "logit")
HOME = "gsomia_2019"  # the case whose patron pressed the two sides of the dispute
READINGS = ("as the cases say", "both sides", "no pressure outside 2019")


def episodes(cases: list[str], reading: str) -> dict[str, Episode]:
    """Each case's real sequence under one of the three readings (`READINGS`)."""
    found = {}
    for case in cases:
        scenario = load_scenario(case)
        real = real_path(scenario)
        if reading == "both sides":
            scenario = dataclasses.replace(scenario, pressed=scenario.sides)
        if reading == "no pressure outside 2019" and case != HOME:
            real = dataclasses.replace(real, pressure=np.zeros_like(real.pressure))
        found[case] = Episode(scenario, real)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=None, help="write the results as JSON")
    options = parser.parse_args()
    config = default_config(["run.progress=false"], "calibrate")
    space = Space.of(config.model_params, list(config.params))
    c = config.calibrate
    results = []
    for name in READINGS:
        table = leave_one_case_out(
            space, episodes(list(c.cases), name), config.run.seed, c.popsize, c.maxiter
        )
        new = table[table.case != HOME]
        results.append(
            {
                "reading": name,
                "all": {s: float(table[s].sum()) for s in SCORERS},
                "new": {s: float(new[s].sum()) for s in SCORERS},
                "when": {s: float(table[f"{s}_when"].sum()) for s in SCORERS},
                "rows": table.to_dict(orient="records"),
            }
        )
        print(f"{name}:")
        print(table[["case", "side", *SCORERS]].round(2).to_string(index=False), flush=True)
    print("\n| the patron presses | all cases: model / base / markov / logit | the new cases |")
    print("| --- | --- | --- |")
    for r in results:
        every = " / ".join(f"{r['all'][s]:.2f}" for s in SCORERS)
        new = " / ".join(f"{r['new'][s]:.2f}" for s in SCORERS)
        print(f"| {r['reading']} | {every} | {new} |")
    write_results(results, options.output)


if __name__ == "__main__":
    main()
