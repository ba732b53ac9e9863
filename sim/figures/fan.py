"""Figures: each is data-making (`make_*_data`, tested on values) plus drawing (`plot_*`)."""

import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # figures are written to files; the web page embeds them itself

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.scenario import Scenario
from sim.figures import concise_dates
from sim.history import RealPath


@dataclass(frozen=True)
class FanData:
    """What the tension fan chart draws: simulated quantiles, the real path, milestones."""

    dates: pd.DatetimeIndex
    median: np.ndarray
    band50: tuple[np.ndarray, np.ndarray]
    band90: tuple[np.ndarray, np.ndarray]
    real: np.ndarray | None
    milestones: list[tuple[pd.Timestamp, str]]
    title: str
    real_name: str = "real"  # the path's legend: an events file of one's own is named, not "real"


def make_fan_data(
    fan: pd.DataFrame,
    scenario: Scenario,
    real: RealPath | None,
    caption: str = "",
    events_name: str | None = None,
) -> FanData:
    """Numbers for the fan chart, from the per-week quantile table of a run.

    ``caption`` (a line under the title) says which runs these are: a run's count, rules,
    US policy and parameters (`sim.reports.run.RunSummary.caption`). ``events_name`` names the
    events file ``real`` comes from when it is not the scenario's own (`escalation compare
    events=PATH`): the legend then says that file, not "real".
    """
    by_week: dict[int, list[str]] = {}
    if real is not None:
        labels = {m.id: m.label for m in scenario.milestones}
        for key, week in real.milestones.items():
            if week is not None and week < len(fan):
                by_week.setdefault(week, []).append(labels[key])
    # milestones of one week share one line, so they share one label
    milestones = [(pd.Timestamp(scenario.week_start(w)), "; ".join(n)) for w, n in by_week.items()]
    caption = textwrap.fill(caption, CAPTION_CHARS, break_long_words=False)
    return FanData(
        dates=pd.DatetimeIndex(fan["date"]),
        median=fan["q50"].to_numpy(),
        band50=(fan["q25"].to_numpy(), fan["q75"].to_numpy()),
        band90=(fan["q05"].to_numpy(), fan["q95"].to_numpy()),
        real=None if real is None else real.tension[: len(fan)],
        milestones=sorted(milestones),
        title=f"{scenario.title}\n{caption}" if caption else scenario.title,
        real_name=events_name or "real",
    )


def figure_and_axes(ax=None, size: tuple[float, float] = (10, 5)):
    """The axes to draw on and their figure: a new figure of ``size`` when ``ax`` is None."""
    if ax is not None:
        return ax.figure, ax
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


CHAR_WIDTH = 0.0058  # a 7-point character's width as a share of the fan's axes, about
CAPTION_CHARS = 110  # a 10-point caption line that fits the fan's 10-inch width
LABEL_BASE, LABEL_STEP = 1.04, 0.065  # the milestone labels' rows, above the top tension of 1


def label_rows(
    places: list[float], labels: list[str], char_width: float = CHAR_WIDTH
) -> list[tuple[int, bool]]:
    """Each line label's row (0 nearest the frame's top) and whether it is written leftwards.

    ``places`` are the lines' positions as shares of the axes' width. A label is written
    rightwards from its line, or leftwards where it would run past the frame, in the first row
    where it meets no label already placed (widths estimated from the number of characters),
    so the labels of close lines do not overlap.
    """
    taken: list[list[tuple[float, float]]] = []
    placed = []
    for x, label in zip(places, labels, strict=True):
        low, high, right = _span(x, char_width * (len(label) + 2))
        row = next(
            (r for r, spans in enumerate(taken) if all(high < a or low > b for a, b in spans)),
            len(taken),
        )
        if row == len(taken):
            taken.append([])
        taken[row].append((low, high))
        placed.append((row, right))
    return placed


def _span(x: float, width: float, leftwards: bool = False) -> tuple[float, float, bool]:
    """A label's extent from its line at ``x``, leftwards when asked or when it must be."""
    left = leftwards and x - width >= 0 or x + width > 1.0
    return (x - width, x, True) if left else (x, x + width, False)


