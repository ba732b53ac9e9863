"""The debrief as Markdown (also plain enough to read in a terminal), per role or for a class."""

import numpy as np

from sim.figures.debrief import DebriefData
from sim.reports.labels import NO_NOTICE, plain, role_name
from sim.reports.text import listing, markdown_text, share, signed, week_count


def _outcome_lines(data) -> list[str]:
    if set(data.outcome_meaning.values()) == {NO_NOTICE}:
        return ["## Outcome", "", f"- {NO_NOTICE.capitalize()}: no outcome class to compare."]
    dates = data.fan.dates
    lines = [
        "## Outcome",
        "",
        f"- {'Your' if data.role else 'The'} game: **{plain(data.outcome)}**: "
        f"{data.outcome_meaning[data.outcome]}.",
        f"- The model, same settings and the same {week_count(data.weeks)}: "
        f"{data.outcome_share:.1%} of its {data.replications:,} runs end this way.",
    ]
    if data.real_outcome is not None:
        real = (
            f"- In the real case: **{plain(data.real_outcome)}**: "
            f"{data.outcome_meaning[data.real_outcome]}"
        )
        if data.real_outcome_by_end is not None:
            real += (
                f" (by {dates[-1]:%Y-%m-%d}, where {_game(data)} stopped, it stood at "
                f"{plain(data.real_outcome_by_end)})"
            )
        lines.append(real + ".")
    lines += [
        "",
        "| outcome | share of the model's runs |",
        "| --- | --- |",
        *(
            f"| {plain(o)}{_mark(data, o)} | {s:.1%} |"
            for o, s in data.model_outcome_shares.items()
        ),
    ]
    return lines


def _game(data) -> str:
    """The game as the debrief names it: yours in a team's, "the game" in the class's."""
    return "your game" if data.role else "the game"


def _mark(data, outcome: str) -> str:
    """`` (yours)`` beside a team's outcome, `` (this game)`` in the class's debrief."""
    if outcome != data.outcome:
        return ""
    return " (yours)" if data.role else " (this game)"


def _peak_rank(data) -> str:
    """Where the game's peak falls among the model's runs, with the ties said apart.

    Many runs may share a peak (every run that never escalates peaks at the same tension), so
    one mid-rank percentile would read as "higher than 43%" when the game tied most of them.
    """
    ties = data.peak_ties
    below = max(data.peak_percentile - ties / 2, 0.0)
    over = "the model's runs over the same weeks"
    if ties < 0.0005:
        return f"higher than in {below:.1%} of {over}."
    above = max(1.0 - below - ties, 0.0)
    return (
        f"higher than in {below:.1%} of {over}, the same as in {ties:.1%}, "
        f"lower than in {above:.1%}."
    )


def _tension_lines(data) -> list[str]:
    lines = [
        "## Tension",
        "",
        f"- Peak tension {data.peak_tension:.2f}: {_peak_rank(data)}",
        f"- Weeks outside the model's 90% band: {data.weeks_above_90} above, "
        f"{data.weeks_below_90} below, of {data.weeks}.",
    ]
    if data.fan.real is not None and np.isfinite(data.fan.real).any():
        lines.append(
            f"- Peak of the real path over the same weeks: {np.nanmax(data.fan.real):.2f}."
        )
    return lines


def _real_lines(data) -> list[str]:
    """What the real case did to its measures over the weeks played (none: said so)."""
    these = "this week" if data.weeks == 1 else f"these {week_count(data.weeks)}"
    lines = [f"## What really happened in {these}", ""]
    lines += [
        f"- Week of {date:%Y-%m-%d} ({role_name(side)}): {what}."
        for date, side, what in data.real_steps
    ] or ["- No measure came into force or was lifted in the real case."]
    pressed, one = data.real_pressed, data.weeks == 1
    if not pressed:
        said = "neither engaged nor pressed " + ("that week" if one else "in these weeks")
    elif one:
        said = "engaged or pressed that week"
    else:
        said = (
            f"engaged or pressed in {len(pressed)} of these weeks, the first the week of "
            f"{pressed[0]:%Y-%m-%d}"
        )
    return [*lines, f"- {role_name(data.patron)} {said}."]


def _score_lines(data) -> list[str]:
    lines = []
    if data.role is not None:
        own = data.role
        lines += [
            f"## Your score ({role_name(own)})",
            "",
            f"- {signed(data.payoffs[own])}, against a median of "
            f"{signed(data.median_payoffs[own])} in the model's runs: higher than "
            f"{share(data.payoff_percentiles[own])} of them.",  # 0.5% read "0%"
            "",
        ]
    lines += [
        "## Scores (the two sides: summed payoffs; Washington: its score)",
        "",
        f"| capital | {_game(data)} | model median | difference |",
        "| --- | --- | --- | --- |",
        *(
            f"| {role_name(a)}{' (a person)' if a in data.players else ''} | "
            f"{signed(data.payoffs[a])} | {signed(data.median_payoffs[a])} | "
            f"{signed(data.payoffs[a] - data.median_payoffs[a])} |"
            for a in data.payoffs
        ),
        "",
        "Washington's score adds, each week, 1 less the tension less "
        f"{data.pressure_cost:g} times its pressure (0 to 1).",
    ]
    return lines


#: The columns of the table of the teams' "why" notes (`debrief_markdown`'s ``why``).
WHY_HEAD = ("week", "team", "move", "why")


def _why_lines(why: list[list[str]]) -> list[str]:
    """The teams' notes as a Markdown table; what people typed stays plain text."""
    return [
        "## Why teams moved as they did",
        "",
        "| " + " | ".join(WHY_HEAD) + " |",
        "| --- | --- | --- | --- |",
        *("| " + " | ".join(markdown_text(cell) for cell in row) + " |" for row in why),
    ]


def debrief_markdown(
    data: DebriefData, figure: str | None = "debrief.png", why: list[list[str]] | None = None
) -> str:
    """The debrief of `sim.play.debrief.DebriefData` as a short Markdown page.

    ``why``: rows of the teams' "why" notes (`WHY_HEAD`), a table after the prompts.
    """
    dates = data.fan.dates
    span = (  # each date is the Monday a week begins on
        f"the week of {dates[0]:%Y-%m-%d}"
        if len(dates) == 1
        else f"the weeks of {dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d}"
    )
    agents = [role_name(a) for a in data.payoffs if a not in data.players]
    title = f"# Debrief{f' for {role_name(data.role)}' if data.role else ''}: {data.fan.title}"
    lines = [
        title,
        "",
        f"Played by people: {data.who}"
        + (f"; agents played {listing(agents)}" if agents else "")
        + f". Weeks played: {data.weeks} ({span})."
        + (f" The agents and the model's runs use {data.values}." if data.values else ""),
        "",
        *_outcome_lines(data),
        "",
        *_tension_lines(data),
        "",
        *(_real_lines(data) + [""] if data.fan.real is not None else []),
        *_score_lines(data),
    ]
    if data.injected:
        lines += ["", "## Injected events (E on the chart)", ""]
        lines += [
            f"{n}. E{n}, week of {date:%Y-%m-%d}: {markdown_text(text)}"
            for n, (date, text) in enumerate(data.injected, start=1)
        ]
    if data.prompts:
        lines += ["", "## To discuss", ""]
        lines += [f"{n}. {p}" for n, p in enumerate(data.prompts, start=1)]
    if why:
        lines += ["", *_why_lines(why)]
    if figure:
        lines += ["", f"![this game's path, the real one and the model's bands]({figure})"]
    return "\n".join(lines) + "\n"
