"""Global sensitivity indices (SALib): Sobol first-order and total, Morris mu* and sigma.

Every function takes a SALib problem, the design on the unit hypercube and one outcome per
design point, and returns a tidy table: one row per outcome, input and index, with the value,
the half-width of its bootstrap interval (``conf``) and the base size it was computed at.
`sobol_convergence` recomputes the Sobol indices on the first half of the base sample, so a
reader sees whether the ranking of the inputs holds when the sample doubles.
"""

import numpy as np
import pandas as pd
from SALib.analyze import morris, sobol
from scipy.stats import spearmanr

INDEX_COLUMNS = ["outcome", "method", "input", "index", "value", "conf", "n"]


def _rows(outcome: str, method: str, names: list[str], result: dict, keys, n: int) -> list[dict]:
    rows = []
    for index, conf in keys:
        for name, value, half in zip(names, result[index], result[conf], strict=True):
            rows.append(
                {
                    "outcome": outcome,
                    "method": method,
                    "input": name,
                    "index": index,
                    "value": float(value),
                    "conf": float(half),
                    "n": n,
                }
            )
    return rows


def sobol_indices(
    problem: dict,
    y: np.ndarray,
    outcome: str,
    n: int,
    second_order: bool,
    resamples: int,
    confidence: float,
    seed: int,
) -> pd.DataFrame:
    """S1 and ST with bootstrap intervals from a Saltelli design's outputs ``y`` (in order).

    With ``second_order``, S2 too: one row per pair of inputs, named ``a × b``.
    """
    result = sobol.analyze(
        problem,
        np.asarray(y, dtype=float),
        calc_second_order=second_order,
        num_resamples=resamples,
        conf_level=confidence,
        # a generator, not the int: SALib tests `if seed:`, so seed 0 drew its resamples from
        # numpy's global state and the intervals changed from run to run
        seed=np.random.default_rng(seed),
    )
    keys = [("S1", "S1_conf"), ("ST", "ST_conf")]
    rows = _rows(outcome, "sobol", problem["names"], result, keys, n)
    if second_order:
        names = problem["names"]
        for i, j in zip(*np.triu_indices(len(names), k=1), strict=True):
            rows.append(
                {
                    "outcome": outcome,
                    "method": "sobol",
                    "input": f"{names[i]} × {names[j]}",
                    "index": "S2",
                    "value": float(result["S2"][i, j]),
                    "conf": float(result["S2_conf"][i, j]),
                    "n": n,
                }
            )
    return pd.DataFrame(rows)


def morris_indices(
    problem: dict,
    unit: np.ndarray,
    y: np.ndarray,
    outcome: str,
    trajectories: int,
    levels: int,
    resamples: int,
    confidence: float,
    seed: int,
) -> pd.DataFrame:
    """mu* (with its bootstrap interval), mu and sigma of the elementary effects.

    Effects are per unit of each input's range (the design is on the unit hypercube), so mu*
    compares inputs of different units.
    """
    result = morris.analyze(
        problem,
        np.asarray(unit, dtype=float),
        np.asarray(y, dtype=float),
        num_resamples=resamples,
        conf_level=confidence,
        num_levels=levels,
        seed=seed,
    )
    result = dict(result)
    nan = np.full(len(problem["names"]), np.nan)
    result["mu_conf"] = result["sigma_conf"] = nan
    keys = [("mu_star", "mu_star_conf"), ("mu", "mu_conf"), ("sigma", "sigma_conf")]
    return pd.DataFrame(_rows(outcome, "morris", problem["names"], result, keys, trajectories))


def _spearman(a: pd.Series, b: pd.Series) -> float | None:
    """Spearman's correlation of two index series; None (null in JSON) for two values or fewer."""
    finite = np.isfinite(a.to_numpy()) & np.isfinite(b.to_numpy())
    return float(spearmanr(a[finite], b[finite]).statistic) if finite.sum() > 2 else None


def sobol_rows(n: int, inputs: int, second_order: bool) -> int:
    """Design rows that belong to a Saltelli base sample of size ``n``."""
    return n * (2 * inputs + 2 if second_order else inputs + 2)


def sobol_convergence(
    problem: dict,
    y: np.ndarray,
    outcome: str,
    n: int,
    second_order: bool,
    resamples: int,
    confidence: float,
    seed: int,
) -> tuple[pd.DataFrame, dict]:
    """Sobol indices at half the base sample, and how the total-index ranking compares.

    A Saltelli design's first ``n/2`` base rows are a design of base size ``n/2``, so the
    indices at n/2 and n come from one set of runs. Returns the half-sample indices and a
    summary: Spearman's rank correlation of ST at n/2 and n (None for two inputs or fewer),
    whether the top inputs (up to five, and fewer than all) are the same, and the largest
    change of an index. The n/2 sample is half of the n one, so the two rankings agree in part
    by construction, even for an outcome that is pure noise; ``rank_correlation_st_halves``
    compares the two disjoint halves of the base sample, which share no run, and is the one
    that says whether another sample would rank the inputs alike.
    """
    half = n // 2
    rows = sobol_rows(half, problem["num_vars"], second_order)
    small = sobol_indices(
        problem, y[:rows], outcome, half, second_order, resamples, confidence, seed
    )
    full = sobol_indices(problem, y, outcome, n, second_order, resamples, confidence, seed)
    st_small = small[small["index"] == "ST"].set_index("input")["value"]
    st_full = full[full["index"] == "ST"].set_index("input")["value"].reindex(st_small.index)
    top = min(5, max(1, len(st_full) - 1))  # fewer than all: all are always the same set
    same_top = set(st_small.nlargest(top).index) == set(st_full.nlargest(top).index)
    other = sobol_indices(
        problem, y[rows : 2 * rows], outcome, half, second_order, resamples, confidence, seed
    )
    st_other = other[other["index"] == "ST"].set_index("input")["value"].reindex(st_small.index)
    change = (
        small.set_index(["index", "input"])["value"] - full.set_index(["index", "input"])["value"]
    ).abs()
    summary = {
        "outcome": outcome,
        "n_small": half,
        "n": n,
        "rank_correlation_st": _spearman(st_small, st_full),
        "rank_correlation_st_halves": _spearman(st_small, st_other),
        "top_inputs": top,
        "top_inputs_same": bool(same_top),
        "max_index_change": float(change.max()) if change.notna().any() else None,
    }
    return small, summary
