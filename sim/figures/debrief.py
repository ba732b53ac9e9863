"""The debrief chart: numbers (`make_debrief_data`, tested on values) and drawing (`plot_debrief`).

`make_debrief_data` takes the typed `Debrief` of `sim.play.game.Game.debrief` and a role
(whose debrief it is; None for the class's, as the projector shows it); `plot_debrief` draws
the game's tension path over the model's bands for the same weeks, 2019's path and the
injected events. `sim.reports.debrief` writes the same findings as text.
"""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.metrics import OUTCOMES
from sim.core.recorder import FAN_QUANTILES
from sim.core.scenario import Scenario
from sim.figures import week_ticks
from sim.figures.classroom import event_labels
from sim.figures.fan import (
    FanData,
    figure_and_axes,
    make_fan_data,
    plot_tension_fan,
    weeks_edges,
)
from sim.history import RealPath, measure_changes
from sim.reports.game_results import Debrief
from sim.reports.labels import NO_NOTICE, outcome_meanings, role_name
from sim.reports.text import listing, share, week_count


@dataclass(frozen=True)
class DebriefData:
    """What a debrief shows: the chart's series (one value per week) and its findings."""

    fan: FanData
    played: np.ndarray
    players: tuple[str, ...]
    role: str | None
    outcome: str
    outcome_share: float
    model_outcome_shares: dict[str, float]
    real_outcome: str | None
    real_outcome_by_end: str | None
    outcome_meaning: dict[str, str]
    peak_tension: float
    peak_percentile: float
    peak_ties: float
    payoffs: dict[str, float]
    median_payoffs: dict[str, float]
    payoff_percentiles: dict[str, float]
    weeks_above_90: int
    weeks_below_90: int
    injected: list[tuple[pd.Timestamp, str]]
    prompts: tuple[str, ...]
    replications: int
    pressure_cost: float
    values: str = ""  # the parameter values agents and model runs use, in words
    # what the real case did to its measures in the weeks played: (week's Monday, side, what)
    real_steps: tuple[tuple[pd.Timestamp, str, str], ...] = ()
    patron: str = "washington"
    real_pressed: tuple[pd.Timestamp, ...] = ()  # the weeks the real patron engaged or pressed

    @property
    def weeks(self) -> int:
        """Number of weeks played."""
        return len(self.played)

    @property
    def who(self) -> str:
        """The roles people played, for labels (e.g. ``Seoul and Tokyo``)."""
        names = [role_name(p) for p in self.players]
        return listing(names) if names else "the agents"


def fit_weeks(values: Sequence[float] | None, weeks: int) -> np.ndarray | None:
    """``values`` as an array of ``weeks`` entries (NaN past their end), or None."""
    if values is None:
        return None
    out = np.full(weeks, np.nan)
    given = np.asarray(values, dtype=float)[:weeks]
    out[: len(given)] = given
    return out


