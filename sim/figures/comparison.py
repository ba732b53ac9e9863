"""Figures of the comparison with history and of the calibration.

Each figure is a `make_*_data` function (numbers, tested) and a `plot_*` function (drawing):
the event raster (the real sequence above a few simulated runs), the posterior of each fitted
parameter, the cumulative log-likelihood gain of the model over a baseline, the same gain
for the rolling-origin forecasts, and the leave-one-case-out gains split into when to move and
which move.
"""

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.core.moves import N_MOVES, UsMove
from sim.core.scenario import Scenario
from sim.figures import concise_dates
from sim.figures.fan import figure_and_axes, label_rows
from sim.history import RealPath

#: Cell codes of the raster: the three moves, then the patron's three moves (its pressure
#: levels, named as in trajectories.parquet). Abstain is a pale yellow, not a grey like hold.
RASTER_CODES = ("cooperate", "hold", "retaliate", "abstain", "engage", "press")
RASTER_COLOURS = ("#2b8cbe", "#f0f0f0", "#d7301f", "#fff7bc", "#fdae6b", "#a63603")
RASTER_CHAR = 0.0042  # a 6-point character's width as a share of the raster's axes, about


@dataclass(frozen=True)
class RasterData:
    """What the event raster draws.

    ``codes`` has shape (blocks x 3 rows, weeks): per block (the real sequence, then each
    sampled run) one row per actor in ``actors`` order, holding indices into `RASTER_CODES`.
    """

    dates: pd.DatetimeIndex
    codes: np.ndarray
    blocks: list[str]
    actors: tuple[str, ...]
    milestones: list[tuple[int, str]]
    title: str


def _block(
    sides: tuple[str, ...], moves: dict, pressure: np.ndarray, calm: float = 0.0
) -> np.ndarray:
    """One block's rows: each side's moves, then the patron's, a calm week as abstain."""
    pressure = np.asarray(pressure, dtype=float)
    us = np.where(pressure <= calm, 0, UsMove.of(pressure)) + N_MOVES
    return np.stack([*(np.asarray(moves[a], dtype=int) for a in sides), us])


