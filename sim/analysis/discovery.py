"""Scenario discovery: where in the input space an outcome of interest happens.

PRIM (Friedman & Fisher 1999, "Bump hunting in high-dimensional data", Statistics and
Computing 9: 123-143) peels the input space down to a box where the cases of interest are
dense, trading coverage (the share of all cases of interest inside the box) against density
(the share of the box's points that are of interest). We use EMA Workbench's implementation
(Kwakkel 2017), the reference for scenario discovery, and its extra-trees feature scoring.
EMA Workbench takes about 2 s to import, so it is imported only when called.
"""

import dataclasses
import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


def _ema():
    logging.getLogger("EMA").setLevel(logging.WARNING)  # its progress lines are not for users
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "ipyparallel not installed": not used here
        from ema_workbench.analysis import feature_scoring, prim
    return prim, feature_scoring


@dataclass
class BoxLimit:
    """One restricted input of a PRIM box: its bounds (or kept levels) and quasi-p-value.

    ``kept`` is the share of the input's observed range (or of its levels) left in the box;
    ``quasi_p`` is Bryant & Lempert's (2010) one-sided binomial test of the restriction, the
    smaller of its two sides.
    """

    input: str
    low: float | None
    high: float | None
    levels: list[str] | None
    quasi_p: float | None
    kept: float = 1.0


@dataclass
class PrimBox:
    """The chosen box on a PRIM peeling trajectory, and the whole trajectory.

    ``trajectory`` has one entry per peeling step: ``coverage``, ``density``, ``mass`` (share
    of all points inside) and ``res_dim`` (inputs restricted). ``coverage``, ``density`` and
    ``mass`` are those of the points the box was peeled on; ``held_out_*`` those of the design's
    other independent points (`held_out`), None when there were none.
    """

    outcome: str
    rule: str
    cases: int
    points: int
    chosen: int
    coverage: float
    density: float
    mass: float
    res_dim: int
    limits: list[BoxLimit] = field(default_factory=list)
    trajectory: list[dict] = field(default_factory=list)
    held_out_points: int | None = None
    held_out_coverage: float | None = None
    held_out_density: float | None = None


def inside(box: PrimBox, x: pd.DataFrame) -> np.ndarray:
    """Which rows of ``x`` lie in ``box`` (within every restricted input's limits or levels)."""
    keep = np.ones(len(x), dtype=bool)
    for limit in box.limits:
        values = x[limit.input]
        if limit.levels is not None:
            keep &= values.astype(str).isin(limit.levels).to_numpy()
        else:
            keep &= ((values >= limit.low) & (values <= limit.high)).to_numpy()
    return keep


def held_out(box: PrimBox, x: pd.DataFrame, of_interest: np.ndarray) -> PrimBox:
    """``box`` with its coverage and density on points it was not peeled on.

    A box peeled on a sample fits that sample's noise (Friedman & Fisher's own caution); the
    share of another sample's cases it holds, and their density in it, say what it finds.
    """
    of_interest = np.asarray(of_interest, dtype=bool)
    within = inside(box, x)
    hits = int((within & of_interest).sum())
    return dataclasses.replace(
        box,
        held_out_points=len(x),
        held_out_coverage=hits / of_interest.sum() if of_interest.any() else None,
        held_out_density=hits / within.sum() if within.any() else None,
    )


def _limits(box, chosen: int, x: pd.DataFrame) -> list[BoxLimit]:
    lims = box.box_lims[chosen]
    initial = box.box_lims[0]
    p_values = box.p_values[chosen] if chosen < len(box.p_values) else {}
    limits = []
    for name in x.columns:
        low, high = lims[name].iloc[0], lims[name].iloc[1]
        first_low, first_high = initial[name].iloc[0], initial[name].iloc[1]
        if isinstance(low, set) or isinstance(high, set):
            levels = sorted(str(v) for v in low)
            if set(low) != set(first_low):
                share = len(low) / len(first_low)
                limits.append(BoxLimit(name, None, None, levels, _p(p_values, name), share))
        elif low != first_low or high != first_high:
            share = (high - low) / (first_high - first_low) if first_high > first_low else 1.0
            limits.append(
                BoxLimit(name, float(low), float(high), None, _p(p_values, name), float(share))
            )
    return sorted(limits, key=lambda limit: limit.kept)


