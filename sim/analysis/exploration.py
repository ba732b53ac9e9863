"""An exploration's analysis: the chunks gathered, the indices, the PRIM box, the scores.

`analyse` turns an exploration's design and outcomes into an `ExploreResult`: the Sobol or
Morris indices (`sim.analysis.sensitivity`), the convergence check, the PRIM box and the feature
scores (`sim.analysis.discovery`). Writing the folder (figures, ``explore.md``) and the Hydra
callback are `sim.reports.explore_folder`'s.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.discovery import PrimBox, feature_scores, held_out, prim_box
from sim.analysis.sensitivity import morris_indices, sobol_convergence, sobol_indices
from sim.core.errors import ConfigError
from sim.experiment.explore.chunk import CHUNK_OUTCOMES, CHUNKS


@dataclass
class ExploreResult:
    """A finished exploration: its manifest, tables, convergence check and PRIM box.

    ``indices`` is tidy: ``outcome, method, input, index, value, conf, n`` with Sobol S1/ST
    (at n and, for the convergence check, at n/2), Morris mu*/mu/sigma, and the extra-trees
    feature scores (method ``feature_scoring``, index ``score``).
    """

    manifest: dict
    design: pd.DataFrame
    outcomes: pd.DataFrame
    indices: pd.DataFrame
    convergence: list[dict]
    box: PrimBox | None

    @property
    def inputs(self) -> list[str]:
        """The varied inputs, in design order."""
        return [i["input"] for i in self.manifest["inputs"]]

    @property
    def constant(self) -> dict[str, float]:
        """The measured outcomes with one value at every design point, with that value."""
        return constant_outcomes(self.outcomes, self.manifest["outcomes"])

    @property
    def varying(self) -> list[str]:
        """The measured outcomes that vary over the design: the only ones with indices."""
        return [o for o in self.manifest["outcomes"] if o not in self.constant]


def constant_outcomes(outcomes: pd.DataFrame, names: list[str]) -> dict[str, float]:
    """The outcomes of ``names`` that take one value at every design point, with that value.

    No input moves such an outcome: its indices would be zero or undefined and its surface
    flat, so the reports say it is constant instead of ranking inputs on it.
    """
    found = {}
    for name in names:
        y = outcomes[name].to_numpy(float)
        if len(y) and np.all(y == y[0]):
            found[name] = float(y[0])
    return found


def gather_chunks(folder: Path, points: int) -> pd.DataFrame:
    """Every finished chunk's outcomes, in point order; `ConfigError` if points are missing."""
    parts = [pd.read_parquet(p) for p in sorted(Path(folder, CHUNKS).glob(f"*/{CHUNK_OUTCOMES}"))]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"point": []})
    table = table.drop_duplicates("point").sort_values("point", ignore_index=True)
    if len(table) != points:
        raise ConfigError(
            f"{folder}: {points - len(table)} of {points} design points have no outcome yet; "
            f"run the same command again with hydra.sweep.dir={folder} to finish the missing "
            "chunks"
        )
    return table


def _problem(names: list[str]) -> dict:
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def compute_indices(
    manifest: dict, unit: pd.DataFrame, outcomes: pd.DataFrame
) -> tuple[pd.DataFrame, list[dict]]:
    """The sensitivity indices of every varying outcome, with the convergence check for Sobol.

    An outcome constant over the design (`constant_outcomes`) gets none.
    """
    names = [i["input"] for i in manifest["inputs"]]
    problem = _problem(names)
    seed, resamples, confidence = manifest["seed"], manifest["bootstrap"], manifest["confidence"]
    n, second = manifest["n"], manifest["second_order"]
    tables, convergence = [], []
    constant = constant_outcomes(outcomes, manifest["outcomes"])
    for outcome in [o for o in manifest["outcomes"] if o not in constant]:
        y = outcomes[outcome].to_numpy(float)
        match manifest["method"]:
            case "sobol":
                tables.append(
                    sobol_indices(problem, y, outcome, n, second, resamples, confidence, seed)
                )
                if n >= 4:
                    small, summary = sobol_convergence(
                        problem, y, outcome, n, second, resamples, confidence, seed
                    )
                    tables.append(small)
                    convergence.append(summary)
            case "morris":
                x = unit[names].to_numpy(float)
                tables.append(
                    morris_indices(
                        problem,
                        x,
                        y,
                        outcome,
                        n,
                        manifest["morris_levels"],
                        resamples,
                        confidence,
                        seed,
                    )
                )
            case _:
                pass  # a Latin hypercube has no variance decomposition: feature scores only
    return (pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()), convergence


