"""The classroom in the browser: a Solara app over `sim.play.rooms` (run ``escalation classroom``).

Pages: home (play alone, open a class room, join a room), the instructor's room (code, seats,
advance, pause, inject an event, end), a team's seat (briefing, three concrete moves, refusals
with their reason, timeline, tension chart) and the debrief (chart and numbers), which every
page of a room shows once the game is over. Every page of a room polls `Room.version`, so a
move made in one browser shows in the others within a second. The settings form is Mesa's
SolaraViz `UserInputs` with `Slider`s; charts are matplotlib figures (`sim.play.debrief` for the
debrief). Links carry the room code and a seat token or instructor key, so reopening a link
(after a closed tab or a dropped connection) rejoins the same role.
"""

import datetime as dt
import html
import logging
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

import matplotlib

matplotlib.use("Agg")

import markdown
import matplotlib.dates as mdates
import solara
import solara.lab
from matplotlib.figure import Figure
from mesa.visualization import Slider
from mesa.visualization.solara_viz import UserInputs

from sim.core.errors import EscalationError
from sim.core.moves import ACTORS
from sim.core.params import US_POLICIES
from sim.figures.fan import figure_and_axes
from sim.play.debrief import debrief_markdown, make_debrief_data, plot_debrief
from sim.play.rooms import (
    REGISTRY,
    SCENARIO_EVENTS,
    Room,
    RoomSettings,
    payoff_presets,
    role_name,
    scenario_names,
)

log = logging.getLogger(__name__)

#: How long a page waits for a change in its room before it redraws anyway (seconds).
POLL_SECONDS = 1.0
FULL_WEEKS = 62
CSS = """
.ec-code { font-size: 2.6rem; font-weight: 700; letter-spacing: 0.35rem; }
.ec-header { font-size: 1.4rem; font-weight: 600; }
.ec-move .v-btn { min-width: 9rem; }
.ec-link { font-family: monospace; font-size: 0.85rem; word-break: break-all; }
.ec-md table { border-collapse: collapse; margin: 6px 0; }
.ec-md th, .ec-md td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; }
.ec-md td { vertical-align: top; }
"""


# -- figures: numbers first, then drawing --------------------------------------------------
@dataclass(frozen=True)
class TensionChartData:
    """What the live tension chart draws: the weeks played so far and, if shown, 2019's path."""

    dates: list[dt.date]
    played: list[float]
    real: list[float] | None
    injected: list[tuple[dt.date, str]]
    now: tuple[dt.date, float] | None


def make_tension_chart_data(status: dict, show_real: bool) -> TensionChartData:
    """Numbers for the live chart from `Room.status()`; the real path only up to this week."""
    dates = [dt.date.fromisoformat(d) for d in status["dates"]]
    played = [float(r["tension"]) for r in status["timeline"]]
    real = status["real_tension"] if show_real else None
    shown = max(len(played), 1)
    injected = [(dates[min(i["week"], len(dates) - 1)], i["text"]) for i in status["injections"]]
    return TensionChartData(
        dates=dates,
        played=played,
        real=None if real is None else [float(v) for v in real[:shown]],
        injected=injected,
        now=None if status["ended"] else (dates[status["week"]], float(status["tension"])),
    )


def plot_tension_chart(data: TensionChartData, ax=None) -> Figure:
    """Tension week by week in this game (and 2019's path over the same weeks, if asked)."""
    figure, ax = figure_and_axes(ax, (7.5, 3.2))
    if data.played:
        ax.step(
            data.dates[: len(data.played)],
            data.played,
            where="post",
            color="tab:orange",
            lw=2.5,
            marker="o",
            ms=3,
            label="this game",
        )
    if data.real:
        ax.step(
            data.dates[: len(data.real)],
            data.real,
            where="post",
            color="black",
            lw=1.8,
            label="2018-2019 as it happened",
        )
    if data.now is not None:
        ax.plot(
            *data.now,
            marker="o",
            ms=8,
            mfc="white",
            mec="tab:orange",
            mew=2,
            ls="none",
            label="now, before this week's moves",
        )
    for date, _text in data.injected:
        ax.axvline(date, color="tab:red", lw=0.8, ls="--", alpha=0.7)
    ax.set_xlim(data.dates[0] - dt.timedelta(days=3), data.dates[-1] + dt.timedelta(weeks=1))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("tension")
    ax.grid(alpha=0.3)
    if data.played or data.real or data.now:
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return figure


