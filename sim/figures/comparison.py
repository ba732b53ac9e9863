"""Figures of the comparison with history and of the calibration.

Each figure is a `make_*_data` function (numbers, tested) and a `plot_*` function (drawing):
the event raster (the real sequence above a few simulated runs), the profile likelihood of each
fitted parameter, and the cumulative log-likelihood gain of the model over the baselines.
"""

from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.core.moves import ALLIES, N_MOVES, UsMove
from sim.core.scenario import Scenario
from sim.figures.fan import figure_and_axes
from sim.history import RealPath

#: Cell codes of the raster: the three moves, then Washington's three pressure levels.
RASTER_CODES = ("cooperate", "hold", "retaliate", "no pressure", "engage", "press")
RASTER_COLOURS = ("#2b8cbe", "#f0f0f0", "#d7301f", "#f7f7f7", "#fdd9b5", "#e6550d")
ROWS = (*ALLIES, "washington")


@dataclass(frozen=True)
class RasterData:
    """What the event raster draws.

    ``codes`` has shape (blocks x 3 rows, weeks): per block (the real sequence, then each
    sampled run) one row per actor in `ROWS` order, holding indices into `RASTER_CODES`.
    """

    dates: pd.DatetimeIndex
    codes: np.ndarray
    blocks: list[str]
    milestones: list[tuple[int, str]]
    title: str


def _block(moves: dict[str, np.ndarray], pressure: np.ndarray) -> np.ndarray:
    us = UsMove.of(np.asarray(pressure)) + N_MOVES
    return np.stack([*(np.asarray(moves[a], dtype=int) for a in ALLIES), us])


def make_raster_data(
    scenario: Scenario,
    real: RealPath,
    moves: dict[str, np.ndarray],
    pressure: np.ndarray,
    samples: int,
) -> RasterData:
    """Numbers for the event raster: the real moves, then the first ``samples`` runs.

    ``moves`` maps each ally to simulated moves of shape (weeks, R) and ``pressure`` has shape
    (weeks, R) (a `Recorder`'s arrays); replications are in random order already, so the first
    ones are a fair sample.
    """
    weeks = len(real.pressure)
    runs = min(samples, pressure.shape[1] if pressure.ndim == 2 else 0)
    blocks = [_block(real.moves, real.pressure)]
    blocks += [
        _block({a: moves[a][:weeks, r] for a in ALLIES}, pressure[:weeks, r]) for r in range(runs)
    ]
    labels = {m.id: m.label for m in scenario.milestones}
    milestones = sorted(
        (week, labels[key]) for key, week in real.milestones.items() if week is not None
    )
    return RasterData(
        dates=pd.DatetimeIndex([scenario.week_start(w) for w in range(weeks)]),
        codes=np.concatenate(blocks),
        blocks=["real", *(f"run {r + 1}" for r in range(runs))],
        milestones=milestones,
        title=scenario.title,
    )