def make_debrief_data(
    debrief: Debrief,
    scenario: Scenario,
    real: RealPath | None = None,
    role: str | None = None,
    prompts: Sequence[str] = (),
    *,
    pressure_cost: float,
    values: str = "",
) -> DebriefData:
    """Numbers for a debrief of at least one week; ``real`` adds 2019's milestones.

    ``pressure_cost``: what a week's pressure costs Washington's score (the scenario's
    classroom material sets it), for the debrief's account of that score.
    """
    weeks = debrief.weeks_played
    if weeks < 1:
        raise ValueError("a debrief needs at least one week played")
    quantiles = np.asarray(debrief.model_fan, dtype=float).reshape(weeks, len(FAN_QUANTILES))
    fan_table = pd.DataFrame(
        quantiles, columns=[f"q{int(q * 100):02d}" for q in FAN_QUANTILES]
    ).assign(date=pd.to_datetime(debrief.dates))
    fan = make_fan_data(fan_table, scenario, real)
    fan = dataclasses.replace(fan, real=fit_weeks(debrief.real_tension, weeks))
    played = np.asarray(debrief.tension, dtype=float)
    low, high = fan.band90
    rule = scenario.notice
    injected = [
        (pd.Timestamp(scenario.week_start(i.week)), i.text)
        for i in debrief.injections
        if i.week < weeks
    ]
    return DebriefData(
        fan=fan,
        played=played,
        players=tuple(debrief.humans),
        role=role,
        outcome=debrief.outcome,
        outcome_share=debrief.outcome_share_in_model,
        model_outcome_shares=dict(debrief.model_outcome_shares),
        real_outcome=debrief.real_outcome,
        real_outcome_by_end=debrief.real_outcome_by_end,
        outcome_meaning=(
            outcome_meanings(rule.actor, rule.lapse_weeks, rule.label)
            if rule is not None
            else dict.fromkeys(OUTCOMES, NO_NOTICE)
        ),
        peak_tension=debrief.peak_tension,
        peak_percentile=debrief.peak_tension_percentile,
        peak_ties=debrief.peak_tension_ties,
        payoffs={a: float(v) for a, v in debrief.payoffs.items()},
        median_payoffs={a: float(debrief.model_median_payoffs[a]) for a in debrief.payoffs},
        payoff_percentiles={a: float(debrief.payoff_percentiles[a]) for a in debrief.payoffs},
        weeks_above_90=int((played > high + 1e-12).sum()),
        weeks_below_90=int((played < low - 1e-12).sum()),
        injected=injected,
        prompts=tuple(prompts),
        replications=debrief.replications,
        pressure_cost=pressure_cost,
        values=values,
        real_steps=tuple(
            (pd.Timestamp(scenario.week_start(week)), side, what)
            for week, side, what in (measure_changes(real, scenario, weeks) if real else ())
        ),
        patron=scenario.patron,
        real_pressed=tuple(
            pd.Timestamp(scenario.week_start(int(w)))
            for w in (np.flatnonzero(real.pressure[:weeks] > 0) if real else ())
        ),
    )


def with_last_week(values: np.ndarray | None) -> np.ndarray | None:
    """A weekly series with its last value repeated, so a step plot shows the last week too."""
    return None if values is None else np.append(values, values[-1:])


def plot_debrief(data: DebriefData, ax=None) -> Figure:
    """Draw the debrief: the game, the model's bands, 2019, the events."""
    figure, ax = figure_and_axes(ax)
    fan = data.fan
    # the fan holds its own last week; the game's line gets the same one (extended here too,
    # the bands and 2019 ran a week past the game, and 62 weeks read "real 2018-2020")
    dates = weeks_edges(fan.dates)
    plot_tension_fan(fan, ax=ax)
    week_ticks(ax, data.weeks)
    ax.set_ylim(-0.03, ax.get_ylim()[1])  # a line at 0 (a median that never rises) shows
    ax.step(
        dates,
        with_last_week(data.played),
        where="post",
        color="tab:orange",
        lw=2.5,
        label=f"this game ({data.who})",  # one chart for every team and the class
    )
    for date, numbers in event_labels([date for date, _text in data.injected]).items():
        ax.axvline(date, color="tab:purple", lw=1.2, ls=":")
        ax.annotate(  # boxed, so it reads over the bands and the lines
            numbers,
            (date, 0.03),
            xycoords=("data", "axes fraction"),
            color="tab:purple",
            fontsize=10,
            fontweight="bold",
            xytext=(3, 0),
            textcoords="offset points",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "tab:purple", "lw": 0.8},
            zorder=6,
        )
    if data.injected:
        ax.plot([], [], color="tab:purple", lw=1.2, ls=":", label="injected event (E1, E2, ...)")
    # below the frame, as the fan chart's: in its upper left it covered the events' labels
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=10, frameon=False)
    if set(data.outcome_meaning.values()) == {NO_NOTICE}:
        outcome = f"this game, {week_count(data.weeks)}: {NO_NOTICE}"
    else:
        outcome = (
            f"this game: {data.outcome.replace('_', ' ')}, as in {share(data.outcome_share)} "
            f"of the model's runs over the same {week_count(data.weeks)}"
        )
    ax.set_title(f"{fan.title}\n{outcome}", fontsize=12)
    return figure