def _whole(limit: BoxLimit, values: pd.Series) -> BoxLimit:
    """An integer input's limits as the whole values the box keeps (PRIM peels it as a real).

    The box holds the points with ``low <= x <= high``, so its integers run from ``ceil(low)``
    to ``floor(high)``: "us.delay 0 to 7" rather than "0 to 7.5", the same points. ``kept`` is
    then the share of the whole values observed (``values``) that the box keeps: 8 of 9 for
    0 to 7 of 0 to 8, where the share of the real span (7.5 of 8) called the restriction weak
    in the report while its figure, drawn in whole values, did not.
    """
    if limit.low is None or limit.high is None:
        return limit
    low, high = float(np.ceil(limit.low)), float(np.floor(limit.high))
    levels = float(values.max() - values.min() + 1)
    return dataclasses.replace(limit, low=low, high=high, kept=(high - low + 1) / levels)


def _p(p_values: dict, name: str) -> float | None:
    values = p_values.get(name) if isinstance(p_values, dict) else None
    if values is None:
        return None
    finite = [  # EMA marks a side that is not restricted with -1
        float(v) for v in np.atleast_1d(values) if v is not None and np.isfinite(v) and v >= 0
    ]
    return min(finite) if finite else None


def prim_box(
    x: pd.DataFrame,
    of_interest: np.ndarray,
    outcome: str,
    rule: str,
    peel_alpha: float,
    min_coverage: float,
) -> PrimBox | None:
    """The densest box of the first PRIM peeling trajectory with coverage >= ``min_coverage``.

    Returns None when no design point (or every one) is of interest: there is nothing to find.
    """
    of_interest = np.asarray(of_interest, dtype=bool)
    if not of_interest.any() or of_interest.all():
        return None
    prim, _ = _ema()
    x = x.reset_index(drop=True).copy()
    integers = {c for c in x.columns if x[c].dtype.kind in "iu"}
    for column in x.columns:
        if x[column].dtype == object:
            x[column] = x[column].astype("category")
        elif x[column].dtype.kind in "iu":
            # PRIM's pasting writes fractional limits into integer columns, which pandas 3
            # refuses (EMA Workbench 3.0): integer inputs are peeled as reals
            x[column] = x[column].astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x, of_interest, peel_alpha=peel_alpha).find_box()
    steps = box.peeling_trajectory.reset_index(drop=True)
    eligible = steps[steps["coverage"] >= min_coverage]
    chosen = int(eligible["density"].idxmax()) if len(eligible) else 0
    trajectory = [
        {k: float(steps.loc[i, k]) for k in ("coverage", "density", "mass", "res_dim")}
        for i in steps.index
    ]
    return PrimBox(
        outcome=outcome,
        rule=rule,
        cases=int(of_interest.sum()),
        points=len(of_interest),
        chosen=chosen,
        coverage=float(steps.loc[chosen, "coverage"]),
        density=float(steps.loc[chosen, "density"]),
        mass=float(steps.loc[chosen, "mass"]),
        res_dim=int(steps.loc[chosen, "res_dim"]),
        limits=[
            _whole(limit, x[limit.input]) if limit.input in integers else limit
            for limit in _limits(box, chosen, x)
        ],
        trajectory=trajectory,
    )


FEATURE_POINTS = 10_000  # extra trees on more points cost time and change the ranking little


def feature_scores(
    x: pd.DataFrame, outcomes: dict[str, np.ndarray], seed: int, points: int = FEATURE_POINTS
) -> pd.DataFrame:
    """Extra-trees feature scores of every input for every outcome (EMA Workbench).

    Scored on at most ``points`` design points drawn with ``seed``. A tidy table:
    ``outcome``, ``input``, ``score`` (the scores of one outcome sum to 1).
    """
    _, scoring = _ema()
    keep = np.sort(np.random.default_rng(seed).permutation(len(x))[:points])
    x = x.iloc[keep].reset_index(drop=True).copy()
    outcomes = {name: np.asarray(y)[keep] for name, y in outcomes.items()}
    for column in x.columns:
        if x[column].dtype == object:
            x[column] = x[column].astype("category")
    rows = []
    for name, y in outcomes.items():
        y = np.asarray(y, dtype=float)
        keep = np.isfinite(y)
        scores, _ = scoring.get_ex_feature_scores(
            x[keep], y[keep], mode=scoring.RuleInductionType.REGRESSION, random_state=seed
        )
        for feature, score in scores.iloc[:, 0].items():
            rows.append({"outcome": name, "input": feature, "score": float(score)})
    return pd.DataFrame(rows, columns=["outcome", "input", "score"])