def make_raster_data(
    scenario: Scenario,
    real: RealPath,
    moves: dict[str, np.ndarray],
    pressure: np.ndarray,
    samples: int,
    calm: float = 0.0,
) -> RasterData:
    """Numbers for the event raster: the real moves, then the first ``samples`` runs.

    ``moves`` maps each side to simulated moves of shape (weeks, R) and ``pressure`` has shape
    (weeks, R) (a `Recorder`'s arrays); replications are in random order already, so the first
    ones are a fair sample. A simulated pressure at or below ``calm`` (the reactive patron's
    baseline, `UsPolicy.calm_level`) is drawn as abstain, as a real week without US events is.
    """
    weeks = len(real.pressure)
    sides = scenario.sides
    runs = min(samples, pressure.shape[1] if pressure.ndim == 2 else 0)
    blocks = [_block(sides, real.moves, real.pressure)]
    blocks += [
        _block(sides, {a: moves[a][:weeks, r] for a in sides}, pressure[:weeks, r], calm)
        for r in range(runs)
    ]
    labels = {m.id: m.label for m in scenario.milestones}
    milestones = sorted(
        (week, labels[key]) for key, week in real.milestones.items() if week is not None
    )
    return RasterData(
        dates=pd.DatetimeIndex([scenario.week_start(w) for w in range(weeks)]),
        codes=np.concatenate(blocks),
        blocks=["real", *(f"run {r + 1}" for r in range(runs))],
        actors=scenario.actors,
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
    labels = [f"{block}: {a.title()}" for block in data.blocks for a in data.actors]
    ax.set_yticks(range(rows), labels, fontsize=7)
    for b in range(1, len(data.blocks)):
        ax.axhline(b * len(data.actors) - 0.5, color="black", lw=1.5 if b == 1 else 0.6)
    places = [(week + 0.5) / weeks for week, _ in data.milestones]
    label_places = label_rows(places, [label for _, label in data.milestones], RASTER_CHAR)
    for (week, label), (row, right) in zip(data.milestones, label_places, strict=True):
        ax.axvline(week, color="black", lw=0.7, ls=":")
        text = f"{label} " if right else f" {label}"
        ax.text(week, -0.7 - row, text, fontsize=6, va="bottom", ha="right" if right else "left")
    months = [w for w in range(1, weeks) if data.dates[w].month != data.dates[w - 1].month]
    step = max(1, -(-len(months) // 8))  # at most eight labels, or they touch
    ax.set_xticks(months[::step], [data.dates[w].strftime("%Y-%m") for w in months[::step]])
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("date (a column a week)")
    label_lines = 1 + max((row for row, _ in label_places), default=-1)
    ax.set_ylim(rows - 0.5, -0.5 - label_lines - 0.4)
    handles = [
        Patch(facecolor=colour, edgecolor="grey", label=code)
        for code, colour in zip(RASTER_CODES, RASTER_COLOURS, strict=True)
    ]
    ax.legend(
        handles=handles,
        ncol=len(handles),
        fontsize=7,
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
    )
    runs = len(data.blocks) - 1
    ax.set_title(f"{data.title}: the real sequence above the first {runs} runs", fontsize=9)
    return figure


@dataclass(frozen=True)
class PosteriorData:
    """Posterior draws of each fitted parameter, with its ML estimate and its box."""

    keys: list[str]
    draws: np.ndarray  # (draws, k)
    estimates: np.ndarray
    bounds: list[tuple[float, float]]
    log: list[bool]  # keys searched on a log scale are drawn on one
    titles: list[str]  # each panel's title: the key, with the keys tied to it
    note: str | None = None  # why the draws are not a posterior to read (not converged)


def make_posterior_data(
    keys, draws, estimates, low, high, log=None, tied=None, note=None
) -> PosteriorData:
    """Numbers for the posterior figure.

    ``log`` flags the keys with a log-uniform prior; ``tied`` maps a key to the keys that share
    its value (``KEY+TWIN`` in ``params``), named in its panel's title; ``note`` says why the
    chain did not converge (the calibration report's words), drawn above the panels.
    """
    tied = tied or {}
    return PosteriorData(
        list(keys),
        np.asarray(draws),
        np.asarray(estimates),
        list(zip(low, high, strict=True)),
        [False] * len(keys) if log is None else list(log),
        [" = ".join([k, *tied.get(k, [])]) for k in keys],
        note,
    )


def plot_posterior(data: PosteriorData) -> Figure:
    """One histogram per parameter: posterior draws, the ML estimate, the prior's box."""
    k = len(data.keys)
    columns = 3
    rows = -(-k // columns)
    figure = Figure(figsize=(3.4 * columns, 2.2 * rows), layout="constrained")
    for i, title in enumerate(data.titles):
        ax = figure.add_subplot(rows, columns, i + 1)
        low, high = data.bounds[i]
        bins = np.geomspace(low, high, 41) if data.log[i] else np.linspace(low, high, 41)
        ax.hist(data.draws[:, i], bins=bins, color="tab:blue", alpha=0.6)
        ax.axvline(data.estimates[i], color="black", lw=1.2, label="ML estimate")
        if np.isclose(data.estimates[i], [low, high], rtol=1e-3, atol=0).any():
            # its line lies under the frame: say so where it stands
            at_low = abs(data.estimates[i] - low) < abs(data.estimates[i] - high)
            ax.text(
                0.02 if at_low else 0.98,
                0.95,
                "ML estimate\non its bound",
                transform=ax.transAxes,
                ha="left" if at_low else "right",
                va="top",
                fontsize=7,
            )
        if data.log[i]:
            ax.set_xscale("log")
        ax.set_xlim(low, high)
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    title = (
        "posterior draws (histograms) and ML estimates (black lines), each on its prior's box "
        "(uniform; log-uniform on a log axis)"
    )
    if data.note is None:
        figure.suptitle(title, fontsize=9)
    else:  # in red above the panels: draws of an unconverged chain are not a posterior
        note = f"Posterior {data.note}; do not read these as a posterior"
        figure.suptitle(f"{note}\n{title}", fontsize=9, color="tab:red", wrap=True)
    return figure


@dataclass(frozen=True)
class GainData:
    """Cumulative log-likelihood of the model minus each baseline, week by week, per actor."""

    dates: pd.DatetimeIndex
    gains: dict[str, dict[str, np.ndarray]]  # baseline -> side -> cumulative gain
    cutoff: int | None
    acts: float = 0.0  # the model's acts term minus the baseline's: in the headline, not drawn
    case: str = ""  # the case's title, heading the figure


def make_gain_data(
    dates: list,
    sides: tuple[str, ...],
    model: np.ndarray,
    baselines: dict[str, np.ndarray],
    cutoff: int | None = None,
    acts: float = 0.0,
    case: str = "",
) -> GainData:
    """Numbers for the gain plot from (weeks, sides) log-probability arrays of the moves.

    ``acts`` is the model's acts term minus the baseline's (one number for the whole span):
    the curves are the moves' gain, and the figure says how far the acts move the total.
    """
    gains = {
        name: {a: np.cumsum(model[:, i] - scores[:, i]) for i, a in enumerate(sides)}
        for name, scores in baselines.items()
    }
    return GainData(pd.DatetimeIndex(dates), gains, cutoff, acts, case)


def plot_cumulative_gain(data: GainData, ax=None) -> Figure:
    """Where the model wins and loses against each baseline, week by week."""
    figure, ax = figure_and_axes(ax, (10, 4))
    styles = ("-", "--", ":", "-.")
    colours = ("tab:blue", "tab:red")
    # each week's step runs to the next Monday: the last week's was a stroke at the edge
    edges = data.dates.append(pd.DatetimeIndex([data.dates[-1] + pd.Timedelta(weeks=1)]))
    for n, (name, per_actor) in enumerate(data.gains.items()):
        for i, (actor, gain) in enumerate(per_actor.items()):
            ax.step(
                edges,
                np.append(gain, gain[-1]),
                where="post",
                ls=styles[n % len(styles)],
                color=colours[i % 2],
                label=f"{actor.title()}: model - {name.replace('_', ' ')}",
            )
    ax.axhline(0, color="black", lw=0.6)
    if data.cutoff is not None and 0 <= data.cutoff < len(data.dates):
        ax.axvline(data.dates[data.cutoff], color="grey", lw=0.8, ls=":")
        ax.text(
            data.dates[data.cutoff], ax.get_ylim()[1], " hold-out cut-off", fontsize=7, va="top"
        )
    ax.set_ylabel("cumulative log-likelihood gain (nats)")
    names = [name.replace("_", " ") for name in data.gains]
    on = f"the {names[0]} baseline" if len(names) == 1 else "each baseline"
    case = f"{data.case}\n" if data.case else ""  # a line of its own: a long one cut the rest
    ax.set_title(
        f"{case}The model's cumulative log-likelihood gain on {on}, week by week, on the "
        "moves\n(rising: the model scores that week's real move better)",
        fontsize=9,
    )
    if round(data.acts, 2) != 0:
        ends = sum(gain[-1] for gain in next(iter(data.gains.values())).values())
        ax.text(
            0.01,
            0.02,
            f"not drawn: the acts given the moves add {data.acts:+.2f} nats "
            f"(moves {ends:+.2f}, total {ends + data.acts:+.2f})",
            transform=ax.transAxes,
            fontsize=7,
            color="0.3",
        )
    ax.set_xlim(edges[0], edges[-1])
    concise_dates(ax, data.dates[0], data.dates[-1])
    ax.legend(fontsize=7, frameon=False, ncol=2)
    ax.grid(alpha=0.3)
    return figure


@dataclass(frozen=True)
class ForecastGainData:
    """Rolling-origin forecasts: the model's cumulative log score minus each baseline's.

    One series per horizon, model forecast (plug-in, and posterior predictive where scored)
    and baseline, over the weeks scored at that horizon, summed over both sides: where a line
    falls, the baseline forecast those weeks better.
    """

    dates: dict[int, pd.DatetimeIndex]  # horizon -> the weeks scored
    gains: dict[tuple[int, str], dict[str, np.ndarray]]  # (horizon, model) -> baseline -> nats


#: The model's forecasts in the rolling-origin table, and how the figure names them.
MODEL_FORECASTS = {"model": "ML fit (plug-in)", "model_posterior": "posterior predictive"}


def make_forecast_gain_data(forecasts: pd.DataFrame, start) -> ForecastGainData:
    """Numbers for the forecast figure from `sim.analysis.forecast.rolling_origin`'s table.

    ``start`` is the Monday of week 0, so that week ``w`` is drawn at ``start + w`` weeks.
    """
    from sim.analysis.forecast import forecasters

    models = [m for m in MODEL_FORECASTS if m in forecasts.columns]
    baselines = [c for c in forecasters(forecasts) if c not in MODEL_FORECASTS]
    dates, gains = {}, {}
    for horizon, rows in forecasts.groupby("horizon"):
        weekly = rows.groupby("week")[[*models, *baselines]].sum()
        h = int(horizon)
        dates[h] = pd.DatetimeIndex(pd.Timestamp(start) + pd.to_timedelta(weekly.index * 7, "D"))
        for m in models:
            gains[h, m] = {b: np.cumsum((weekly[m] - weekly[b]).to_numpy()) for b in baselines}
    return ForecastGainData(dates, gains)


def plot_forecast_gain(data: ForecastGainData) -> Figure:
    """A panel per horizon and model forecast: where it did better or worse than each baseline."""
    horizons = sorted(data.dates)
    models = list(dict.fromkeys(m for _, m in data.gains))
    figure = Figure(figsize=(6 * len(models), 2.8 * len(horizons)), layout="constrained")
    axes = figure.subplots(len(horizons), len(models), squeeze=False, sharey="row")
    styles = ("-", "--", ":", "-.")
    for (n, h), (j, m) in itertools.product(enumerate(horizons), enumerate(models)):
        ax = axes[n, j]
        for i, (name, gain) in enumerate(data.gains[h, m].items()):
            label = f"minus {name.replace('_', ' ')} ({gain[-1]:+.1f})"
            ax.step(data.dates[h], gain, where="post", ls=styles[i % len(styles)], label=label)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(f"{h}-week-ahead, the model's {MODEL_FORECASTS[m]}", fontsize=9)
        ax.set_ylabel("cumulative log score (nats)", fontsize=8)
        concise_dates(ax, data.dates[h][0], data.dates[h][-1])
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, frameon=False, ncol=2)
        ax.grid(alpha=0.3)
    figure.suptitle(
        "rolling-origin forecasts: the model's cumulative log score minus each baseline's "
        "(every model refitted on the weeks before each origin; both sides summed)",
        fontsize=9,
    )
    return figure


@dataclass(frozen=True)
class LocoGainData:
    """Leave one case out: the model's plug-in score minus each baseline's, split in two.

    For each baseline, case left out (both sides summed; the last is all cases) and part:
    ``when`` is the gain in moving or holding each week, ``which`` the gain in the move made
    in the weeks a side moved (`sim.analysis.likelihood.when_to_move`); they add up to the gain.
    """

    cases: list[str]
    gains: dict[str, dict[str, np.ndarray]]  # baseline -> part ("when", "which") -> by case


def make_loco_gain_data(table: pd.DataFrame) -> LocoGainData:
    """Numbers for the figure from `sim.analysis.loco.leave_one_case_out`'s table."""
    baselines = [c[: -len("_when")] for c in table.columns if c.endswith("_when")]
    baselines.remove("model")
    per_case = table.groupby("case", sort=False).sum(numeric_only=True)
    per_case.loc["all"] = per_case.sum()
    gains = {}
    for b in baselines:
        when = (per_case["model_when"] - per_case[f"{b}_when"]).to_numpy()
        total = (per_case["model"] - per_case[b]).to_numpy()
        gains[b] = {"when": when, "which": total - when}
    return LocoGainData(list(per_case.index), gains)


def plot_loco_gain(data: LocoGainData) -> Figure:
    """A panel per baseline: bars of the model's gain on each left-out case, by part."""
    figure = Figure(figsize=(3.6 * len(data.gains), 3.2), layout="constrained")
    axes = figure.subplots(1, len(data.gains), squeeze=False, sharey=True)[0]
    x = np.arange(len(data.cases))
    parts = {"when": ("when to move", "#9ecae1"), "which": ("which move", "#de2d26")}
    for ax, (baseline, gain) in zip(axes, data.gains.items(), strict=True):
        for i, (part, (label, colour)) in enumerate(parts.items()):
            ax.bar(x + (i - 0.5) * 0.38, gain[part], 0.38, label=label, color=colour)
        ax.axhline(0, color="black", lw=0.6)
        names = [c.replace("_", " ") for c in data.cases]
        ax.set_xticks(x, names, fontsize=7, rotation=30, ha="right", rotation_mode="anchor")
        ax.set_title(f"model minus {baseline.replace('_', ' ')}", fontsize=9)
        ax.grid(alpha=0.3, axis="y")
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("log-likelihood gain (nats)", fontsize=8)
    axes[0].legend(fontsize=7, frameon=False)
    figure.suptitle(
        "leave one case out: where the model fitted on the other cases gains (above 0) or "
        "loses against each baseline",
        fontsize=9,
    )
    return figure