# -- helpers -------------------------------------------------------------------------------
def query(router) -> dict[str, str]:
    """The page's query string as a dict of single values."""
    return {k: v[-1] for k, v in parse_qs(router.search or "").items()}


def role_of_name(name: str) -> str:
    """The role a display name stands for (``Seoul`` -> ``seoul``)."""
    return str(name).strip().lower()


def link(path: str, **params: str) -> str:
    """A path with its query string."""
    return f"{path}?{urlencode(params)}"


def attempt(action, set_notice, done: str | None = None):
    """Run ``action``; show its refusal (or an unexpected failure) instead of raising."""
    try:
        result = action()
    except EscalationError as problem:
        set_notice(("error", f"Refused: {problem}"))
        return None
    except Exception as problem:  # a bug must not take the page, or the server, down
        log.exception("classroom action failed")
        set_notice(("error", f"Something went wrong on the server: {problem}"))
        return None
    set_notice(("success", done) if done else None)
    return result


def escape(text: str) -> str:
    """Text someone typed, made safe to put in a Markdown table."""
    return html.escape(str(text)).replace("|", "&#124;")


@solara.component
def Markdown(text: str):
    """Markdown rendered on the server (solara.Markdown would fetch KaTeX from a CDN)."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=markdown.markdown(text, extensions=["tables"]),
        classes=["ec-md"],
    )


@solara.component
def Notice(notice):
    """A refusal or a confirmation, shown until the next action."""
    if notice is None:
        return
    kind, text = notice
    if kind == "error":
        solara.Error(text, classes=["ec-notice"])
    else:
        solara.Success(text, classes=["ec-notice"])


def use_room_updates(room: Room | None, token: str | None = None) -> int:
    """Redraw when the room changes (another browser moved) or every `POLL_SECONDS`."""
    tick, set_tick = solara.use_state(0)

    def poll(cancel: threading.Event) -> None:
        count = 0
        seen = -1
        while room is not None and not cancel.is_set():
            if token is not None:
                try:
                    room.touch(token)
                except EscalationError:
                    pass
            version = room.wait_changed(seen, POLL_SECONDS)
            if cancel.is_set():
                return
            if version != seen or count % 3 == 0:
                seen = version
                set_tick(count)
            count += 1

    solara.use_thread(
        poll, dependencies=[room.code if room else None, token], intrusive_cancel=False
    )
    return tick


# -- settings ------------------------------------------------------------------------------
def settings_params(values: dict, solo: bool) -> dict:
    """The settings form, in the shape Mesa's `UserInputs` takes."""
    params: dict = {}
    if solo:
        params["role"] = {
            "type": "Select",
            "label": "Your role",
            "value": values["role"],
            "values": [role_name(a) for a in ACTORS],
        }
    params |= {
        "scenario": {
            "type": "Select",
            "label": "Scenario",
            "value": values["scenario"],
            "values": list(scenario_names()),
        },
        "payoffs": {
            "type": "Select",
            "label": "Payoffs preset",
            "value": values["payoffs"],
            "values": list(payoff_presets()),
        },
        "us_policy": {
            "type": "Select",
            "label": "US policy (when the model plays Washington)",
            "value": values["us_policy"],
            "values": list(US_POLICIES),
        },
        "us_pressure": Slider("US pressure", values["us_pressure"], 0.0, 1.0, 0.05),
        "weeks": Slider("Weeks to play", values["weeks"], 1, FULL_WEEKS, 1),
        "seed": {"type": "InputText", "label": "Seed", "value": values["seed"]},
    }
    if not solo:
        for role in ACTORS:
            params[f"human_{role}"] = {
                "type": "Checkbox",
                "label": f"{role_name(role)} is played by a team",
                "value": values[f"human_{role}"],
            }
    return params


