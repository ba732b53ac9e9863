"""What a sweep's figures say of their cells: names, groups, the case, what they all share.

A sweep's figures compare cells; what every cell shares (the case, the parameters, the seed)
heads them, so two sweeps' figures can be told apart (one of the fitted model, one of the
hand-set values, say); what the cells differ in is on the axes instead.
"""

import re

import pandas as pd

from sim.core.scenario import Scenario
from sim.core.scenario_yaml import load_scenario

#: Curves against one key are drawn for each combination of the other swept keys, up to this
#: many; a sweep with more gets none (its cells are in sweep.parquet).
MAX_GROUPS = 6


def is_numeric(values: pd.Series) -> bool:
    """Whether every value of a swept key is a number."""
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def cell_names(table: pd.DataFrame, keys: list[str]) -> list[str]:
    """A short label per cell: the swept values, joined."""
    if not keys:
        return [f"cell {c}" for c in table["cell"]]
    return [", ".join(str(row[k]) for k in keys) for _, row in table.iterrows()]


def cells_scenario(cells: list[dict]) -> Scenario:
    """The case the cells ran: the folder they were given, else the name in their summary."""
    return load_scenario(cells[0].get("scenario") or cells[0]["summary"]["scenario"])


def shared_context(cells: list[dict]) -> str:
    """The case, the parameters and the seed the cells share (a swept one is left out)."""
    summaries = [c["summary"] for c in cells]

    def shared(key: str) -> object:
        values = {str(s.get(key)) for s in summaries}
        return summaries[0].get(key) if len(values) == 1 else None

    parts = [cells_scenario(cells).title] if shared("scenario") is not None else []
    fit = shared("fit")
    if fit == "none":
        parts.append("hand-set parameters")
    elif fit is not None:  # cells under other rules say so after the same first words
        drawn = all(str(s.get("parameters", "")).startswith("posterior") for s in summaries)
        parts.append(f"the fit {fit}" + (" (posterior draws)" if drawn else ""))
    if (seed := shared("seed")) is not None:
        parts.append(f"seed {seed}")
    return ", ".join(parts)


def curve_keys(keys: list[str], numeric: list[str], mapped: bool) -> list[str]:
    """The key the outcome curves run against, drawn for each value of the others.

    The one numeric key; else the first key when no map (heatmap, tournament) shows the cells;
    none beside two numeric keys' heatmaps.
    """
    if len(numeric) == 1:
        return numeric
    return [] if numeric or mapped else keys[:1]


def other_groups(table: pd.DataFrame, keys: list[str], key: str) -> list[tuple[str, pd.DataFrame]]:
    """The cells of each combination of the swept keys other than ``key``, named ``k=v, ...``.

    A curve against ``key`` is drawn for each, so that cells of two rules, say, are not joined
    on one line; a single unnamed group when ``key`` is the only swept key, none when there are
    more than `MAX_GROUPS`.
    """
    others = [k for k in keys if k != key]
    if not others:
        return [("", table)]
    parts = list(table.groupby(others, sort=False, dropna=False))
    if len(parts) > MAX_GROUPS:
        return []
    named = []
    for values, part in parts:
        values = values if isinstance(values, tuple) else (values,)
        named.append((", ".join(f"{k}={v}" for k, v in zip(others, values, strict=True)), part))
    return named


def slug(text: str) -> str:
    """``text`` as part of a file name: runs of other characters become one underscore."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
