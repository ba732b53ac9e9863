"""The least-pressure figure: P(terminated) of each trial against pressure, the cap, the bracket."""

import pandas as pd
from matplotlib.figure import Figure

from sim.figures.fan import figure_and_axes


def plot_threshold(
    trials: pd.DataFrame, cap: float, above: float | None, meets: float | None, ax=None
) -> Figure:
    """Each trial's P(terminated) with its 95% interval; the cap and the answer's bracket."""
    figure, ax = figure_and_axes(ax, size=(8, 5))
    error = [trials["p_terminated"] - trials["lo"], trials["hi"] - trials["p_terminated"]]
    ax.errorbar(
        trials["pressure"], trials["p_terminated"], yerr=error, fmt="o", capsize=2, label="trial"
    )
    ax.axhline(cap, color="tab:red", linestyle="--", label=f"cap {cap:.0%}")
    if meets is not None:
        ax.axvspan(
            above if above is not None else 0.0,
            meets,
            color="tab:green",
            alpha=0.2,
            label="least pressure lies here",
        )
    ax.set_xlabel("us.pressure")
    ax.set_ylabel("P(terminated)")
    ax.set_xlim(0, 1)
    ax.set_title("The least US pressure that keeps P(terminated) under the cap")
    ax.legend()
    return figure