DEFAULT_VALUES = {
    "role": "Seoul",
    "scenario": "gsomia_2019",
    "payoffs": "gsomia_2019",
    "us_policy": "reactive",
    "us_pressure": 0.6,
    "weeks": FULL_WEEKS,
    "seed": "2019",
    **{f"human_{role}": True for role in ACTORS},
}


def settings_from(values: dict, solo: bool) -> RoomSettings:
    """Room settings from the form; a seed that is not a number is refused with a reason."""
    seed = str(values["seed"]).strip()
    if not seed.isdigit():
        raise EscalationError(f"seed {seed!r} must be a whole number, 0 or more")
    humans = (
        (role_of_name(values["role"]),)
        if solo
        else tuple(a for a in ACTORS if values[f"human_{a}"])
    )
    return RoomSettings(
        scenario=values["scenario"],
        payoffs=values["payoffs"],
        us_policy=values["us_policy"],
        us_pressure=float(values["us_pressure"]),
        humans=humans,
        seed=int(seed),
        weeks=int(values["weeks"]),
        solo=solo,
    )


@solara.component
def SettingsForm(solo: bool, on_create, button: str):
    """The instructor's settings (or a single player's), and the button that opens the room."""
    values, set_values = solara.use_state(dict(DEFAULT_VALUES))
    notice, set_notice = solara.use_state(None)

    def change(name, value):
        set_values({**values, name: value})

    UserInputs(settings_params(values, solo), on_change=change)
    solara.Text(
        f"{values['weeks']} weeks to play; US pressure {float(values['us_pressure']):.2f}",
        classes=["ec-summary"],
    )
    solara.Button(
        button,
        color="primary",
        on_click=lambda: attempt(lambda: on_create(settings_from(values, solo)), set_notice),
    )
    Notice(notice)


# -- pages ---------------------------------------------------------------------------------
@solara.component
def Home():
    """Choose: play alone, open a class room (instructor), or join a room (team)."""
    router = solara.use_router()
    code, set_code = solara.use_state(query(router).get("room", ""))
    role, set_role = solara.use_state("Seoul")
    notice, set_notice = solara.use_state(None)

    def start_solo(settings: RoomSettings) -> None:
        room = REGISTRY.create(settings)
        seat = room.claim(settings.humans[0])
        router.push(link("/team", room=room.code, seat=seat))

    def open_room(settings: RoomSettings) -> None:
        room = REGISTRY.create(settings)
        router.push(link("/instructor", room=room.code, key=room.instructor_key))

    def join() -> None:
        room = REGISTRY.get(code)
        seat = room.claim(role_of_name(role))
        router.push(link("/team", room=room.code, seat=seat))

    solara.Title("Escalation classroom")
    Markdown(
        "Play the 2018-2019 dispute between **Seoul**, **Tokyo** and **Washington** week by "
        "week, alone against the model or as teams in a class, and compare your path with "
        "what really happened."
    )
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Card("Join a room (team)", style={"min-width": "300px", "flex": "1"}):
            Markdown("Type the code the instructor shows and pick your team's role.")
            solara.InputText("Room code", value=code, on_value=set_code, continuous_update=True)
            solara.Select(
                "Role", values=[role_name(a) for a in ACTORS], value=role, on_value=set_role
            )
            solara.Button("Join", color="primary", on_click=lambda: attempt(join, set_notice))
            Notice(notice)
        with solara.Card(
            "Open a class room (instructor)", style={"min-width": "300px", "flex": "1"}
        ):
            Markdown("Choose the settings and which roles teams play; the model plays the rest.")
            SettingsForm(False, open_room, "Open room")
        with solara.Card("Play alone", style={"min-width": "300px", "flex": "1"}):
            Markdown("One role is yours; the model plays the other two.")
            SettingsForm(True, start_solo, "Start game")


@solara.component
def RoomMissing(problem: str):
    """A room or a link that does not work: the reason, and the way back."""
    solara.Error(f"Refused: {problem}", classes=["ec-notice"])
    solara.Link("/", children=[solara.Button("Back to the start page", text=True)])


