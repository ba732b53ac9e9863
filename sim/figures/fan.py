"""Figures: each is data-making (`make_*_data`, tested on values) plus drawing (`plot_*`)."""

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


def make_fan_data(
    fan: pd.DataFrame, scenario: Scenario, real: RealPath | None, caption: str = ""
) -> FanData:
    """Numbers for the fan chart, from the per-week quantile table of a run.

    ``caption`` (a line under the title) says which runs these are: a run's count, rules,
    US policy and parameters (`sim.reports.run.RunSummary.caption`).
    """
    milestones = []
    if real is not None:
        labels = {m.id: m.label for m in scenario.milestones}
        for key, week in real.milestones.items():
            if week is not None and week < len(fan):
                milestones.append((pd.Timestamp(scenario.week_start(week)), labels[key]))
    return FanData(
        dates=pd.DatetimeIndex(fan["date"]),
        median=fan["q50"].to_numpy(),
        band50=(fan["q25"].to_numpy(), fan["q75"].to_numpy()),
        band90=(fan["q05"].to_numpy(), fan["q95"].to_numpy()),
        real=None if real is None else real.tension[: len(fan)],
        milestones=sorted(milestones),
        title=f"{scenario.title}\n{caption}" if caption else scenario.title,
    )


def figure_and_axes(ax=None, size: tuple[float, float] = (10, 5)):
    """The axes to draw on and their figure: a new figure of ``size`` when ``ax`` is None."""
    if ax is not None:
        return ax.figure, ax
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


CHAR_WIDTH = 0.0058  # a 7-point character's width as a share of the fan's axes, about


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
        width = char_width * (len(label) + 2)
        right = x + width > 1.0
        low, high = (x - width, x) if right else (x, x + width)
        row = next(
            (r for r, spans in enumerate(taken) if all(high < a or low > b for a, b in spans)),
            len(taken),
        )
        if row == len(taken):
            taken.append([])
        taken[row].append((low, high))
        placed.append((row, right))
    return placed


def plot_tension_fan(data: FanData, ax=None) -> Figure:
    """Median simulated tension with 50% and 90% bands, the real path and its milestones."""
    figure, ax = figure_and_axes(ax)
    ax.fill_between(
        data.dates,
        *data.band90,
        step="post",
        color="tab:blue",
        alpha=0.15,
        label="simulated 90% band",
    )
    ax.fill_between(
        data.dates,
        *data.band50,
        step="post",
        color="tab:blue",
        alpha=0.3,
        label="simulated 50% band",
    )
    ax.step(data.dates, data.median, where="post", color="tab:blue", lw=2, label="simulated median")
    if data.real is not None:
        years = sorted({data.dates[0].year, data.dates[-1].year})
        label = "real " + "-".join(str(y) for y in years)
        ax.step(data.dates, data.real, where="post", color="black", lw=2, label=label)
    span = (data.dates[-1] - data.dates[0]) or pd.Timedelta(days=1)
    places = [(date - data.dates[0]) / span for date, _ in data.milestones]
    rows = label_rows(places, [label for _, label in data.milestones])
    for (date, label), (row, right) in zip(data.milestones, rows, strict=True):
        ax.axvline(date, color="tab:red", lw=0.8, ls="--", alpha=0.7)
        ax.text(
            date,
            1.02 - 0.07 * row,
            f"{label} " if right else f" {label}",
            fontsize=7,
            color="tab:red",
            va="top",
            ha="right" if right else "left",
        )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("tension (share of both sides' measures in force)")
    concise_dates(ax)
    ax.set_title(data.title, fontsize=10)
    # below the axes, where it cannot hide a milestone's label or the paths
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4, fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return figure
