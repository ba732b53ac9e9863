"""Sweep figures: outcome curves, milestone violins, heatmaps and the rule tournament.

Each figure is a `make_*_data` function (numbers, tested) and a `plot_*` function (drawing).
"""

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.metrics import OUTCOMES, wilson_interval
from sim.experiment.store import write_figure
from sim.figures.fan import figure_and_axes
from sim.figures.sweep_context import (
    cell_names,
    cells_scenario,
    curve_keys,
    is_numeric,
    other_groups,
    shared_context,
    slug,
)
from sim.reports.labels import plain

TOURNAMENT_KEYS = ("strategy@seoul", "strategy@tokyo")
MAX_VIOLIN_CELLS = 25
COLOURS = {
    "never_noticed": "tab:green",
    "noticed_then_kept": "tab:blue",
    "terminated": "tab:red",
    "pending": "tab:gray",
}
SETTLED = ("noticed_then_kept", "terminated")  # the classes a pending run settles into


@dataclass(frozen=True)
class OutcomeCurve:
    """Outcome probabilities with 95% Wilson intervals against one swept key."""

    key: str
    x: np.ndarray
    labels: list[str]
    numeric: bool
    p: dict[str, np.ndarray]
    lo: dict[str, np.ndarray]
    hi: dict[str, np.ndarray]
    real_outcome: str | None
    # kept and terminated once the runs pending at the end were followed until settled
    settled: dict[str, np.ndarray] | None = None
    runs: int | None = None  # replications per cell, when every cell has as many
    settled_lo: dict[str, np.ndarray] | None = None  # their 95% Wilson intervals
    settled_hi: dict[str, np.ndarray] | None = None


def make_outcome_curve_data(
    table: pd.DataFrame, key: str, real_outcome: str | None
) -> OutcomeCurve:
    """Numbers of the outcome curve, cells sorted by the key when it is numeric."""
    numeric = is_numeric(table[key])
    ordered = table.sort_values(key, kind="stable") if numeric else table
    x = ordered[key].to_numpy(dtype=float) if numeric else np.arange(len(ordered), dtype=float)
    column = f"p_settled_{SETTLED[0]}"  # absent, or empty in cells of run.follow=false
    followed = column in ordered and bool(ordered[column].notna().any())

    def settled(end: str) -> dict[str, np.ndarray] | None:
        return {o: ordered[f"p_settled_{o}{end}"].to_numpy() for o in SETTLED} if followed else None

    return OutcomeCurve(
        key=key,
        x=x,
        labels=[str(v) for v in ordered[key]],
        numeric=numeric,
        p={o: ordered[f"p_{o}"].to_numpy() for o in OUTCOMES},
        lo={o: ordered[f"p_{o}_lo"].to_numpy() for o in OUTCOMES},
        hi={o: ordered[f"p_{o}_hi"].to_numpy() for o in OUTCOMES},
        real_outcome=real_outcome,
        settled=settled(""),
        settled_lo=settled("_lo"),
        settled_hi=settled("_hi"),
        runs=int(ordered["replications"].iloc[0])
        if "replications" in ordered and ordered["replications"].nunique() == 1
        else None,
    )


