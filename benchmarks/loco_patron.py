"""Study: how much of the leave-one-case-out miss lies in the patron's pressure channel.

Run from the project root (about 2 minutes on one core)::

    .venv/bin/python benchmarks/loco_patron.py [--output results/benchmarks/loco_patron.json]

The model has one pressure level for both sides (docs/model.md, section 9). In 2019
Washington pressed its two allies; in the other cases (THAAD, Senkaku, Australia,
Scarborough) its statements were aimed at Beijing and backed the ally, yet the model reads them
as pushing both sides toward cooperation. This study scores leave one case out
(`sim.analysis.loco.leave_one_case_out`, plug-in, the calibration's keys, ML settings and seed)
twice: with the events as coded, and with the patron's pressure set to nothing in every case
but 2019, in training and in scoring, for the model and the baselines alike (the logit sees
lagged pressure too). The difference is a sign of the channel's size, not a variant to adopt:
it drops real events, and a patron whose pressure had a target could gain more, or less,
than silence does. The results are in docs/comparison.md, section 7.1.
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


def episodes(cases: list[str], quiet: bool) -> dict[str, Episode]:
    """Each case's real sequence; with ``quiet``, no patron pressure outside 2019."""
    found = {}
    for case in cases:
        scenario = load_scenario(case)
        real = real_path(scenario)
        if quiet and case != HOME:
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
    for name, quiet in (("as coded", False), ("no patron pressure outside 2019", True)):
        table = leave_one_case_out(
            space, episodes(list(c.cases), quiet), config.run.seed, c.popsize, c.maxiter
        )
        new = table[table.case != HOME]
        results.append(
            {
                "events": name,
                "all": {s: float(table[s].sum()) for s in SCORERS},
                "new": {s: float(new[s].sum()) for s in SCORERS},
                "when": {s: float(table[f"{s}_when"].sum()) for s in SCORERS},
                "rows": table.to_dict(orient="records"),
            }
        )
        print(f"{name}:")
        print(table[["case", "side", *SCORERS]].round(2).to_string(index=False), flush=True)
    print("\n| events | all cases: model / base rates / markov / logit | the new cases |")
    print("| --- | --- | --- |")
    for r in results:
        every = " / ".join(f"{r['all'][s]:.2f}" for s in SCORERS)
        new = " / ".join(f"{r['new'][s]:.2f}" for s in SCORERS)
        print(f"| {r['events']} | {every} | {new} |")
    write_results(results, options.output)


if __name__ == "__main__":
    main()
