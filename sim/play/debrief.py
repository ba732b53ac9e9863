"""The debrief of a game: the players' path beside 2019's and beside the model's distribution.

`make_debrief_data` turns `Game.debrief()` into numbers (tested on its values);
`plot_debrief` draws them on one chart; `debrief_markdown` writes the same findings as text.
The terminal (`sim.play.terminal`) and the web page share all three.
"""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.metrics import OUTCOMES, replay_notice
from sim.core.moves import ALLIES
from sim.core.recorder import FAN_QUANTILES
from sim.core.scenario import Scenario
from sim.figures.fan import FanData, figure_and_axes, make_fan_data, plot_tension_fan
from sim.history import RealPath


@dataclass(frozen=True)
class DebriefData:
    """What the debrief shows: the chart's series (arrays of one value per week) and findings."""

    fan: FanData
    played: np.ndarray
    players: tuple[str, ...]
    outcome: str
    outcome_share: float
    model_outcome_shares: dict[str, float]
    real_outcome: str | None
    real_outcome_by_end: str | None
    outcome_meaning: dict[str, str]
    peak_tension: float
    peak_percentile: float
    payoffs: dict[str, float]
    median_payoffs: dict[str, float]
    weeks_above_90: int
    weeks_below_90: int

    @property
    def weeks(self) -> int:
        """Number of weeks played."""
        return len(self.played)

    @property
    def who(self) -> str:
        """The roles people played, for labels (e.g. ``Seoul and Tokyo``)."""
        names = [p.title() for p in self.players]
        return " and ".join(names) if names else "the agents"


def outcome_meanings(scenario: Scenario) -> dict[str, str]:
    """Each outcome class in plain words, for this scenario's notice rule."""
    if scenario.notice is None:
        return {o: o.replace("_", " ") for o in OUTCOMES}
    actor, rung = scenario.notice.actor.title(), scenario.notice.measure
    lapse = scenario.notice.lapse_weeks
    return {
        "never_noticed": f"{actor} never enacted {rung}",
        "noticed_then_kept": f"{actor} enacted {rung}, then lifted it within {lapse} weeks",
        "terminated": f"{actor} kept {rung} for {lapse} weeks: the agreement lapsed",
        "pending": f"{actor}'s {rung} was still running when the game ended",
    }


def real_outcome_after(real: RealPath, scenario: Scenario, weeks: int) -> str:
    """The real case's outcome class had it stopped after ``weeks`` weeks."""
    notice = scenario.notice
    if notice is None:
        return OUTCOMES[0]
    on_notice = (real.masks[notice.actor][:weeks] & scenario.notice_bit) != 0
    return OUTCOMES[int(replay_notice(on_notice, notice).outcome_codes()[0])]


def _fit(values: Sequence[float] | None, weeks: int) -> np.ndarray | None:
    """``values`` as an array of ``weeks`` entries (NaN past their end), or None."""
    if values is None:
        return None
    out = np.full(weeks, np.nan)
    given = np.asarray(values, dtype=float)[:weeks]
    out[: len(given)] = given
    return out


def make_debrief_data(
    debrief: dict,
    scenario: Scenario,
    real: RealPath | None = None,
    players: Sequence[str] = (),
) -> DebriefData:
    """Numbers for the debrief, from `Game.debrief()`; ``real`` adds 2019's milestones."""
    weeks = int(debrief["weeks_played"])
    quantiles = np.asarray(debrief["model_fan"], dtype=float).reshape(weeks, len(FAN_QUANTILES))
    fan_table = pd.DataFrame(
        quantiles, columns=[f"q{int(q * 100):02d}" for q in FAN_QUANTILES]
    ).assign(date=pd.to_datetime(debrief["dates"]))
    fan = make_fan_data(fan_table, scenario, real)
    fan = dataclasses.replace(fan, real=_fit(debrief.get("real_tension"), weeks))
    played = np.asarray(debrief["tension"], dtype=float)
    low, high = fan.band90
    by_end = None
    if real is not None and weeks < len(real.tension):
        by_end = real_outcome_after(real, scenario, weeks)
    return DebriefData(
        fan=fan,
        played=played,
        players=tuple(players),
        outcome=debrief["outcome"],
        outcome_share=float(debrief["outcome_share_in_model"]),
        model_outcome_shares=dict(debrief["model_outcome_shares"]),
        real_outcome=debrief.get("real_outcome"),
        real_outcome_by_end=by_end,
        outcome_meaning=outcome_meanings(scenario),
        peak_tension=float(debrief["peak_tension"]),
        peak_percentile=float(debrief["peak_tension_percentile"]),
        payoffs={a: float(debrief["payoffs"][a]) for a in ALLIES},
        median_payoffs={a: float(debrief["model_median_payoffs"][a]) for a in ALLIES},
        weeks_above_90=int((played > high + 1e-12).sum()),
        weeks_below_90=int((played < low - 1e-12).sum()),
    )


