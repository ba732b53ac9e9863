"""The numbers in a role's brief, written from a game's own settings.

The briefs (``scenarios/<case>/briefs/<role>.md``) are prose, but what they say a move pays must
be what the game pays. They quoted the hand-set values while every game ran the fitted model,
so Tokyo's brief promised +1.2 from voters for a retaliation whose preview showed +23. The part
between `BEGIN` and `END` is therefore written here from a config: the team page shows it for
the room's settings, and the files hold it for the default game (a test keeps them equal;
``python -m sim.play.brief`` writes those of every case again after a new fit).
"""

import re
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.core.measures import Measure
from sim.core.moves import ALLIES, DOMAINS, ECONOMIC_DOMAINS, UsMove
from sim.core.scenario import Scenario
from sim.experiment.config import Config
from sim.reports.labels import without_article

if TYPE_CHECKING:
    from sim.play.game import Game

BEGIN = "<!-- settings: written by `python -m sim.play.brief` from the game's settings -->"
END = "<!-- end of settings -->"
BLOCK = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)


def num(x: float) -> str:
    """A coefficient as a reader wants it: 95.3, 7.54, 0.6, 1200."""
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def share(x: float) -> str:
    """A probability in words: 69%, under 1% (what would round to 0% but is not 0)."""
    return "under 1%" if 0 < x and f"{x:.0%}" == "0%" else f"{x:.0%}"


def wrap(markdown: str) -> str:
    """Each paragraph or bullet of ``markdown`` wrapped at 96 columns, as the briefs are."""
    out = []
    for block in markdown.split("\n"):
        indent = "  " if block.startswith("- ") else ""
        out.append(textwrap.fill(block, 96, subsequent_indent=indent) if block else "")
    return "\n".join(out)


def with_settings(text: str, section: str) -> str:
    """``text`` with the part between the markers replaced by ``section`` (markers kept)."""
    return BLOCK.sub(lambda _: f"{BEGIN}\n{section}\n{END}", text)


def brief_for(game: "Game", role: str) -> str | None:
    """``role``'s brief with the numbers of ``game``'s settings (None: the case has none)."""
    text = game.materials.briefs.get(role)
    if text is None:
        return None
    cost = game.materials.pressure_cost
    section = settings_section(role, game.config, game.scenario, cost, "this game's")
    return with_settings(text, section)


def settings_section(role: str, config: Config, scenario: Scenario, cost: float, whose: str) -> str:
    """The brief's numbers for ``role`` under ``config`` (Markdown).

    ``whose`` says which settings they are ("this game's", "the default game's"); ``cost`` is
    the patron's weekly cost of full pressure in its score.
    """
    intro = (
        f"These are {whose} settings. Each week's payoff adds to your score; the briefing "
        "shows the score so far and, beside each move, what it would pay this week, term by "
        "term."
    )
    if role not in scenario.sides:
        return wrap(patron_section(config, scenario, cost, whose))
    return wrap("\n\n".join([intro, "\n".join(ally_terms(role, config, scenario))]))


def ally_terms(role: str, config: Config, scenario: Scenario) -> list[str]:
    """One bullet per payoff term of an ally, with this config's coefficients."""
    p = config.model_params.payoffs
    slot = ALLIES[scenario.sides.index(role)]
    other = next(s for s in scenario.sides if s != role)
    other_slot = ALLIES[scenario.sides.index(other)]
    me, them = p.stage[slot], p.stage[other_slot]
    rule = config.model_params.strategy(slot)
    name = other.title()
    own, theirs = scenario.measures[role].measures, scenario.measures[other].measures
    voters = ", ".join(f"`{m.id}` +{num(p.audience[slot] * m.intensity)}" for m in own)
    terms = [
        f"- **The basic game.** If you both cooperate you get {num(me[0][0])}. If you retaliate "
        f"while {name} cooperates you get {num(me[1][0])} and {name} {num(them[0][1])}; the "
        f"other way round, you get {num(me[0][1])}. If you both retaliate you get "
        f"{num(me[1][1])}. Hold counts as halfway between cooperating and retaliating.",
        f"- **Your voters** reward each measure you bring into force by {num(p.audience[slot])} "
        f"× its intensity, and resent each you lift as much: {voters}.",
        f"- **Trade hurts both sides.** Each week you pay {num(p.economic[slot])} for every unit "
        f"of trade and society measures in force, yours and {name}'s: "
        f"{weights(own, theirs, name, ECONOMIC_DOMAINS)}.",
        f"- **Security hurts.** Each week you pay {num(p.security[slot])} for every unit of "
        f"security measures in force, yours and {name}'s "
        f"({weights(own, theirs, name, ('security',))}), at most {num(p.security[slot])} a "
        "week.",
    ]
    if role in scenario.pressed:
        terms.append(pressure_term(p.pressure[slot], config, own))
    notice = scenario.notice
    if notice is not None and notice.actor == role and p.deadline > 0:
        terms.append(
            f"- **The deadline.** While your {without_article(notice.label or notice.measure)} "
            "notice runs, a "
            f"cooperation that could lift it earns up to {num(p.deadline)}, more the nearer "
            f"the notice is to its lapse ({notice.lapse_weeks} weeks), times the chance it "
            "lifts it."
        )
    pressure = (  # only a side the patron presses has a pressure term (`pressure_term`)
        ", and the pressure term weighs every measure the model's side might enact, so it can "
        "be larger than the figure for the measure your options name"
        if role in scenario.pressed
        else ""
    )
    terms.append(
        "- **How a move is valued.** A move is paid for what the model's own side would do "
        "with it on average: its retaliations are a protest that brings nothing into force "
        f"{share(rule.signal)} of the time, and its cooperations lift a measure "
        f"{share(rule.lift)} of the time. Your own move does what your options say (a "
        "cooperation lifts the measure named there), but it pays what its preview says. The "
        f"preview's terms are those averages: mostly smaller than the figures above{pressure}."
    )
    return terms