def plot_event_raster(data: RasterData, ax=None) -> Figure:
    """Rows: actors; columns: weeks; the real sequence on top, sampled runs below."""
    rows, weeks = data.codes.shape
    figure, ax = figure_and_axes(ax, (11, 1.6 + 0.22 * rows))
    cmap = ListedColormap(RASTER_COLOURS)
    ax.imshow(
        data.codes,
        cmap=cmap,
        vmin=-0.5,
        vmax=len(RASTER_CODES) - 0.5,
        aspect="auto",
        interpolation="nearest",
        extent=(-0.5, weeks - 0.5, rows - 0.5, -0.5),
    )
    names = {"seoul": "Seoul", "tokyo": "Tokyo", "washington": "Washington"}
    labels = [f"{block}: {names[a]}" for block in data.blocks for a in ROWS]
    ax.set_yticks(range(rows), labels, fontsize=7)
    for b in range(1, len(data.blocks)):
        ax.axhline(b * len(ROWS) - 0.5, color="black", lw=1.5 if b == 1 else 0.6)
    for i, (week, label) in enumerate(data.milestones):
        ax.axvline(week, color="black", lw=0.7, ls=":")
        ax.text(week, -0.7 - 1.0 * (i % 4), f" {label}", fontsize=6, va="bottom")
    months = [w for w in range(1, weeks) if data.dates[w].month != data.dates[w - 1].month]
    step = max(1, len(months) // 12)
    ax.set_xticks(months[::step], [data.dates[w].strftime("%Y-%m") for w in months[::step]])
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("week")
    ax.set_ylim(rows - 0.5, -0.5 - 1.0 * min(4, len(data.milestones)) - 0.4)
    handles = [
        Patch(facecolor=RASTER_COLOURS[i], edgecolor="grey", label=RASTER_CODES[i])
        for i in (0, 1, 2, 4, 5)
    ]
    ax.legend(
        handles=handles,
        ncol=5,
        fontsize=7,
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
    )
    ax.set_title(f"{data.title}: the real sequence above {len(data.blocks) - 1} runs", fontsize=9)
    return figure


@dataclass(frozen=True)
class ProfileData:
    """Profile log-likelihood curves: per parameter, values, drops below the maximum, interval."""

    keys: list[str]
    values: list[np.ndarray]
    drops: list[np.ndarray]
    estimates: list[float]
    intervals: list[tuple[float, float]]
    threshold: float


def make_profile_data(profiles: list[dict], threshold: float) -> ProfileData:
    """Numbers for the profile plot, from the ``profiles`` of a calibration report."""
    ordered = [sorted(zip(p["values"], p["drops"], strict=True)) for p in profiles]
    return ProfileData(
        keys=[p["key"] for p in profiles],
        values=[np.array([v for v, _ in o]) for o in ordered],
        drops=[np.array([d for _, d in o]) for o in ordered],
        estimates=[p["estimate"] for p in profiles],
        intervals=[(p["lower"], p["upper"]) for p in profiles],
        threshold=threshold,
    )


def plot_profiles(data: ProfileData) -> Figure:
    """One panel per parameter: the profile's drop in log-likelihood around the estimate.

    At each value the other parameters are refitted; the 95% interval is where the drop stays
    below the dashed line.
    """
    n = len(data.keys)
    cols = min(3, max(n, 1))
    nrows = max(1, -(-n // cols))
    figure = Figure(figsize=(3.6 * cols, 2.7 * nrows), layout="constrained")
    axes = figure.subplots(nrows, cols, squeeze=False).ravel()
    for ax, key, x, y, estimate, (low, high) in zip(
        axes, data.keys, data.values, data.drops, data.estimates, data.intervals, strict=False
    ):
        ax.plot(x, y, "o-", ms=3, color="tab:blue")
        ax.axhline(data.threshold, color="tab:red", lw=0.8, ls="--")
        ax.axvline(estimate, color="black", lw=0.8)
        ax.axvspan(low, high, color="tab:blue", alpha=0.12)
        ax.set_title(key, fontsize=9)
        ax.set_ylabel("drop in log-lik. (nats)", fontsize=8)
        ax.set_ylim(bottom=0, top=max(2.5 * data.threshold, float(np.nanmax(y)) if len(y) else 1))
        ax.tick_params(labelsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    return figure


@dataclass(frozen=True)
class GainData:
    """Cumulative log-likelihood of the model minus each baseline, week by week, per actor."""

    dates: pd.DatetimeIndex
    gains: dict[str, dict[str, np.ndarray]]  # baseline -> actor -> cumulative gain
    cutoff: int | None


def make_gain_data(
    dates: list,
    model: np.ndarray,
    baselines: dict[str, np.ndarray],
    cutoff: int | None = None,
) -> GainData:
    """Numbers for the gain plot from (weeks, allies) log-probability arrays."""
    gains = {
        name: {a: np.cumsum(model[:, i] - scores[:, i]) for i, a in enumerate(ALLIES)}
        for name, scores in baselines.items()
    }
    return GainData(pd.DatetimeIndex(dates), gains, cutoff)


def plot_cumulative_gain(data: GainData, ax=None) -> Figure:
    """Where the model wins and loses against each baseline, week by week."""
    figure, ax = figure_and_axes(ax, (10, 4))
    styles = {"base_rates": "--", "markov": "-"}
    colours = {"seoul": "tab:blue", "tokyo": "tab:red"}
    for name, per_actor in data.gains.items():
        for actor, gain in per_actor.items():
            ax.step(
                data.dates,
                gain,
                where="post",
                ls=styles.get(name, ":"),
                color=colours[actor],
                label=f"{actor.title()}: model - {name.replace('_', ' ')}",
            )
    ax.axhline(0, color="black", lw=0.6)
    if data.cutoff is not None and 0 <= data.cutoff < len(data.dates):
        ax.axvline(data.dates[data.cutoff], color="grey", lw=0.8, ls=":")
        ax.text(
            data.dates[data.cutoff], ax.get_ylim()[1], " hold-out cut-off", fontsize=7, va="top"
        )
    ax.set_ylabel("cumulative log-likelihood gain (nats)")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.legend(fontsize=7, frameon=False, ncol=2)
    ax.grid(alpha=0.3)
    return figure