def stacked_rows(
    places: list[float], labels: list[str], char_width: float = CHAR_WIDTH
) -> list[tuple[int, bool]]:
    """Rows (0 lowest) and directions of labels each drawn at the top of its own line.

    Each line rises from the axis to its label's row, so a label must not span a line that
    rises above it, nor sit below a label its own line would cross. Labels are written the way
    that spans fewer other lines, those spanning fewest placed first (of those, first the ones
    whose lines most labels span, then those furthest along the way labels are written, as the
    labels spanning them must sit above them), each in the lowest row
    that keeps every line clear of every other label; failing that, the first free row.
    """
    spans = []
    for x, label in zip(places, labels, strict=True):
        width = char_width * (len(label) + 2)
        ways = [_span(x, width), _span(x, width, leftwards=True)]
        spans.append(min(ways, key=lambda s: sum(s[0] < p < s[1] for p in places)))
    crossed = [sum(lo < p < hi for p in places) for lo, hi, _ in spans]
    spanned = [sum(lo < p < hi for lo, hi, _ in spans) for p in places]
    rows: dict[int, int] = {}
    # ties: the lines a label is written towards first, since it must sit above their labels
    toward = [-x if not spans[i][2] else x for i, x in enumerate(places)]
    for i in sorted(range(len(places)), key=lambda i: (crossed[i], -spanned[i], toward[i], i)):
        free = [r for r in range(len(places)) if _free(i, r, rows, spans, places, clear=False)]
        clear = [r for r in free if _free(i, r, rows, spans, places, clear=True)]
        rows[i] = (clear or free)[0]
    return [(rows[i], spans[i][2]) for i in range(len(places))]


def _free(i: int, row: int, rows: dict, spans: list, places: list, clear: bool) -> bool:
    """Whether label ``i`` fits in ``row``: no label overlaps; with ``clear``, no line crosses."""
    low, high, _ = spans[i]
    for j, other in rows.items():
        a, b, _ = spans[j]
        if other == row and not (high < a or low > b):
            return False
        if clear and low < places[j] < high and other > row:  # j's line rises through i
            return False
        if clear and a < places[i] < b and other < row:  # i's line rises through j
            return False
    return True


def weeks_edges(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The weeks' Mondays and the Monday after the last, so the last week has its width.

    A step drawn over the Mondays alone ends at the last one: the last week shrank to a
    vertical line at the frame's edge.
    """
    return dates.append(pd.DatetimeIndex([dates[-1] + pd.Timedelta(weeks=1)]))


def _held(values: np.ndarray) -> np.ndarray:
    """A week's values with the last repeated, to step over `weeks_edges`."""
    return np.append(values, values[-1:])


def _milestone_labels(ax, data: FanData) -> None:
    """Each milestone's dashed line, rising to its label above the top tension of 1.

    The labels sit in rows above every path (tension is at most 1), each at the top of its own
    line, written beside it; the y axis is ticked over the tensions only.
    """
    span = weeks_edges(data.dates)[-1] - data.dates[0]
    places = [(date - data.dates[0]) / span for date, _ in data.milestones]
    rows = stacked_rows(places, [label for _, label in data.milestones])
    for (date, label), (row, right) in zip(data.milestones, rows, strict=True):
        top = LABEL_BASE + LABEL_STEP * row
        ax.vlines(date, 0, top, color="tab:red", lw=0.8, ls="--", alpha=0.7)
        text = f"{label} " if right else f" {label}"
        ax.text(
            date,
            top,
            text,
            fontsize=7,
            color="tab:red",
            va="center",
            ha="right" if right else "left",
        )
    lines = 1 + max((row for row, _ in rows), default=-1)
    ax.set_ylim(0, LABEL_BASE + LABEL_STEP * lines if lines else 1.05)
    ax.set_yticks(np.linspace(0, 1, 6))


def plot_tension_fan(data: FanData, ax=None) -> Figure:
    """Median simulated tension with 50% and 90% bands, the real path and its milestones."""
    figure, ax = figure_and_axes(ax)
    x = weeks_edges(data.dates)
    for (low, high), alpha, name in ((data.band90, 0.15, "90"), (data.band50, 0.3, "50")):
        ax.fill_between(
            x,
            _held(low),
            _held(high),
            step="post",
            color="tab:blue",
            alpha=alpha,
            label=f"simulated {name}% band",
        )
    median = _held(data.median)
    ax.step(x, median, where="post", color="tab:blue", lw=2, label="simulated median")
    if data.real is not None:
        years = sorted({data.dates[0].year, data.dates[-1].year})
        label = f"{data.real_name} " + "-".join(str(y) for y in years)
        ax.step(x, _held(data.real), where="post", color="black", lw=2, label=label)
    ax.set_xlim(x[0], x[-1])
    _milestone_labels(ax, data)
    concise_dates(ax, data.dates[0], data.dates[-1])
    ax.set_ylabel("tension (0: no measure in force, 1: every one)", fontsize=8)
    ax.set_title(data.title, fontsize=10)
    # below the axes, where it cannot hide a milestone's label or the paths
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=4, fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return figure