def _score_rows(scores: pd.DataFrame, points: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "outcome": scores["outcome"],
            "method": "feature_scoring",
            "input": scores["input"],
            "index": "score",
            "value": scores["score"],
            "conf": np.nan,
            "n": points,
        }
    )


def analyse(manifest: dict, design: pd.DataFrame, unit: pd.DataFrame, outcomes: pd.DataFrame):
    """Indices, convergence, feature scores and the PRIM box of a gathered exploration.

    Outcomes constant over the design get no index or score, and no box is peeled on one;
    nor on a PRIM outcome the case cannot give (the manifest's ``left_out``).
    """
    names = [i["input"] for i in manifest["inputs"]]
    indices, convergence = compute_indices(manifest, unit, outcomes)
    x = design[names]
    constant = constant_outcomes(outcomes, manifest["outcomes"])
    varying = [o for o in manifest["outcomes"] if o not in constant]
    measured = {o: outcomes[o].to_numpy(float) for o in varying}
    scores = feature_scores(x, measured, manifest["seed"])
    indices = pd.concat([indices, _score_rows(scores, len(design))], ignore_index=True)
    prim = manifest["prim"]
    if prim["outcome"] not in varying:
        return ExploreResult(manifest, design, outcomes, indices, convergence, None)
    y = outcomes[prim["outcome"]].to_numpy(float)
    of_interest = y >= prim["threshold"] if prim["above"] else y < prim["threshold"]
    sign = ">=" if prim["above"] else "<"
    peel, test = prim_rows(manifest, len(design))
    box = prim_box(
        x.iloc[peel],
        of_interest[peel],
        prim["outcome"],
        f"{prim['outcome']} {sign} {prim['threshold']:g}",
        prim["peel_alpha"],
        prim["min_coverage"],
    )
    if box is not None and len(test):
        box = held_out(box, x.iloc[test].reset_index(drop=True), of_interest[test])
    return ExploreResult(manifest, design, outcomes, indices, convergence, box)


def prim_rows(manifest: dict, points: int) -> tuple[np.ndarray, np.ndarray]:
    """The design rows PRIM peels on, and the rows its box is then checked on.

    Only rows drawn independently of each other: in a Saltelli design each base point gives
    D + 2 rows (2D + 2 with second order) that share all but one input, and in a Morris design
    each trajectory D + 1 rows one step apart, so peeling on every row cuts through blocks of
    near copies, and the quasi-p values, which assume independent cases, come out absurdly small.
    The Saltelli design's A and B rows and each Morris trajectory's first row are independent
    draws, a Latin hypercube's rows all are. The first half of them (in design order) is peeled
    on, the second half held out.
    """
    inputs = len(manifest["inputs"])
    match manifest["method"]:
        case "sobol":
            block = (2 if manifest["second_order"] else 1) * inputs + 2
            starts = np.arange(0, points, block)
            rows = np.column_stack([starts, starts + block - 1]).ravel()
        case "morris":
            rows = np.arange(0, points, inputs + 1)
        case _:
            rows = np.arange(points)
    half = (len(rows) + 1) // 2
    return rows[:half], rows[half:]


RANKING = {"sobol": "ST", "morris": "mu_star", "latin": "score"}


def ranking(result: ExploreResult, outcome: str) -> pd.Series:
    """The inputs ranked for ``outcome`` by ST (Sobol), mu* (Morris) or feature score."""
    method = result.manifest["method"]
    index = RANKING[method]
    rows = result.indices[
        (result.indices["outcome"] == outcome)
        & (result.indices["index"] == index)
        & (
            result.indices["n"]
            == (result.manifest["n"] if method != "latin" else len(result.design))
        )
    ]
    return rows.set_index("input")["value"].sort_values(ascending=False)