def plot_outcome_curve(data: OutcomeCurve, ax=None) -> Figure:
    """Each outcome's probability with its interval; the real outcome drawn thick.

    Over unordered values (presets, rules) each outcome's marks stand a little apart, with
    bars for their intervals, so that equal shares do not hide each other.
    """
    figure, ax = figure_and_axes(ax, (8, 4.5))
    shift = {o: 0.0 if data.numeric else (i - 1.5) * 0.06 for i, o in enumerate(OUTCOMES)}
    for outcome in OUTCOMES:
        real = outcome == data.real_outcome
        label = f"{plain(outcome)} (the real outcome)" if real else plain(outcome)
        low, high, p = data.lo[outcome], data.hi[outcome], data.p[outcome]
        x = data.x + shift[outcome]
        colour = COLOURS[outcome]
        if data.numeric:
            ax.fill_between(data.x, low, high, color=colour, alpha=0.15)
        else:  # unordered values (presets): bars, not a band joining them
            bars = np.clip([p - low, high - p], 0, None)
            ax.errorbar(x, p, yerr=bars, ls="none", color=colour, alpha=0.5, capsize=2)
        width, ls = (3 if real else 1.5), ("-" if data.numeric else "none")
        ax.plot(x, p, marker="o", color=colour, lw=width, ls=ls, label=label)
    for outcome, p in (data.settled or {}).items():
        low, high = (data.settled_lo or {})[outcome], (data.settled_hi or {})[outcome]
        ax.errorbar(  # intervals as bars, apart from the shaded within-window ones
            data.x + shift[outcome] * 1.5,
            p,
            yerr=np.clip(np.vstack([p - low, high - p]), 0, None),  # a bound off by 1e-19
            color=COLOURS[outcome],
            lw=1.2,
            ls="--" if data.numeric else "none",
            marker="x",
            capsize=3,
            label=f"{plain(outcome)}, pending runs followed until settled",
        )
    if not data.numeric:
        ax.set_xticks(data.x, data.labels, rotation=20, ha="right")
    ax.set_xlabel(data.key)
    runs = f" ({data.runs:,} runs a cell)" if data.runs else ""
    ax.set_title(f"How the runs end, by {data.key}{runs}", fontsize=10)
    ax.set_ylabel("share of replications (95% Wilson interval)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return figure


@dataclass(frozen=True)
class ReachCurve:
    """A case without an outcome rule: the share of runs reaching each milestone, by one key.

    Nothing is put on notice in such a case, so every run "never notices" and an outcome curve
    would be flat at 1; how often each milestone is reached is what the swept key changes.
    """

    key: str
    x: np.ndarray
    labels: list[str]
    numeric: bool
    p: dict[str, np.ndarray]  # milestone label -> share of runs that reach it
    lo: dict[str, np.ndarray]  # its 95% Wilson interval
    hi: dict[str, np.ndarray]
    runs: int | None = None  # replications per cell, when every cell has as many


def make_reach_curve_data(table: pd.DataFrame, key: str, milestones: dict[str, str]) -> ReachCurve:
    """Numbers of the reach curve from ``<milestone>_never``; ``milestones`` maps id to label."""
    numeric = is_numeric(table[key])
    ordered = table.sort_values(key, kind="stable") if numeric else table
    n = ordered["replications"].to_numpy(dtype=float)
    p, lo, hi = {}, {}, {}
    for name, label in milestones.items():
        p[label] = 1 - ordered[f"{name}_never"].to_numpy(dtype=float)
        lo[label], hi[label] = wilson_interval(np.round(p[label] * n), n)
    return ReachCurve(
        key=key,
        x=ordered[key].to_numpy(dtype=float) if numeric else np.arange(len(ordered), dtype=float),
        labels=[str(v) for v in ordered[key]],
        numeric=numeric,
        p=p,
        lo=lo,
        hi=hi,
        runs=int(n[0]) if len(set(n)) == 1 else None,
    )


def plot_reach_curve(data: ReachCurve) -> Figure:
    """Each milestone's share of runs that reach it, with its interval, against the key."""
    figure, ax = figure_and_axes(None, (8, 4.5))
    for label, p in data.p.items():
        ax.fill_between(data.x, data.lo[label], data.hi[label], alpha=0.15)
        ax.plot(data.x, p, marker="o", lw=1.5, label=label, ls="-" if data.numeric else "none")
    if not data.numeric:
        ax.set_xticks(data.x, data.labels, rotation=20, ha="right")
    ax.set_xlabel(data.key)
    runs = f" ({data.runs:,} runs a cell)" if data.runs else ""
    ax.set_title(
        f"How often the runs reach each milestone, by {data.key}{runs}\n"
        "(the case has no outcome rule: nothing is put on notice, so no outcome curve)",
        fontsize=10,
    )
    ax.set_ylabel("share of runs that reach it (95% Wilson interval)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return figure


@dataclass(frozen=True)
class MilestoneViolins:
    """Per milestone, the distribution of its week in each cell, and the real week."""

    labels: list[str]
    axis: str
    milestones: list[str]
    weeks: dict[str, list[np.ndarray]]
    real: dict[str, int | None]
    never: dict[str, list[float]] = field(default_factory=dict)  # share of runs without it
    start: str | None = None  # the date of week 0
    span: int | None = None  # the runs' weeks: every panel's axis runs over them


def make_milestone_data(cells: list[dict], labels: list[str], axis: str) -> MilestoneViolins:
    """Milestone weeks per cell, from each cell's replication table."""
    scenario = cells_scenario(cells)
    real = (cells[0]["summary"].get("real") or {}).get("milestones", {})
    weeks = {
        m.label: [c["replications"][m.column].dropna().to_numpy(float) for c in cells]
        for m in scenario.milestones
    }
    never = {
        m.label: [float(c["replications"][m.column].isna().mean()) for c in cells]
        for m in scenario.milestones
    }
    return MilestoneViolins(
        labels=labels,
        axis=axis,
        milestones=[m.label for m in scenario.milestones],
        weeks=weeks,
        real={m.label: real.get(m.id) for m in scenario.milestones},
        never=never,
        start=cells[0]["summary"].get("start"),
        span=cells[0]["summary"].get("weeks"),
    )


def plot_milestone_violins(data: MilestoneViolins) -> Figure:
    """One panel per milestone: a violin of its week per cell, the real week as a line."""
    n = len(data.milestones)
    figure = Figure(figsize=(4 * min(n, 3), 3.2 * int(np.ceil(n / 3))), layout="constrained")
    axes = figure.subplots(int(np.ceil(n / 3)), min(n, 3), squeeze=False).ravel()
    positions = np.arange(len(data.labels))
    for ax, milestone in zip(axes, data.milestones, strict=False):
        series = data.weeks[milestone]
        present = [i for i, w in enumerate(series) if len(w) > 1]
        if present:
            ax.violinplot(
                [series[i] for i in present],
                positions=positions[present],
                orientation="horizontal",
                showmedians=True,
            )
        for i in (i for i, w in enumerate(series) if len(w) == 1):  # one run: no violin
            ax.plot(series[i], [positions[i]], marker="|", ms=10, color="tab:blue")
        if data.real[milestone] is not None:
            ax.axvline(data.real[milestone], color="black", lw=1.5, label="real")
        _never_notes(ax, data.never.get(milestone, []), positions)
        ax.set_yticks(positions, data.labels, fontsize=7)
        ax.set_ylim(-0.6, len(positions) - 0.4)  # every row, with or without its violin
        ax.set_ylabel(data.axis, fontsize=8)
        ax.set_title(milestone, fontsize=9)
        ax.set_xlabel("week" + (f" (0 = {data.start})" if data.start else ""), fontsize=8)
        if data.span:
            ax.set_xlim(-1, data.span)
    for ax in axes[n:]:
        ax.set_visible(False)
    figure.suptitle(
        "The week each milestone is first reached, per cell: a violin over the runs that reach "
        "it (its median marked), the real week as a black line, and the share of runs that "
        "never do",
        fontsize=8,
        wrap=True,
    )
    return figure


def _never_notes(ax, never: list[float], positions: np.ndarray) -> None:
    """Each cell's share of runs without the milestone, at the row's right end.

    A cell where it (almost) never happens has no violin; the note says why the row is empty.
    """
    for y, share in zip(positions, never, strict=False):
        if share > 0:
            ax.text(
                1.0,
                y,
                f" never {share:.0%}",
                transform=ax.get_yaxis_transform(),
                fontsize=7,
                va="center",
                ha="left",
                color="dimgrey",
            )


@dataclass(frozen=True)
class Heatmap:
    """A probability over a 2-D grid of swept values."""

    x_key: str
    y_key: str
    x: list
    y: list
    value: np.ndarray  # shape (len(y), len(x))
    outcome: str
    settled: bool = False  # shares once the pending runs settled, not at the window's end
    averaged: tuple[str, ...] = ()  # the other swept keys, whose cells each square averages

    @property
    def title(self) -> str:
        """What the colours are a share of, when the runs were counted, what is averaged."""
        when = "once the pending runs settled" if self.settled else "at the window's end"
        mean = f"\neach square the mean of its cells over {', '.join(self.averaged)}"
        return f"Share of runs {plain(self.outcome)} {when}{mean if self.averaged else ''}"


def make_heatmap_data(
    table: pd.DataFrame,
    x_key: str,
    y_key: str,
    outcome: str,
    settled: bool = False,
    averaged: tuple[str, ...] = (),
) -> Heatmap:
    """Pivot one outcome's probability onto the grid of two swept keys (mean over the rest).

    ``averaged`` names the rest for the title. With ``settled``, the share once the pending
    runs were followed until their notice was lifted or lapsed (``p_settled_*``).
    """
    column = f"p_settled_{outcome}" if settled else f"p_{outcome}"
    grid = table.pivot_table(index=y_key, columns=x_key, values=column, aggfunc="mean")
    x, y = list(grid.columns), list(grid.index)
    return Heatmap(x_key, y_key, x, y, grid.to_numpy(), outcome, settled, averaged)


def plot_heatmap(data: Heatmap, ax=None) -> Figure:
    """The grid as a colour map with each cell's value written in it."""
    figure, ax = figure_and_axes(ax, (6.5, 5))
    image = ax.imshow(data.value, origin="lower", cmap="Reds", vmin=0, vmax=1, aspect="auto")
    for (i, j), v in np.ndenumerate(data.value):
        ax.text(
            j,
            i,
            f"{v:.2f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if v > 0.6 else "black",
        )
    ax.set_xticks(range(len(data.x)), [str(v) for v in data.x], rotation=45, fontsize=7)
    ax.set_yticks(range(len(data.y)), [str(v) for v in data.y], fontsize=7)
    ax.set_xlabel(data.x_key)
    ax.set_ylabel(data.y_key)
    ax.set_title(data.title, fontsize=10)
    figure.colorbar(image, ax=ax, shrink=0.8, label="share of runs")
    return figure


def make_tournament_data(
    table: pd.DataFrame, outcome: str, keys: list[str], settled: bool = False
) -> dict[str, Heatmap]:
    """One Seoul-rule x Tokyo-rule matrix of an outcome's probability per value of other keys."""
    others = [k for k in keys if k not in TOURNAMENT_KEYS]
    groups = table.groupby(others, sort=False) if others else [((), table)]
    panels = {}
    for value, group in groups:
        name = ", ".join(f"{k}={v}" for k, v in zip(others, np.atleast_1d(value), strict=True))
        panels[name or "all"] = make_heatmap_data(
            group, "strategy@tokyo", "strategy@seoul", outcome, settled
        )
    return panels


def plot_tournament(panels: dict[str, Heatmap]) -> Figure:
    """Side-by-side rule-pair matrices."""
    figure = Figure(figsize=(7 * len(panels), 6), layout="constrained")
    axes = figure.subplots(1, len(panels), squeeze=False).ravel()
    for ax, (name, data) in zip(axes, panels.items(), strict=True):
        plot_heatmap(data, ax=ax)
        where = "" if name == "all" else f" ({name})"
        title = f"{data.title},\nSeoul's rule by Tokyo's{where}"
        ax.set_title(title, fontsize=10)
    return figure


def map_figures(
    table: pd.DataFrame, keys: list[str], real_outcome: str | None
) -> dict[str, Figure]:
    """The tournament (both sides' rules swept) or the heatmaps (two numeric keys), by file name.

    With followed runs the maps show the settled shares, the ones the docs call P(outcome).
    """
    numeric = [k for k in keys if is_numeric(table[k])]
    followed = f"p_settled_{SETTLED[0]}" in table
    if set(TOURNAMENT_KEYS) <= set(keys):
        panels = make_tournament_data(table, "terminated", keys, followed)
        return {"tournament.png": plot_tournament(panels)}
    if len(numeric) < 2:
        return {}
    outcomes = ["terminated", *([real_outcome] if real_outcome else [])]
    rest = tuple(k for k in keys if k not in numeric[:2])
    return {
        f"heatmap_{outcome}.png": plot_heatmap(
            make_heatmap_data(
                table, numeric[0], numeric[1], outcome, followed and outcome in SETTLED, rest
            )
        )
        for outcome in outcomes
    }


def draw_sweep_figures(
    table: pd.DataFrame, keys: list[str], cells: list[dict], folder: Path
) -> list[Path]:
    """Draw every figure that fits the sweep's shape; return the files written.

    A case without an outcome rule gets no outcome curve, heatmap or tournament (every run
    "never notices"): its curve is how often each milestone is reached.
    """
    noticed = cells[0]["summary"].get("notice_label") is not None
    real_outcome = (cells[0]["summary"].get("real") or {}).get("outcome")
    context = shared_context(cells)
    maps = map_figures(table, keys, real_outcome) if noticed else {}
    for figure in maps.values():
        figure.suptitle(context, fontsize=9, wrap=True)
    written = [write_figure(figure, folder / name) for name, figure in maps.items()]
    numeric = [k for k in keys if is_numeric(table[k])]
    milestones = {m.id: m.label for m in cells_scenario(cells).milestones}
    curves = curve_keys(keys, numeric, bool(maps))
    for key in curves if noticed or milestones else []:
        for group, part in other_groups(table, keys, key):  # another rule: another figure
            if noticed:
                figure = plot_outcome_curve(make_outcome_curve_data(part, key, real_outcome))
            else:
                figure = plot_reach_curve(make_reach_curve_data(part, key, milestones))
            said = f"{context}; {group}" if group else context
            figure.axes[0].set_title(
                f"{figure.axes[0].get_title()}\n{said}", fontsize=10, wrap=True
            )
            name = ("outcomes_by_" if noticed else "reached_by_") + slug(key)
            written.append(
                write_figure(figure, folder / f"{name}{'_with_' * bool(group)}{slug(group)}.png")
            )
    if len(cells) <= MAX_VIOLIN_CELLS:
        data = make_milestone_data(cells, cell_names(table, keys), ", ".join(keys))
        figure = plot_milestone_violins(data)
        figure.suptitle(f"{context}: {figure.get_suptitle()}", fontsize=8, wrap=True)
        written.append(write_figure(figure, folder / "milestones.png"))
    return written
