"""The settings form for a class room or a single-player game, with readable names."""

import functools

import solara

from sim.core.params import US_POLICIES
from sim.core.scenario import PatronAlarm
from sim.core.scenario_yaml import load_scenario
from sim.play.settings import (
    RoomSettings,
    case_roles,
    defaults,
    payoff_presets,
    scenario_names,
)
from sim.play.web.common import Notice, attempt
from sim.reports.labels import payoff_name, policy_name, role_name, role_of_name, scenario_title
from sim.reports.text import week_count


@functools.cache
def scenario_weeks(name: str) -> int:
    """Number of weeks of a scenario (read once per server)."""
    return load_scenario(name).weeks


@functools.cache
def scenario_alarm(name: str) -> PatronAlarm:
    """What alarms a scenario's reactive patron (read once per server)."""
    return load_scenario(name).alarm


TIMERS = {"no timer": 0, "1 minute": 60, "2 minutes": 120, "3 minutes": 180, "5 minutes": 300}


def default_values() -> dict:
    """The form's first values: the project's defaults (`default_config()`)."""
    config = defaults()
    return {
        "role": "Seoul",
        "scenario": config.scenario.name,
        "payoffs": config.payoffs.name,
        "us_policy": config.us.policy,
        "us_pressure": float(config.us.pressure),
        "weeks": scenario_weeks(config.scenario.name),
        "seed": str(config.run.seed),
        "timer": "no timer",
    }


def roles_of(values: dict) -> tuple[str, ...]:
    """The roles of the scenario the form has chosen: its two sides, then Washington."""
    return case_roles(values["scenario"])


def solo_role(values: dict) -> str:
    """The single player's role: the one chosen, or the scenario's first if it has no such."""
    roles = roles_of(values)
    chosen = role_of_name(values["role"])
    return chosen if chosen in roles else roles[0]


def played(values: dict, role: str) -> bool:
    """Whether the form gives ``role`` to a team (every role is, until its box is cleared)."""
    return bool(values.get(f"human_{role}", True))


def humans_of(values: dict, solo: bool) -> tuple[str, ...]:
    """The roles people play, from the form."""
    if solo:
        return (solo_role(values),)
    return tuple(a for a in roles_of(values) if played(values, a))


def settings_from(values: dict, solo: bool) -> RoomSettings:
    """Room settings from the form; a seed that is not a number is refused with what to type."""
    from sim.play.settings import RoomError, bad_seed

    seed = str(values["seed"]).strip()
    if not seed.isdigit():
        raise RoomError(bad_seed(seed or "(empty)"))
    return RoomSettings(
        scenario=values["scenario"],
        payoffs=values["payoffs"],
        us_policy=values["us_policy"],
        us_pressure=float(values["us_pressure"]),
        humans=humans_of(values, solo),
        seed=int(seed),
        weeks=min(int(values["weeks"]), scenario_weeks(values["scenario"])),  # as the slider shows
        solo=solo,
        round_seconds=0 if solo else TIMERS[values["timer"]],
    )


@solara.component
def Choice(label: str, names: dict[str, str], value: str, on_value):
    """A select showing readable names for identifiers (``names``: identifier -> name)."""
    back = {name: key for key, name in names.items()}
    solara.Select(
        label,
        values=list(names.values()),
        value=names.get(value, value),
        on_value=lambda name: on_value(back[name]),
    )


@solara.component
def WashingtonSettings(washington_played: bool, values: dict, change):
    """Who sets Washington's pressure: its team, or the model with a policy and a pressure."""
    if washington_played:
        solara.Text(
            "Washington's pressure: set each week by the player of Washington.",
            classes=["ec-summary"],
        )
        return
    Choice(
        "Washington (the model)",
        {p: policy_name(p, scenario_alarm(values["scenario"])) for p in US_POLICIES},
        values["us_policy"],
        change("us_policy"),
    )
    with solara.Div(classes=["ec-slider"]):
        solara.SliderFloat(
            f"US pressure when Washington presses: {float(values['us_pressure']):.2f}",
            value=values["us_pressure"],
            min=0.0,
            max=1.0,
            step=0.05,
            thumb_label="always",
            on_value=change("us_pressure"),
        )


@solara.component
def RoleBoxes(values: dict, change):
    """One box per role, "played by a team", each showing exactly the room's choice.

    The boxes sit in their own element, each keyed by its role, after a section that always
    has one element (`WashingtonSettings`): ticking Washington off adds the model's settings
    above them, and with a changing number of elements before them Solara handed one box's
    widget to another, so the boxes showed other roles than the room then gave to teams.
    """
    with solara.Column(gap="0px"):
        for role in roles_of(values):
            solara.Checkbox(
                label=f"{role_name(role)} is played by a team",
                value=played(values, role),
                on_value=change(f"human_{role}"),
            ).key(f"human_{role}")


@solara.component
def SettingsForm(solo: bool, on_create, button: str):
    """The instructor's settings (or a single player's), and the button that opens the room."""
    initial = solara.use_memo(default_values, dependencies=[])
    values, set_values = solara.use_state(initial)
    notice, set_notice = solara.use_state(None)

    def change(name):
        return lambda value: set_values({**values, name: value})

    def change_case(name: str) -> None:
        # a new case is played whole until the slider says otherwise: the form kept the old
        # case's weeks, 62 for a case of 20, and the room was refused while the slider read 20
        set_values({**values, "scenario": name, "weeks": scenario_weeks(name)})

    if solo:
        solara.Select(
            "Your role",
            values=[role_name(a) for a in roles_of(values)],
            value=role_name(solo_role(values)),
            on_value=change("role"),
        )
    Choice(
        "Scenario",
        {n: scenario_title(n) for n in scenario_names()},
        values["scenario"],
        change_case,
    )
    Choice(
        "Payoffs",
        {n: payoff_name(n) for n in payoff_presets()},
        values["payoffs"],
        change("payoffs"),
    )
    washington_played = "washington" in humans_of(values, solo)
    with solara.Column(gap="0px"):  # one element whatever it holds: see `RoleBoxes`
        WashingtonSettings(washington_played, values, change)
    weeks = scenario_weeks(values["scenario"])
    solara.SliderInt(
        f"Weeks to play: {min(int(values['weeks']), weeks)} of {weeks}",
        value=min(int(values["weeks"]), weeks),
        min=1,
        max=weeks,
        thumb_label="always",
        on_value=change("weeks"),
    )
    solara.InputText(
        "Seed (same seed, same agents' choices)", value=values["seed"], on_value=change("seed")
    )
    if not solo:
        solara.Select(
            "Round timer (the week is played when it runs out)",
            values=list(TIMERS),
            value=values["timer"],
            on_value=change("timer"),
        )
        RoleBoxes(values, change)
    summary = f"{week_count(min(int(values['weeks']), weeks))} to play"
    if not washington_played:
        summary += f"; US pressure {float(values['us_pressure']):.2f}"
    solara.Text(summary, classes=["ec-summary"])
    solara.Button(
        button,
        color="primary",
        on_click=lambda: attempt(lambda: on_create(settings_from(values, solo)), set_notice),
    )
    Notice(notice)
