"""Study: can the model give the real 2019 outcome and still fit the 2019 sequence?

Run from the project root, on the folder of a full-size `escalation explore` of the default
model (about 7 minutes on 2 cores)::

    .venv/bin/python benchmarks/outcome_tradeoff.py results/explore/DATE/TIME [--rounds 30]

Two steps, both on the explore preset's input box (41 inputs):

1. Every design point of the exploration is scored on the real 2019 sequence (log-likelihood
   of the moves and acts, teacher-forced, one replication per point in one lockstep run),
   beside its P(real outcome) from the exploration (100 replications a point).
2. A stated search, not a proof of a maximum: from the best-scoring design points with
   P(real outcome) >= ``--threshold``, rounds of random perturbations (1 to 5 inputs at a time,
   Gaussian steps shrinking from 9% to 1% of each range), each round keeping the candidate with
   the highest log-likelihood whose P(real outcome), re-estimated in ``--replications`` runs on
   common random numbers, stays at or above the threshold.

Writes results/benchmarks/outcome_tradeoff.json and prints a summary.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.analysis.case import load_case_events
from sim.core.metrics import replication_table
from sim.core.model import EscalationModel
from sim.core.params import with_values
from sim.experiment.config import default_config
from sim.history import real_path

ROOT = Path(__file__).resolve().parents[1]


class Study:
    """The 2019 case, the default model and the explore design's input box."""

    def __init__(self, folder: Path, replications: int, seed: int) -> None:
        design = pd.read_parquet(folder / "design.parquet")
        self.outcomes = pd.read_parquet(folder / "outcomes.parquet")
        self.design = design
        self.inputs = [c for c in design.columns if c not in ("point", "group")]
        self.integer = np.array([design[c].dtype.kind in "iu" for c in self.inputs])
        self.low = design[self.inputs].min().to_numpy(float)
        self.high = design[self.inputs].max().to_numpy(float)
        self.config = default_config(["run.progress=false"], "config")
        self.episode = load_case_events("gsomia_2019").episode()
        self.real = real_path(self.episode.scenario).outcome
        self.replications = replications
        self.seed = seed

    def columns(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Per-point values (S, D) as config keys, integer inputs rounded."""
        return {
            key: np.round(x[:, j]).astype(int) if self.integer[j] else x[:, j]
            for j, key in enumerate(self.inputs)
        }

    def loglik(self, x: np.ndarray) -> np.ndarray:
        """Log-likelihood of the real 2019 moves and acts at each point, shape (S,)."""
        params = with_values(self.config.model_params, self.columns(x))
        scores = self.episode.score(params, len(x))
        return scores.moves.sum(axis=(0, 2)) + scores.acts.sum(axis=(0, 2))

    def p_real(self, x: np.ndarray, replications: int = 0, seed: int | None = None) -> np.ndarray:
        """P(the real outcome) at each point, from free runs on common random numbers.

        ``replications`` and ``seed`` default to the study's.
        """
        reps = replications or self.replications
        columns = {k: np.repeat(v, reps) for k, v in self.columns(x).items()}
        model = EscalationModel(
            self.episode.scenario,
            with_values(self.config.model_params, columns),
            replications=len(x) * reps,
            weeks=self.config.run.weeks or self.episode.scenario.weeks,
            keep_trajectories=False,
            rng=np.random.default_rng(self.seed if seed is None else seed),
        )
        outcome = replication_table(model.run())["outcome"].to_numpy()
        return (outcome == self.real).reshape(len(x), reps).mean(axis=1)


def score_design(study: Study, block: int = 8192) -> pd.DataFrame:
    """The design points with their log-likelihood and P(real outcome)."""
    x = study.design[study.inputs].to_numpy(float)
    loglik = np.concatenate([study.loglik(x[s : s + block]) for s in range(0, len(x), block)])
    table = study.design.assign(loglik=loglik)
    return table.merge(study.outcomes[["point", "p_real"]], on="point")


def climb(study: Study, start: np.ndarray, threshold: float, rounds: int, rng) -> dict:
    """Hill-climb the log-likelihood under P(real outcome) >= threshold (see the docstring)."""
    loglik, p_start = study.loglik(start), study.p_real(start)
    feasible = np.where(p_start >= threshold, loglik, -np.inf)
    best = int(np.argmax(feasible))
    if not np.isfinite(feasible[best]):
        return {"start_feasible": 0}
    x, x_loglik, x_p = start[best], float(loglik[best]), float(p_start[best])
    history = [{"round": 0, "loglik": x_loglik, "p_real": x_p}]
    width = study.high - study.low
    for r in range(1, rounds + 1):
        sigma = 0.08 * (1 - r / (rounds + 1)) + 0.01
        candidates = np.repeat(x[None, :], 48, axis=0)
        for row in candidates:
            dims = rng.choice(len(x), rng.integers(1, 6), replace=False)
            row[dims] += rng.normal(0, sigma, dims.size) * width[dims]
        candidates = np.clip(candidates, study.low, study.high)
        scores = study.loglik(candidates)
        better = np.flatnonzero(scores > x_loglik)
        if better.size:
            tried = better[np.argsort(-scores[better])][:16]
            p = study.p_real(candidates[tried])
            kept = np.flatnonzero(p >= threshold)
            if kept.size:
                i = kept[0]
                x, x_loglik, x_p = candidates[tried[i]], float(scores[tried[i]]), float(p[i])
        history.append({"round": r, "loglik": x_loglik, "p_real": x_p})
        print(f"round {r}/{rounds}: log-likelihood {x_loglik:.2f}, P(real) {x_p:.3f}", flush=True)
    return {
        "start_feasible": int((p_start >= threshold).sum()),
        "starts": len(start),
        "loglik": x_loglik,
        "p_real": x_p,
        "values": dict(zip(study.inputs, map(float, x), strict=True)),
        "history": history,
    }


CHECK_REPLICATIONS = 20_000


def fresh_check(study: Study, search: dict, seed: int) -> dict:
    """P(real outcome) at the point found, on random numbers the search never saw.

    The search keeps candidates that pass the threshold on its own random numbers, so its
    estimate is biased upward by that selection; this one is not.
    """
    if "values" not in search:
        return {}
    x = np.array([[search["values"][k] for k in study.inputs]])
    p = float(study.p_real(x, CHECK_REPLICATIONS, seed)[0])
    half = 1.96 * np.sqrt(p * (1 - p) / CHECK_REPLICATIONS)
    return {"p_real_fresh": p, "p_real_fresh_95": [p - half, p + half], "seed": seed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a full-size explore result folder")
    parser.add_argument("--threshold", type=float, default=0.3)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--replications", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--output", default=str(ROOT / "results/benchmarks/outcome_tradeoff.json"))
    options = parser.parse_args()

    start = time.perf_counter()
    study = Study(options.folder, options.replications, options.seed)
    points = score_design(study)
    fitted = study.episode.score(study.config.model_params, 1)
    likely = points["p_real"] >= options.threshold
    top = points.nlargest(200, "loglik")
    summary = {
        "command": " ".join(["benchmarks/outcome_tradeoff.py", *sys.argv[1:]]),
        "version": __version__,
        "seed": options.seed,
        "replications": options.replications,
        "rounds": options.rounds,
        "folder": str(options.folder),
        "threshold": options.threshold,
        "points": len(points),
        "fitted_model_loglik": float(fitted.moves.sum() + fitted.acts.sum()),
        "share_likely": float(likely.mean()),
        "best_loglik_all_points": float(points["loglik"].max()),
        "best_loglik_likely_points": float(points.loc[likely, "loglik"].max()),
        "p_real_at_best_point": float(points.loc[points["loglik"].idxmax(), "p_real"]),
        "p_real_mean_top200": float(top["p_real"].mean()),
        "spearman_loglik_p_real": float(points["loglik"].corr(points["p_real"], "spearman")),
    }
    print(json.dumps(summary, indent=1), flush=True)
    starts = points[likely].nlargest(48, "loglik")[study.inputs].to_numpy(float)
    rng = np.random.default_rng(options.seed)
    summary["search"] = climb(study, starts, options.threshold, options.rounds, rng)
    summary["check"] = fresh_check(study, summary["search"], options.seed + 1)
    summary["seconds"] = time.perf_counter() - start
    search = {k: v for k, v in summary["search"].items() if k not in ("values", "history")}
    print(json.dumps(search | summary["check"], indent=1))
    Path(options.output).parent.mkdir(parents=True, exist_ok=True)
    Path(options.output).write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
