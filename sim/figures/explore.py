"""Figures of an exploration: indices with intervals, Morris mu*-sigma, PRIM, a response surface.

Each figure is a `make_*_data` function (numbers, tested on their values) and a `plot_*`
function that only draws and returns a matplotlib `Figure`.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from sim.figures.fan import figure_and_axes


@dataclass
class IndexBars:
    """Indices of one outcome, one row per input, sorted by the ranking index (largest first)."""

    outcome: str
    method: str
    table: pd.DataFrame  # input, then <index> and <index>_conf columns
    indices: tuple[str, ...]


def make_index_bar_data(indices: pd.DataFrame, outcome: str, method: str, n: int) -> IndexBars:
    """The ``method`` indices of ``outcome`` at base size ``n``, ranked (ST, mu* or score)."""
    rows = indices[
        (indices["outcome"] == outcome)
        & (indices["method"] == method)
        & (indices["n"] == n)
        & (indices["index"] != "S2")  # pairs of inputs, not drawn as bars
    ]
    names = {"sobol": ("S1", "ST"), "morris": ("mu_star",), "feature_scoring": ("score",)}[method]
    value = rows.pivot(index="input", columns="index", values="value")
    conf = rows.pivot(index="input", columns="index", values="conf").add_suffix("_conf")
    table = value.join(conf)[[c for k in names for c in (k, f"{k}_conf")]]
    table = table.sort_values(names[-1], ascending=False).reset_index()
    return IndexBars(outcome, method, table, names)


def plot_index_bars(data: IndexBars, ax=None) -> Figure:
    """Horizontal bars of each index, with its bootstrap interval as an error bar."""
    height = max(3.0, 0.28 * len(data.table) + 1.2)
    figure, ax = figure_and_axes(ax, size=(8, height))
    y = np.arange(len(data.table))
    width = 0.8 / len(data.indices)
    for k, name in enumerate(data.indices):
        conf = data.table[f"{name}_conf"].to_numpy(float)
        ax.barh(
            y + (k - (len(data.indices) - 1) / 2) * width,
            data.table[name],
            height=width,
            xerr=np.where(np.isfinite(conf), conf, 0.0),
            capsize=2,
            label=name,
        )
    ax.set_yticks(y, data.table["input"])
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("index (bars: 95% bootstrap interval)")
    ax.set_title(f"{data.outcome}: {data.method} indices")
    ax.legend(loc="lower right")
    return figure


def make_morris_data(indices: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """mu* and sigma of each input for ``outcome``: columns input, mu_star, sigma."""
    rows = indices[(indices["outcome"] == outcome) & (indices["method"] == "morris")]
    table = rows.pivot(index="input", columns="index", values="value")
    return table[["mu_star", "sigma"]].reset_index()


def plot_morris(data: pd.DataFrame, outcome: str, labels: int = 8, ax=None) -> Figure:
    """Morris sigma against mu*: far right matters, high up interacts or is non-linear."""
    figure, ax = figure_and_axes(ax, size=(7, 5))
    ax.scatter(data["mu_star"], data["sigma"], color="tab:blue")
    top = float(max(data["mu_star"].max(), data["sigma"].max(), 1e-12))
    ax.plot([0, top], [0, top], color="grey", linestyle=":", linewidth=0.8, label="sigma = mu*")
    ax.set_xlabel("mu* (mean |elementary effect| per range)")
    ax.set_ylabel("sigma")
    ax.set_title(f"{outcome}: Morris screening")
    ax.legend()
    _label_points(ax, data.nlargest(labels, "mu_star"), ("mu_star", "sigma"))
    return figure


def _label_points(ax, points: pd.DataFrame, columns: tuple[str, str]) -> None:
    """Name each of ``points`` (its ``input``) beside it, clear of other names and dots.

    Call it once the axes hold everything else. The names take room in the figure's
    constrained layout, which moves the axes: when it did, they are placed once more on the
    moved axes (the same names take the same room, so the axes stay there).
    """
    figure = ax.figure
    figure.draw_without_rendering()
    names = _place_names(ax, points, columns)
    where = ax.get_position().bounds
    figure.draw_without_rendering()
    if ax.get_position().bounds != where:
        for old in names:
            old.remove()
        _place_names(ax, points, columns)


def _place_names(ax, points: pd.DataFrame, columns: tuple[str, str]) -> list:
    """One pass of `_label_points` on the axes as last drawn; the names it added.

    From the lowest point up, a name that would cover a name already placed, or a dot of the
    axes other than its own, moves up past it and gets a thin line to its point. (Names set
    apart by estimated widths still sat on a neighbour's dot, which then read as its name.)
    """
    to_pixels = ax.figure.dpi / 72
    across, up = columns
    where = ax.transData.transform(points[[across, up]].to_numpy(dtype=float))
    scatters = [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]
    dots = ax.transData.transform(np.vstack([np.empty((0, 2)), *scatters]).astype(float))
    blocked = [_dot_box(x, y, to_pixels) for x, y in dots]
    names = []
    for i in np.argsort(where[:, 1], kind="stable"):
        x, y = points[across].iloc[i], points[up].iloc[i]
        name = str(points["input"].iloc[i])
        label = ax.annotate(name, (x, y), xytext=(4, 2), textcoords="offset points", fontsize=8)
        box = label.get_window_extent()  # the name alone: no line yet
        lift = _clear_lift(box, blocked, _dot_box(*where[i], to_pixels))
        if lift > 0:  # moved off its dot: a line says whose name it is
            label.remove()
            label = ax.annotate(
                name,
                (x, y),
                xytext=(4, 2 + lift / to_pixels),
                textcoords="offset points",
                fontsize=8,
                arrowprops={"arrowstyle": "-", "color": "grey", "linewidth": 0.5, "patchA": None},
            )
        blocked.append(box.translated(0, lift))  # where the name went (not its line)
        names.append(label)
    return names


#: A scatter dot's half width in points (matplotlib's default marker, 6 points across).
DOT_POINTS = 3.0


def _dot_box(x: float, y: float, to_pixels: float) -> Bbox:
    """The box, in pixels, of a dot centred at ``x``, ``y`` (pixels)."""
    half = DOT_POINTS * to_pixels
    return Bbox([[x - half, y - half], [x + half, y + half]])


def _clear_lift(box: Bbox, blocked: list[Bbox], own: Bbox) -> float:
    """How far up (pixels) ``box`` must move to overlap none of ``blocked`` but ``own``."""
    lift = 0.0
    moved = True
    while moved:
        moved = False
        here = box.translated(0, lift)
        for other in blocked:
            if other.bounds != own.bounds and here.overlaps(other):
                lift = other.y1 - box.y0 + 1
                moved = True
                break
    return lift


def make_prim_tradeoff_data(trajectory: list[dict]) -> pd.DataFrame:
    """The peeling trajectory as a table: coverage, density, mass, res_dim per step."""
    return pd.DataFrame(trajectory, columns=["coverage", "density", "mass", "res_dim"])


def plot_prim_tradeoff(data: pd.DataFrame, chosen: int, rule: str, ax=None) -> Figure:
    """Coverage against density along the peeling trajectory, coloured by restricted inputs."""
    figure, ax = figure_and_axes(ax, size=(7, 5))
    top = int(data["res_dim"].max()) if len(data) else 0
    counts = BoundaryNorm(np.arange(-0.5, top + 1.5), 256)  # one colour per whole count
    points = ax.scatter(
        data["coverage"], data["density"], c=data["res_dim"], cmap="viridis", norm=counts
    )
    ax.plot(data["coverage"], data["density"], color="grey", linewidth=0.6)
    ax.scatter(
        [data.loc[chosen, "coverage"]],
        [data.loc[chosen, "density"]],
        s=160,
        facecolors="none",
        edgecolors="red",
        label="chosen box",
    )
    ticks = [t for t in MaxNLocator(nbins=8, integer=True).tick_values(0, top) if 0 <= t <= top]
    figure.colorbar(points, ax=ax, label="inputs restricted", ticks=ticks)
    ax.set_xlabel("coverage (share of cases of interest inside the box)")
    ax.set_ylabel("density (share of the box that is of interest)")
    ax.set_title(f"PRIM peeling trajectory: {rule}")
    ax.legend()
    return figure


def make_prim_box_data(limits: list, ranges: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """The box's numeric limits as shares of each input's range (0 = low end, 1 = high end)."""
    rows = []
    for limit in limits:
        if limit.levels is not None or limit.input not in ranges:
            continue
        low, high = ranges[limit.input]
        span = high - low or 1.0
        rows.append(
            {
                "input": limit.input,
                "low": (limit.low - low) / span,
                "high": (limit.high - low) / span,
                "low_value": limit.low,
                "high_value": limit.high,
                "quasi_p": limit.quasi_p,
                "kept": limit.kept,  # as the report gives it: what "weak" is judged by
            }
        )
    return pd.DataFrame(
        rows, columns=["input", "low", "high", "low_value", "high_value", "quasi_p", "kept"]
    )


#: A restriction that keeps more of its input's range, or has a larger quasi-p, is weak.
WEAK_KEPT, WEAK_P = 0.9, 0.05


def plot_prim_box(data: pd.DataFrame, rule: str, ax=None) -> Figure:
    """Each restricted input's kept interval within its full range, labelled in its units."""
    figure, ax = figure_and_axes(ax, size=(7, max(2.5, 0.5 * len(data) + 1.5)))
    y = np.arange(len(data))
    ax.barh(y, [1.0] * len(data), color="lightgrey", height=0.5)
    kept = data["high"] - data["low"]
    weak = (data["kept"] > WEAK_KEPT) | (data["quasi_p"].astype(float) > WEAK_P)
    for is_weak, colour, label in ((False, "tab:red", "restriction"), (True, "#f4b6b0", "weak")):
        rows = weak == is_weak
        if rows.any():
            ax.barh(
                y[rows.to_numpy()],
                kept[rows],
                left=data["low"][rows],
                color=colour,
                height=0.5,
                label=f"{label} (keeps > {WEAK_KEPT:.0%} of the range or quasi-p > {WEAK_P})"
                if is_weak
                else label,
            )
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.08), ncol=2, fontsize=7, frameon=False)
    # the kept interval in the input's units, as the right axis' labels: the layout makes
    # room for those (annotations beside the axes were cut at the figure's edge)
    right = ax.secondary_yaxis("right")
    right.set_yticks(y, [f"{r.low_value:.3g} to {r.high_value:.3g}" for r in data.itertuples()])
    right.tick_params(length=0, labelsize=8)
    ax.set_yticks(y, data["input"])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the input's range kept in the box")
    ax.set_title(f"PRIM box: {rule}")
    return figure