def open_room_from(params: dict) -> tuple[Room | None, str | None]:
    """The room a link names, or the reason it cannot be opened."""
    try:
        return REGISTRY.get(params.get("room")), None
    except EscalationError as problem:
        return None, str(problem)


@solara.component
def TensionChart(status: dict, label: str = "Show the real 2018-2019 path"):
    """The live tension chart with the real path behind a checkbox."""
    show_real, set_show_real = solara.use_state(False)
    if status["real_tension"] is not None:
        solara.Checkbox(label=label, value=show_real, on_value=set_show_real)
    figure = solara.use_memo(
        lambda: plot_tension_chart(make_tension_chart_data(status, show_real)),
        dependencies=[status["version"], len(status["timeline"]), show_real],
    )
    solara.FigureMatplotlib(figure, dependencies=[status["version"], show_real], format="png")


def timeline_markdown(status: dict) -> str:
    """The weeks played so far, newest first, as a Markdown table."""
    rows = [
        "| week | date | Seoul | Tokyo | Washington | tension | events |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for report in reversed(status["timeline"]):
        described = report["described"]
        events = "; ".join(escape(t) for t in report["injected"])
        rows.append(
            f"| {report['week'] + 1} | {report['date']} | {described['seoul']} | "
            f"{described['tokyo']} | {described['washington']} | {report['tension']:.2f} | "
            f"{events} |"
        )
    if len(rows) == 2:
        return "No week has been played yet."
    return "\n".join(rows)


@solara.component
def Timeline(status: dict):
    """The timeline of moves, week by week."""
    Markdown("### Timeline\n\n" + timeline_markdown(status))


def status_line(status: dict) -> str:
    """Week, date and whom the game waits for, in one line."""
    if status["ended"]:
        return f"Game over after {len(status['timeline'])} weeks."
    waiting = ", ".join(role_name(r) for r in status["waiting_for"]) or "nobody"
    text = f"Week {status['week'] + 1} of {status['weeks']} (week of {status['date']})."
    if status["paused"]:
        return text + " **Paused by the instructor.**"
    return text + f" Waiting for: {waiting}."


@solara.component
def News(status: dict):
    """Scenario events the instructor injected this week or last week."""
    for event in status["injections"]:
        if event["week"] >= status["week"] - 1:
            solara.Warning(
                f"Scenario event (week {event['week'] + 1}): {event['text']}",
                classes=["ec-event"],
            )


@solara.component
def Debrief(room: Room):
    """The debrief: the class's path beside 2019's and the model's bands, and the numbers."""
    result = solara.use_memo(lambda: debrief_view(room), dependencies=[room.code, room.ended])
    text, figure = result
    head, _, findings = text.partition("\n## ")
    Markdown(head)
    if figure is not None:
        solara.FigureMatplotlib(figure, format="png")
    if findings:
        Markdown("## " + findings)


def debrief_view(room: Room) -> tuple[str, Figure | None]:
    """The debrief's text (Markdown) and chart for a finished room (no chart if no week)."""
    debrief = room.debrief()
    if debrief["weeks_played"] == 0:
        return "# Debrief\n\nThe game ended before any week was played: nothing to compare.", None
    game = room.game
    data = make_debrief_data(debrief, game.scenario, game.real, game.humans)
    return debrief_markdown(data, figure=None), plot_debrief(data)


@solara.component
def TeamPage():
    """A team's seat: briefing, the three moves, refusals, timeline, chart, then the debrief."""
    router = solara.use_router()
    params = query(router)
    room, problem = open_room_from(params)
    seat = params.get("seat")
    use_room_updates(room, seat)
    notice, set_notice = solara.use_state(None)
    if room is None:
        RoomMissing(problem)
        return
    try:
        brief = room.briefing(seat)
    except EscalationError as refused:
        RoomMissing(str(refused))
        return
    role = brief["role"]
    asked = params.get("role")
    solara.Title(f"{role_name(role)}: room {room.code}")
    solara.Text(f"Room {room.code}: your team plays {role_name(role)}", classes=["ec-header"])
    Markdown(status_line(brief))
    Notice(notice)
    if brief["ended"]:
        Debrief(room)
        Timeline(brief)
        return
    News(brief)

    def move(name: str) -> None:
        chosen = attempt(
            lambda: room.submit(seat, name, role=asked or role, week=brief["week"]),
            set_notice,
        )
        if chosen is not None:
            set_notice(("success", f"You chose {chosen} for week {brief['week'] + 1}."))

    with solara.Card(f"Your move for week {brief['week'] + 1}"):
        if brief["moved"]:
            solara.Info("Your team has moved this week; the week is played when every team has.")
        for name, described in brief["options"].items():
            with solara.Row(classes=["ec-move"], style={"align-items": "center"}):
                solara.Button(
                    name.title(),
                    color={"retaliate": "error", "cooperate": "success"}.get(name, "primary"),
                    on_click=lambda name=name: move(name),
                )
                solara.Text(described)
        if room.settings.solo:
            solara.Button(
                "End the game now",
                text=True,
                on_click=lambda: attempt(lambda: room.end(seat), set_notice),
            )
    with solara.Card("Briefing"):
        Markdown(briefing_markdown(brief))
    with solara.Card("Tension"):
        TensionChart(brief)
    Timeline(brief)


def briefing_markdown(brief: dict) -> str:
    """What the team knows at the start of the week."""
    lines = []
    if brief["last_week"]:
        lines += ["**Last week:**", ""]
        lines += [f"- {text}" for text in brief["last_week"].values()]
    else:
        lines.append("**First week:** nobody has moved yet.")
    lines.append("")
    for ally, measures in brief["in_force"].items():
        held = "; ".join(measures) if measures else "none"
        lines.append(f"- {role_name(ally)}'s measures in force: {held}")
    lines.append(f"- Tension: {brief['tension']:.2f}; US pressure: {brief['pressure']:.2f}")
    if brief["payoff"] is not None:
        lines.append(f"- Your payoff so far: {brief['payoff']:+.1f}")
    return "\n".join(lines)


@solara.component
def InstructorPage():
    """The instructor's room: code, seats, advance, pause, inject, end, then the debrief."""
    router = solara.use_router()
    params = query(router)
    room, problem = open_room_from(params)
    key = params.get("key")
    use_room_updates(room)
    notice, set_notice = solara.use_state(None)
    event, set_event = solara.use_state(SCENARIO_EVENTS[0].text)
    custom, set_custom = solara.use_state("")
    actor, set_actor = solara.use_state("seoul")
    direction, set_direction = solara.use_state("escalate")
    if room is None:
        RoomMissing(problem)
        return
    try:
        view = room.instructor_view(key)
    except EscalationError as refused:
        RoomMissing(str(refused))
        return
    solara.Title(f"Instructor: room {room.code}")
    with solara.Row(style={"align-items": "baseline"}):
        solara.Text("Room code", classes=["ec-header"])
        solara.Text(room.code, classes=["ec-code"])
    Markdown(join_instructions(room.code, view["humans"], request_host()))
    Markdown(status_line(view))
    Notice(notice)
    if view["ended"]:
        Debrief(room)
        Timeline(view)
        return
    with solara.Card("Seats"):
        Markdown(seats_markdown(view))
    with solara.Card("Run the game"):
        with solara.Row():
            solara.Button(
                "Advance week",
                color="primary",
                on_click=lambda: attempt(lambda: room.advance(key), set_notice, "Week played."),
            )
            if view["paused"]:
                solara.Button(
                    "Resume",
                    on_click=lambda: attempt(lambda: room.resume(key), set_notice, "Resumed."),
                )
            else:
                solara.Button(
                    "Pause",
                    on_click=lambda: attempt(lambda: room.pause(key), set_notice, "Paused."),
                )
            solara.Button(
                "End game",
                color="error",
                on_click=lambda: attempt(lambda: room.end(key), set_notice),
            )
        Markdown(
            "A week is played when every team has moved, or when you advance it "
            "(a team that has not moved holds)."
        )
    with solara.Card("Inject a scenario event"):
        events = [e.text for e in SCENARIO_EVENTS] + ["Write my own event"]
        solara.Select("Event", values=events, value=event, on_value=set_event)
        if event == events[-1]:
            solara.InputText(
                "What happens", value=custom, on_value=set_custom, continuous_update=True
            )
            with solara.Row():
                solara.Select(
                    "Whose ladder", values=["seoul", "tokyo"], value=actor, on_value=set_actor
                )
                solara.Select(
                    "Direction",
                    values=["escalate", "deescalate"],
                    value=direction,
                    on_value=set_direction,
                )

        def inject() -> None:
            if event == events[-1]:
                room.inject(key, actor, direction, custom)
            else:
                chosen = next(e for e in SCENARIO_EVENTS if e.text == event)
                room.inject(key, chosen.actor, chosen.direction, chosen.text)

        solara.Button(
            "Inject event",
            color="warning",
            on_click=lambda: attempt(inject, set_notice, "Event injected: every team sees it."),
        )
    with solara.Card("Tension"):
        TensionChart(view)
    Timeline(view)
    with solara.Details("Seat links (give a team its link back, or free its seat)"):
        prefix = f"http://{host}" if (host := request_host()) else ""
        for role, token in view["seat_tokens"].items():
            if token:
                with solara.Row(style={"align-items": "center"}):
                    solara.Text(
                        f"{role_name(role)}: {prefix}{link('/team', room=room.code, seat=token)}",
                        classes=["ec-link"],
                    )
                    solara.Button(
                        f"Free {role_name(role)}'s seat",
                        text=True,
                        on_click=lambda role=role: attempt(
                            lambda: room.release(key, role),
                            set_notice,
                            f"{role_name(role)}'s seat is free: its old link no longer works.",
                        ),
                    )
    with solara.Details("Room log"):
        Markdown(
            "\n".join(
                f"- {e['time']} (week {e['week'] + 1}) {escape(e['text'])}" for e in view["log"]
            )
        )


def request_host() -> str | None:
    """The host and port this browser used to reach the server (from its request headers)."""
    headers = solara.lab.headers.value or {}
    hosts = headers.get("host") or headers.get("Host") or []
    return hosts[0] if hosts else None


def join_instructions(code: str, humans: list[str], host: str | None) -> str:
    """How teams join: the address to open (when known), the code, the roles to pick."""
    people = ", ".join(role_name(r) for r in humans)
    where = "this server's start page"
    if host:
        where = f"**http://{host}/?room={code}**"
    lines = [
        f"Teams open {where}, choose **Join a room** with code **{code}** and pick their role "
        f"({people}; the model plays the rest)."
    ]
    if host and host.split(":")[0] in ("127.0.0.1", "localhost", "[::1]"):
        lines.append(
            "That address works on this machine only: for other machines, start the server "
            "with `--host 0.0.0.0` and use this machine's network address instead."
        )
    return "\n\n".join(lines)


def seats_markdown(view: dict) -> str:
    """Each role played by people: joined or not, connected or not, moved this week or not."""
    rows = ["| role | team | connected | moved this week |", "| --- | --- | --- | --- |"]
    for role, seat in view["seats"].items():
        rows.append(
            f"| {role_name(role)} | {'joined' if seat['taken'] else 'waiting for a team'} | "
            f"{'yes' if seat['connected'] else 'no'} | {'yes' if seat['moved'] else 'no'} |"
        )
    return "\n".join(rows)


@solara.component
def Layout(children=()):
    """The frame of every page: a title bar and the page."""
    solara.Style(CSS)
    with solara.Column(style={"max-width": "1100px", "margin": "0 auto", "padding": "12px"}):
        with solara.Row(style={"align-items": "center"}):
            solara.Link("/", children=[solara.Text("Escalation classroom", classes=["ec-header"])])
            solara.Text("Seoul, Tokyo and Washington, 2018-2019")
        solara.Column(children=list(children))


routes = [
    solara.Route(path="/", component=Home, layout=Layout),
    solara.Route(path="instructor", component=InstructorPage),
    solara.Route(path="team", component=TeamPage),
]