def weights(
    own: Sequence[Measure], theirs: Sequence[Measure], name: str, domains: tuple[str, ...]
) -> str:
    """``your `x` 0.6, `y` 0.8; Seoul's `z` 0.35`` for the measures of ``domains``."""
    parts = []
    for whose, measures in (("your", own), (f"{name}'s", theirs)):
        listed = [f"`{m.id}` {num(m.intensity)}" for m in measures if m.domain in domains]
        if listed:
            parts.append(f"{whose} {', '.join(listed)}")
    return "; ".join(parts) or "none in this case"


def pressure_term(k: float, config: Config, own: Sequence[Measure]) -> str:
    """The patron's pressure on an ally: what a retaliation costs, what a cooperation earns."""
    p = config.model_params.payoffs
    domains = [d for d in DOMAINS if any(m.domain == d for m in own)]
    costs = ", ".join(f"{num(k * getattr(p.domains, d))} × *p* for a {d} measure" for d in domains)
    felt = (
        f" Pressure lingers: each week you still feel {p.persistence:.0%} of what you felt."
        if p.persistence > 0
        else ""
    )
    return (
        f"- **Washington's pressure** *p* (0 to 1, last week's) makes a retaliation cost "
        f"{num(k)} × *p* × the weight of what it does: {costs}, "
        f"{num(k * p.domains.diplomatic)} × *p* for a protest. Every cooperation earns "
        f"{num(k * p.cooperation_reward)} × *p*.{felt}"
    )


def patron_section(config: Config, scenario: Scenario, cost: float, whose: str) -> str:
    """Washington's numbers: what its pressure does to each ally, and its own score."""
    p = config.model_params.payoffs
    levels = ", ".join(f"{m.label} *p* = {num(m.value)}" for m in UsMove)
    pressed = [s.title() for s in scenario.sides if s in scenario.pressed]
    whom = {0: "no side's", 2: "the two sides'"}.get(len(pressed), f"{pressed[0]}'s")
    lines = [
        f"These are {whose} settings. Your pressure *p* ({levels}) works only through "
        f"{whom} payoffs, the week after you choose it:",
        "",
    ]
    for side in scenario.sides:
        slot = ALLIES[scenario.sides.index(side)]
        if side not in scenario.pressed:
            lines.append(f"- **{side.title()}** does not feel your pressure in this case.")
            continue
        k = p.pressure[slot]
        kinds = [m.domain for m in scenario.measures[side].measures]
        listed = [f"{d} {num(getattr(p.domains, d))}" for d in DOMAINS if d in kinds]
        lines.append(
            f"- **{side.title()}** pays {num(k)} × *p* × the weight of what a retaliation does "
            f"({', '.join(listed)}, a protest {num(p.domains.diplomatic)}) and earns "
            f"{num(k * p.cooperation_reward)} × *p* for every cooperation."
        )
    lines += [
        "",
        f"Your score each week is 1 − the tension after the week − {num(cost)} × *p*: calm "
        "between the two sides counts, and so does every week of pressure. The briefing "
        "shows the total.",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """``python -m sim.play.brief [KEY=VALUE ...]``: write the shipped briefs' numbers.

    The default game's numbers go into the briefs of every case that has them, or of the one
    case a ``scenario=`` override names.
    """
    from sim.core.folders import scenarios_root

    named = any(a.split("=", 1)[0].lstrip("+") in ("scenario", "scenario.name") for a in argv)
    cases = [None] if named else sorted(p.parent.name for p in scenarios_root().glob("*/briefs"))
    for case in cases:
        write_briefs([*argv, f"scenario={case}"] if case else list(argv))
    return 0


def write_briefs(overrides: list[str]) -> None:
    """Write the numbers of the game ``overrides`` make into its case's briefs."""
    from sim.core.folders import scenarios_root
    from sim.experiment.config import default_config
    from sim.experiment.factory import build_scenario
    from sim.play.materials import load_materials

    config = default_config(overrides)
    scenario = build_scenario(config.scenario)
    folder = Path(scenario.folder or scenarios_root() / scenario.name)
    cost = load_materials(folder).pressure_cost
    for path in sorted((folder / "briefs").glob("*.md")):
        text = path.read_text()
        section = settings_section(path.stem, config, scenario, cost, "the default game's")
        path.write_text(with_settings(text, section))
        print(f"wrote the settings of {path}")


if __name__ == "__main__":
    from sim.console import fail
    from sim.core.errors import EscalationError

    try:
        sys.exit(main(sys.argv[1:]))
    except EscalationError as problem:
        fail(f"python -m sim.play.brief: {problem}")
