"""The classroom's live tension chart: numbers (`make_tension_chart_data`) and drawing."""

import datetime as dt
from dataclasses import dataclass

import matplotlib.dates as mdates
from matplotlib.figure import Figure

from sim.figures import week_ticks
from sim.figures.fan import figure_and_axes

#: The chart's text size in points. The class dashboard shows the 7.5-inch chart in cards
#: about 530 px wide, 0.7 of its size at 100 dpi: 12.5 points still read as 12 px there.
FONT_PT = 12.5


@dataclass(frozen=True)
class TensionChartData:
    """What the live chart draws: the weeks played, 2019's path if shown, the injected events."""

    dates: list[dt.date]
    played: list[float]
    real: list[float] | None
    injected: list[dt.date]
    now: tuple[dt.date, float] | None
    years: str  # the case's, for the real path's legend ("2016-2017")


def make_tension_chart_data(status, show_real: bool) -> TensionChartData:
    """Numbers for the chart from a room's status; the real path only up to this week."""
    dates = [dt.date.fromisoformat(d) for d in status.dates]
    played = [float(r.tension) for r in status.timeline]
    real = status.real_tension if show_real else None
    shown = max(len(played), 1)
    return TensionChartData(
        dates=dates,
        played=played,
        real=None if real is None else [float(v) for v in real[:shown]],
        injected=[dates[min(i.week, len(dates) - 1)] for i in status.injections],
        now=None if status.ended else (dates[status.week], float(status.tension)),
        years=status.years,
    )


def _through_last_week(dates: list[dt.date], values: list[float]) -> tuple[list, list]:
    """A weekly path with one more point a week after its last, so the last week is a line.

    A step plot ends at its last point: without it, the last week played was a lone dot
    while the debrief's chart drew it as a line.
    """
    shown = list(dates[: len(values)])
    return [*shown, shown[-1] + dt.timedelta(weeks=1)], [*values, values[-1]]


def event_labels(injected: list[dt.date]) -> dict[dt.date, str]:
    """One label per week with injected events, numbered in order: ``E1``, or ``E2, E3``.

    Two events of one week were drawn as two labels on one line, the second over the first.
    """
    labels: dict[dt.date, list[str]] = {}
    for number, date in enumerate(injected, start=1):
        labels.setdefault(date, []).append(f"E{number}")
    return {date: ", ".join(names) for date, names in labels.items()}


def label_rows(days: list[float], texts: list[str], points_per_day: float) -> list[int]:
    """The row of each label, in date order, so that no two labels in one row overlap.

    A label takes about 0.62 of the font size per character, centred on its day; each goes to
    the lowest row whose last label ends before it starts. Events in neighbouring weeks of a
    long case drew "E3" over ", E2" on one line.
    """
    ends: list[float] = []  # the right edge, in points, of each row's last label
    rows = []
    for day, text in zip(days, texts, strict=True):
        half = 0.31 * FONT_PT * len(text)
        centre = day * points_per_day
        row = next((r for r, end in enumerate(ends) if end + 2 <= centre - half), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = centre + half
        rows.append(row)
    return rows


def plot_tension_chart(data: TensionChartData, ax=None) -> Figure:
    """Tension week by week in this game (and 2019's path over the same weeks, if asked)."""
    figure, ax = figure_and_axes(ax, (7.5, 3.2))
    if data.played:
        ax.step(
            *_through_last_week(data.dates, data.played),
            where="post",
            color="tab:orange",
            lw=2.5,
            marker="o",
            ms=3,
            markevery=list(range(len(data.played))),  # a dot on each week played, not past it
            label="this game",
        )
    if data.real:
        ax.step(
            *_through_last_week(data.dates, data.real),
            where="post",
            color="black",
            lw=1.8,
            label=f"{data.years} as it happened",
        )
    if data.now is not None:
        ax.plot(
            *data.now,
            marker="o",
            ms=8,
            mfc="white",
            mec="tab:orange",
            mew=2,
            ls="none",
            label="now, before this week's moves",
        )
    ax.set_xlim(data.dates[0] - dt.timedelta(days=3), data.dates[-1] + dt.timedelta(weeks=1))
    labels = event_labels(data.injected)
    low, high = ax.get_xlim()  # days
    width = ax.get_position().width * figure.get_figwidth() * 72  # points
    days = [mdates.date2num(d) - low for d in labels]
    rows = label_rows(days, list(labels.values()), width / (high - low))
    for (date, numbers), row in zip(labels.items(), rows, strict=True):
        ax.axvline(date, color="tab:purple", lw=1.2, ls=":")
        ax.annotate(  # above the frame: inside, the legend covered it
            numbers,
            (date, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 2 + row * (FONT_PT + 2)),
            textcoords="offset points",
            ha="center",
            va="bottom",
            color="tab:purple",
            fontsize=FONT_PT,
            fontweight="bold",
            annotation_clip=False,
        )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("tension", fontsize=FONT_PT)
    ax.tick_params(labelsize=FONT_PT)
    ax.grid(alpha=0.3)
    if data.played or data.real or data.now:
        # framed: alone in week 1, the "now" marker read as a point of the chart
        ax.legend(loc="upper left", fontsize=FONT_PT, framealpha=0.9)  # read on a projector too
    week_ticks(ax, len(data.dates))
    return figure