@dataclass
class Surface:
    """Mean of an outcome over a grid of two inputs' values (bin centres and means)."""

    outcome: str
    x: str
    y: str
    x_edges: np.ndarray
    y_edges: np.ndarray
    mean: np.ndarray  # shape (y bins, x bins); NaN where a bin holds no point
    points: int = 0  # design points binned
    pairs: int = 0  # distinct (x, y) pairs among them


#: Distinct (x, y) pairs a bin holds on average, at least, before the grid gets finer.
PAIRS_PER_BIN = 10


def surface_bins(pairs: int) -> int:
    """Bins per axis for ``pairs`` distinct (x, y) pairs: 12 at most, 3 at the least.

    Pairs, not points: a Sobol design repeats each base point's pair in all but two of its
    rows, so 2,752 points held about 250 pairs, and a 12 x 12 grid over them left most bins
    with one pair or none (a checkerboard of 0 and 1, not a surface).
    """
    return int(np.clip(np.sqrt(pairs / PAIRS_PER_BIN), 3, 12))


def make_surface_data(
    design: pd.DataFrame,
    outcomes: pd.DataFrame,
    outcome: str,
    x: str,
    y: str,
    bins: int | None = None,
) -> Surface:
    """Bin the design points on inputs ``x`` and ``y`` and average ``outcome`` in each bin.

    ``bins`` per axis; by default `surface_bins` of the distinct pairs.
    """
    xs, ys = design[x].to_numpy(float), design[y].to_numpy(float)
    z = outcomes[outcome].to_numpy(float)
    pairs = len(np.unique(np.column_stack([xs, ys]), axis=0))
    bins = surface_bins(pairs) if bins is None else bins
    x_edges = np.linspace(xs.min(), xs.max(), bins + 1)
    y_edges = np.linspace(ys.min(), ys.max(), bins + 1)
    total, _, _ = np.histogram2d(ys, xs, bins=[y_edges, x_edges], weights=z)
    count, _, _ = np.histogram2d(ys, xs, bins=[y_edges, x_edges])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    return Surface(outcome, x, y, x_edges, y_edges, mean, len(xs), pairs)


