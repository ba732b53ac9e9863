"""Readable names for what the model calls by identifiers (roles, presets, policies, outcomes)."""

import datetime as dt
import functools
from collections.abc import Iterable

from sim.core.errors import EscalationError
from sim.core.scenario import PatronAlarm, Scenario
from sim.core.scenario_yaml import load_scenario

PAYOFF_NAMES = {
    "gsomia_2019": "2019 dispute (default)",
    "calibrated_2019": "fitted to 2019",
    "prisoners_dilemma": "prisoner's dilemma",
    "chicken": "chicken",
    "stag_hunt": "stag hunt",
    "deadlock": "deadlock",
}
POLICY_NAMES = {
    "reactive": "presses once {alarm} lasts",  # `alarm_words`
    "constant": "presses at a constant level",
    "absent": "stays out",
}
MOVE_NAMES = {
    "cooperate": "Cooperate",
    "hold": "Hold",
    "retaliate": "Retaliate",
    "abstain": "Abstain",
    "engage": "Engage",
    "press": "Press",
}


def role_name(role: str) -> str:
    """A role's display name (``seoul`` -> ``Seoul``): any case's side, capitalised."""
    return role.replace("_", " ").title()


def values_played(fit: str) -> str:
    """Which parameter values agents and model runs use, in words: the fit's or hand-set ones.

    A fit is named for the case it was fitted to (``conf/fit/CASE.yaml``), so its years are
    said too: a THAAD debrief that read "the fit gsomia_2019" left students guessing.
    """
    if fit == "none":
        return "the hand-set values"
    try:
        case = load_scenario(fit)
    except EscalationError:  # a fit named for no case
        return f"the values of the fit {fit}"
    return f"the values fitted to {case_years(case.start, case.end)} (the fit {fit})"


def role_of_name(name: str) -> str:
    """The role a display name stands for (``Seoul`` -> ``seoul``)."""
    return str(name).strip().lower()


def plain(identifier: str) -> str:
    """An identifier in words (``noticed_then_kept`` -> ``noticed then kept``)."""
    return str(identifier).replace("_", " ")


#: A live game's notice in a teacher's words ("pending" was the model's word for a running one).
STANDING = {
    "never_noticed": "no notice given",
    "pending": "notice running",
    "noticed_then_kept": "notice given, then withdrawn",
    "terminated": "ended: the notice ran out",
}


def standing(outcome: str) -> str:
    """Where a game's agreement stands so far, in a teacher's words (`STANDING`)."""
    return STANDING[outcome]


def outcome_words(outcome: str, has_notice: bool) -> str:
    """A game's outcome in words; in a case without a notice there is none to name."""
    return plain(outcome) if has_notice else f"none ({NO_NOTICE})"


def patron_label(patron: str) -> str:
    """How runs' headers name the patron: ``US`` for Washington, else its capital's name."""
    return "US" if patron == "washington" else role_name(patron)


def runs_caption(
    replications: int,
    rules: dict[str, str],
    us_policy: str,
    us_pressure: float,
    parameters: str,
    seed: int,
    patron: str = "washington",
) -> str:
    """Simulated runs in one line for figures: count, rules, patron's policy, parameters, seed."""
    by_side = ", ".join(f"{role_name(side)} {plain(rule)}" for side, rule in rules.items())
    us = f"{patron_label(patron)} {us_policy}"
    if us_policy != "absent":
        us += f", pressure {us_pressure:g}"
    return f"{replications:,} runs; {by_side}; {us}; parameters: {parameters}; seed {seed}"


def payoff_name(name: str) -> str:
    """A payoff preset's display name."""
    return PAYOFF_NAMES.get(name, plain(name))


def policy_name(name: str, alarm: PatronAlarm | None = None) -> str:
    """A US policy's display name; ``alarm``: what alarms the reactive patron (the case's)."""
    return POLICY_NAMES.get(name, plain(name)).format(alarm=alarm_words(alarm or PatronAlarm()))


def alarm_words(alarm: PatronAlarm) -> str:
    """What alarms a reactive patron, in words (`PatronAlarm`).

    "a security measure", or "a diplomatic or trade measure of Beijing's".
    """
    whose = " or ".join(f"{role_name(side)}'s" for side in alarm.sides)
    return f"a {' or '.join(alarm.domains)} measure" + (f" of {whose}" if whose else "")


def case_years(start: dt.date, end: dt.date) -> str:
    """The years a case spans, as its title gives them: ``2018-2019``, or ``2010``."""
    return str(start.year) if start.year == end.year else f"{start.year}-{end.year}"


@functools.cache
def scenario_title(name: str) -> str:
    """A scenario's title from its folder (its name in words if it cannot be read)."""
    try:
        return load_scenario(name).title
    except EscalationError:
        return plain(name)


#: What every outcome class means in a case without a notice rule.
NO_NOTICE = "this case has no notice to give or keep"


def without_article(label: str) -> str:
    """A notice's label without a leading "the", for "the LABEL notice" and "your LABEL notice".

    Labels such as the default "the agreement" or an author's "the ferry pact" read "the the
    agreement notice" in a debrief otherwise.
    """
    return label[4:] if label.lower().startswith("the ") else label


def outcome_meanings(actor: str, lapse_weeks: int, label: str) -> dict[str, str]:
    """Each outcome class in plain words, for a notice rule (``label`` names the agreement).

    The step is named by the scenario's label ("the GSOMIA notice"), not by the measure's
    identifier ("gsomia_notice"), which readers of a debrief never see elsewhere.
    """
    who, bare = role_name(actor), without_article(label)
    return {
        "never_noticed": f"{label} never put on notice ({who} never gave the {bare} notice)",
        "noticed_then_kept": f"{label} put on notice, then kept ({who} withdrew the {bare} "
        f"notice within {lapse_weeks} weeks)",
        "terminated": f"{label} terminated ({who} kept the {bare} notice in force for "
        f"{lapse_weeks} weeks)",
        "pending": f"{label} on notice when the game ended",
    }


def patron_target(pressed: Iterable[str], sides: Iterable[str]) -> str:
    """Whom the patron's moves name: "its allies", or the sides it presses alone ("Beijing").

    ``pressed`` is a case's ``patron_presses`` (empty: both sides), as for `pressed_alone`.
    """
    pressed, sides = list(pressed), list(sides)
    if not pressed or set(pressed) >= set(sides):
        return "its allies"
    return " and ".join(role_name(side) for side in sides if side in pressed)


def pressed_alone(pressed: Iterable[str], sides: Iterable[str]) -> str | None:
    """``"beijing alone"`` when the patron presses some of the sides only, else None.

    ``pressed`` is a case's ``patron_presses`` (empty: both sides).
    """
    pressed = list(pressed)
    if not pressed or set(pressed) >= set(sides):
        return None
    return f"{' and '.join(pressed)} alone"


def pressure_aimed(scenario: Scenario) -> str:
    """``"Beijing alone"`` for a case whose patron presses one side only, else empty.

    `pressed_alone` of the scenario's sides by their display names, as briefings print it.
    """
    names = [role_name(side) for side in scenario.sides]
    return pressed_alone([role_name(side) for side in scenario.pressed], names) or ""
