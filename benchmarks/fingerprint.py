"""Fingerprints of the model's numbers, to check that a speed change alters none of them.

Run it before and after a change that should leave every number as it was, and compare::

    .venv/bin/python benchmarks/fingerprint.py > before.json    # on the old commit
    .venv/bin/python benchmarks/fingerprint.py > after.json     # on the new one
    diff before.json after.json && echo "bit for bit the same"

Each entry is a SHA-256 digest (16 hex digits) of raw float arrays, so one changed bit in one
replication changes it:

- free runs of several configurations (the fitted model, its posterior draws, fit=none,
  Q-learning, tit for tat, constant US pressure): every replication's outcome columns and the
  trajectories of tension and pressure;
- one lockstep model whose replications each have their own parameters (the way
  `escalation explore` and posterior runs use it), drawn at random over wide ranges;
- exact log-likelihoods of the 2019 sequence at 16 random parameter vectors, under fictitious
  play and under Q-learning.

``--time N`` also times N repeats of the per-replication model (CPU seconds, median), the step
that dominates an exploration.
"""

import argparse
import hashlib
import json
import statistics
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from sim.analysis.case import load_case_events
from sim.analysis.fit import MovesObjective
from sim.analysis.space import Space
from sim.core.metrics import replication_table
from sim.core.model import EscalationModel
from sim.core.params import with_values
from sim.experiment.config import default_config
from sim.experiment.factory import build_scenario
from sim.experiment.job import simulate

RUNS = {
    "fitted": [],
    "posterior": ["run.posterior=true"],
    "hand_set": ["fit=none"],
    "q_learning": ["strategy@seoul=q_learning", "strategy@tokyo=q_learning"],
    "tit_for_tat": ["strategy@seoul=tit_for_tat"],
    "constant_us": ["us=constant"],
}
#: Keys drawn per replication in the varied model, with their ranges.
VARIED = {
    "conduct.order": (0.0, 20.0),
    "conduct.burst": (0.0, 0.5),
    "seoul.signal": (0.2, 0.9),
    "tokyo.lift": (0.0, 0.6),
    "seoul.rationality": (0.2, 3.0),
    "payoffs.audience.seoul": (0.0, 10.0),
    "payoffs.pressure.tokyo": (0.0, 50.0),
    "payoffs.domains.security": (0.0, 1.0),
    "payoffs.cooperation_reward": (0.0, 1.0),
}


def digest(*arrays: np.ndarray) -> str:
    """SHA-256 of the arrays' bytes, first 16 hex digits."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def run_digest(overrides: list[str], replications: int) -> str:
    """Digest of one `escalation run` configuration's replications and trajectories."""
    config = default_config(["run.progress=false", f"run.replications={replications}", *overrides])
    result = simulate(config)
    numeric = result.replications.select_dtypes("number").to_numpy(float)
    paths = [
        a for b in result.blocks for a in (b.model.recorder.tension, b.model.recorder.pressure)
    ]
    return digest(numeric, *paths)


def varied_model(replications: int, seed: int = 7) -> EscalationModel:
    """A lockstep model whose replications each draw their own parameters."""
    config = default_config(["run.progress=false"])
    rng = np.random.default_rng(seed)
    values = {k: lo + rng.random(replications) * (hi - lo) for k, (lo, hi) in VARIED.items()}
    return EscalationModel(
        build_scenario(config.scenario),
        with_values(config.model_params, values),
        replications=replications,
        keep_trajectories=False,
        rng=seed,
    )


def varied_digest(replications: int) -> str:
    """Digest of the per-replication model's outcome columns."""
    table = replication_table(varied_model(replications).run())
    return digest(table.select_dtypes("number").to_numpy(float))


def attempt(entry: Callable[[], str]) -> str:
    """The entry's digest, or the error it raised (a crash is part of the fingerprint)."""
    try:
        return entry()
    except Exception as problem:  # any failure is recorded, not raised
        return f"error: {type(problem).__name__}"


def loglik_digest(overrides: list[str]) -> str:
    """Digest of exact log-likelihoods of the 2019 sequence at 16 random parameter vectors."""
    config = default_config(["run.progress=false", "fit=none", *overrides], "calibrate")
    space = Space.of(config.model_params, list(config.params))
    objective = MovesObjective(space, (load_case_events("gsomia_2019").episode(),))
    rng = np.random.default_rng(0)
    batch = space.low[:, None] + rng.random((len(space), 16)) * (space.high - space.low)[:, None]
    return digest(objective.loglik(batch))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=3000)
    parser.add_argument("--varied", type=int, default=20_000, help="replications, own parameters")
    parser.add_argument("--time", type=int, default=0, metavar="N", help="time N repeats")
    options = parser.parse_args()

    entries = {
        f"run_{name}": partial(run_digest, o, options.replications) for name, o in RUNS.items()
    }
    entries["varied_model"] = partial(varied_digest, options.varied)
    entries["loglik_fictitious_play"] = partial(loglik_digest, [])
    entries["loglik_q_learning"] = partial(
        loglik_digest, ["strategy@seoul=q_learning", "strategy@tokyo=q_learning"]
    )
    out = {name: attempt(entry) for name, entry in entries.items()}
    if options.time:
        seconds = []
        for _ in range(options.time):
            start = time.process_time()
            varied_model(options.varied).run()
            seconds.append(time.process_time() - start)
        out["varied_model_cpu_s_median"] = round(statistics.median(seconds), 3)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