def plot_surface(data: Surface, ax=None) -> Figure:
    """The binned response surface as a heat map.

    A bin with no design point is hatched grey: left white, it read as the colour scale's top.
    """
    figure, ax = figure_and_axes(ax, size=(7, 5.5))
    ax.set_facecolor("0.85")
    ax.patch.set_hatch("//")
    mesh = ax.pcolormesh(data.x_edges, data.y_edges, data.mean, cmap="magma", shading="flat")
    figure.colorbar(mesh, ax=ax, label=f"mean {data.outcome}")
    ax.set_xlabel(data.x)
    ax.set_ylabel(data.y)
    bins = len(data.x_edges) - 1
    ax.set_title(
        f"{data.outcome} over the two most influential inputs\n"
        f"{data.points:,} design points ({data.pairs:,} distinct pairs), mean in each of "
        f"{bins} x {bins} bins; hatched grey: none",
        fontsize=10,
    )
    return figure


def make_convergence_data(indices: pd.DataFrame, outcome: str, n: int) -> pd.DataFrame:
    """ST of each input at n/2 and at n: columns input, half, full."""
    rows = indices[
        (indices["outcome"] == outcome)
        & (indices["method"] == "sobol")
        & (indices["index"] == "ST")
    ]
    half = rows[rows["n"] == n // 2].set_index("input")["value"].rename("half")
    full = rows[rows["n"] == n].set_index("input")["value"].rename("full")
    return pd.concat([half, full], axis=1).reset_index()


def plot_convergence(data: pd.DataFrame, outcome: str, n: int, ax=None) -> Figure:
    """ST at n/2 against ST at n: points on the diagonal have converged."""
    figure, ax = figure_and_axes(ax, size=(6, 5))
    ax.scatter(data["full"], data["half"], color="tab:blue")
    top = float(np.nanmax(data[["half", "full"]].to_numpy())) if len(data) else 1.0
    ax.plot([0, top], [0, top], color="grey", linestyle=":")
    ax.set_xlabel(f"ST at n = {n}")
    ax.set_ylabel(f"ST at n = {n // 2}")
    ax.set_title(f"{outcome}: convergence of the total indices")
    _label_points(ax, data.nlargest(5, "full"), ("full", "half"))
    return figure