def _with_last_week(values: np.ndarray | None) -> np.ndarray | None:
    """A weekly series with its last value repeated, so a step plot shows the last week too."""
    return None if values is None else np.append(values, values[-1:])


def plot_debrief(data: DebriefData, ax=None) -> Figure:
    """The players' tension path over the model's bands for the same settings and 2019's path."""
    figure, ax = figure_and_axes(ax)
    fan = data.fan
    dates = fan.dates.append(fan.dates[-1:] + pd.Timedelta(weeks=1))
    drawn = dataclasses.replace(
        fan,
        dates=dates,
        median=_with_last_week(fan.median),
        band50=tuple(_with_last_week(b) for b in fan.band50),
        band90=tuple(_with_last_week(b) for b in fan.band90),
        real=_with_last_week(fan.real),
    )
    plot_tension_fan(drawn, ax=ax)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.step(
        dates,
        _with_last_week(data.played),
        where="post",
        color="tab:orange",
        lw=2.5,
        label=f"your game ({data.who})",
    )
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_title(
        f"{data.fan.title}\nyour game: {data.outcome}, as in {share(data.outcome_share)} of the "
        f"model's runs with the same settings",
        fontsize=10,
    )
    return figure


def share(value: float) -> str:
    """A share as a percentage, with a decimal when it is small (``0.3%``, ``42%``)."""
    return f"{value:.0%}" if value >= 0.1 or value == 0 else f"{value:.1%}"


def _signed(value: float) -> str:
    return f"{value:+.1f}"


def debrief_markdown(data: DebriefData, figure: str | None = "debrief.png") -> str:
    """The debrief as a short Markdown page (also readable as plain text in a terminal)."""
    dates = data.fan.dates
    span = f"{dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d}" if len(dates) else "no weeks"
    agents = [a.title() for a in ("seoul", "tokyo", "washington") if a not in data.players]
    lines = [
        f"# Debrief: {data.fan.title}",
        "",
        f"Played by people: {data.who}"
        + (f"; agents played {' and '.join(agents)}" if agents else "")
        + f". Weeks played: {data.weeks} ({span}).",
        "",
        "## Outcome",
        "",
        f"- Your game: **{data.outcome}**: {data.outcome_meaning[data.outcome]}.",
        f"- The model, same settings: {data.outcome_share:.1%} of its runs end this way.",
    ]
    if data.real_outcome is not None:
        real = f"- In 2018-2019: **{data.real_outcome}**: {data.outcome_meaning[data.real_outcome]}"
        if data.real_outcome_by_end is not None:
            real += (
                f" (by {dates[-1]:%Y-%m-%d}, where your game stopped, it stood at "
                f"{data.real_outcome_by_end})"
            )
        lines.append(real + ".")
    lines += [
        "",
        "| outcome | share of the model's runs |",
        "| --- | --- |",
        *(
            f"| {o}{' (yours)' if o == data.outcome else ''} | {share:.1%} |"
            for o, share in data.model_outcome_shares.items()
        ),
        "",
        "## Tension",
        "",
        f"- Peak tension {data.peak_tension:.2f}: higher than in {data.peak_percentile:.1%} of "
        "the model's runs (ties count half).",
        f"- Weeks outside the model's 90% band: {data.weeks_above_90} above, "
        f"{data.weeks_below_90} below, of {data.weeks}.",
    ]
    if data.fan.real is not None and np.isfinite(data.fan.real).any():
        lines.append(
            f"- Peak of the real path over the same weeks: {np.nanmax(data.fan.real):.2f}."
        )
    lines += [
        "",
        "## Payoffs (sum of weekly payoffs)",
        "",
        "| capital | your game | model median | difference |",
        "| --- | --- | --- | --- |",
        *(
            f"| {a.title()}{' (a person)' if a in data.players else ''} | "
            f"{_signed(data.payoffs[a])} | {_signed(data.median_payoffs[a])} | "
            f"{_signed(data.payoffs[a] - data.median_payoffs[a])} |"
            for a in ALLIES
        ),
        "",
        "Washington has no payoff in the model.",
    ]
    if figure:
        lines += ["", f"![your path, 2019's and the model's bands]({figure})"]
    return "\n".join(lines) + "\n"
