"""The instructor's page: the code, seats, running the game, events, messages, exports, log."""

import solara
import solara.lab

from sim.core.errors import EscalationError
from sim.play.server import class_export_path, export_path
from sim.play.web.common import (
    Markdown,
    Notice,
    Plain,
    Table,
    attempt,
    client_address,
    link,
    query,
    request_host,
    use_room_updates,
    use_situation_notice,
    use_typed,
)
from sim.play.web.forms import TIMERS
from sim.play.web.state import REGISTRY
from sim.play.web.team import RoomMissing
from sim.play.web.widgets import (
    Broadcasts,
    ChartWithReal,
    Debrief,
    Downloads,
    News,
    StatusLine,
    Timeline,
)
from sim.reports.labels import role_name


def join_instructions(code: str, humans: list[str], host: str | None) -> str:
    """How teams join: the address to open (when known), the code, the roles to pick."""
    people = ", ".join(role_name(r) for r in humans)
    where = f"**http://{host}/?room={code}**" if host else "this server's start page"
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


def instructor_links(room, key: str) -> str:
    """This room's instructor link (not shown anywhere else) and the class's other rooms'.

    Opening another room for the class moves the tab to it; without these the way back was
    the terminal (`escalation classroom links`). They hold keys: never on the projector.
    """
    here = link("/instructor", room=room.code, key=key)
    others = []
    for code in REGISTRY.codes():
        try:
            other = REGISTRY.get(code)
        except EscalationError:  # gone since the codes were read
            continue
        if other.class_id == room.class_id and other.code != room.code:
            others.append(other)
    html = f'This room\'s instructor link (keep it; it holds your key): <a href="{here}">{here}</a>'
    if others:
        rooms = " · ".join(
            f'<a href="{link("/instructor", room=o.code, key=o.instructor_key)}">room {o.code}</a>'
            for o in others
        )
        html += f"<br>The class's other rooms: {rooms}"
    return html


def timer_name(seconds: int) -> str:
    """The round timer's name as the timer menu writes it ("2 minutes"; "no timer" for 0).

    The menu starts from the room's own timer, so a reloaded page shows the timer that runs.
    """
    for name, value in TIMERS.items():
        if value == seconds:
            return name
    return f"{seconds} seconds"


@solara.component
def Confirmed(label: str, question: str, detail: str, action, color: str = "primary"):
    """A button that asks before it acts (End game, Undo)."""
    asking, set_asking = solara.use_state(False)
    solara.Button(label, color=color, on_click=lambda: set_asking(True))
    solara.lab.ConfirmationDialog(
        asking,
        on_close=lambda: set_asking(False),
        title=question,
        content=detail,
        ok=label.rstrip("…"),
        on_ok=action,
    )


@solara.component
def RunGame(room, key: str, view, set_notice):
    """Advance (once per week however often clicked), undo, pause, the timer, end."""
    status = view.status
    running = timer_name(status.round_seconds)
    choice, set_choice = solara.use_state(None)  # a timer picked here and not yet set
    timer = running if choice is None else choice
    names = {**TIMERS, running: status.round_seconds}

    def set_timer() -> None:
        room.set_timer(key, names[timer])
        set_choice(None)

    def advance() -> None:
        if room.advance(key, week=status.week) is None:
            set_notice(("success", f"Week {status.week + 1} was already played."))
        else:
            set_notice(("success", f"Week {status.week + 1} played."))

    with solara.Card("Run the game"):
        with solara.Div(classes=["ec-row"]):
            solara.Button(  # a new widget each week: a late click advances no later week
                "Advance week", color="primary", on_click=lambda: attempt(advance, set_notice)
            ).key(f"advance-week-{status.week}")
            if status.paused:
                solara.Button(
                    "Resume",
                    on_click=lambda: attempt(lambda: room.resume(key), set_notice, "Resumed."),
                )
            else:
                solara.Button(
                    "Pause",
                    on_click=lambda: attempt(lambda: room.pause(key), set_notice, "Paused."),
                )
            Confirmed(
                "Undo last week…",
                "Take back the last week played?",
                "The game returns to the start of that week and its moves are cleared: "
                "every team chooses its move for that week again.",
                lambda: attempt(
                    lambda: room.undo(key),
                    set_notice,
                    "Last week undone: every team chooses its move for it again.",
                ),
            )
            Confirmed(
                "End game…",
                "End the game for every team?",
                "Every team sees the debrief of the weeks played; this cannot be undone.",
                lambda: attempt(lambda: room.end(key), set_notice),
                color="error",
            )
        Markdown(
            "A week is played when every team has moved, when the round timer runs out, "
            "or when you advance it (a team that has not moved holds)."
        )
        with solara.Div(classes=["ec-row"]):
            solara.Select("Round timer", values=list(names), value=timer, on_value=set_choice)
            solara.Button(
                "Set timer",
                text=True,
                on_click=lambda: attempt(
                    set_timer, set_notice, f"Round timer: {timer}, starting now."
                ),
            )


@solara.component
def Inject(room, key: str, set_notice, version: int):
    """Inject a ready-made event of the scenario, or one written here.

    ``version``, the room's, is what redraws the menu when the room moves on: with the same
    room, key and setter as before Solara kept the old menu, which offered an event just
    injected (refused, "would change nothing") and not a lifting that had become possible.
    """
    ready = room.ready_events()  # those that would change something now
    events = [e.text for e in ready] + ["Write my own event"]
    picked, set_event = solara.use_state(events[0])
    event = picked if picked in events else events[0]  # one just injected leaves the menu
    custom = use_typed("")
    sides = {role_name(s): s for s in room.game.sides}  # shown name -> side
    chosen, set_actor = solara.use_state(next(iter(sides)))
    actor = chosen if chosen in sides else next(iter(sides))
    direction, set_direction = solara.use_state("escalate")
    with solara.Card("Inject a scenario event"):
        solara.Select("Event", values=events, value=event, on_value=set_event)
        if event == events[-1]:
            solara.InputText(
                "What happens", value=custom.value, on_value=custom.set, continuous_update=True
            )
            with solara.Div(classes=["ec-row"]):
                solara.Select("Whose measures", values=list(sides), value=actor, on_value=set_actor)
                solara.Select(
                    "Direction",
                    values=["escalate", "deescalate"],
                    value=direction,
                    on_value=set_direction,
                )

        def inject() -> None:
            if event == events[-1]:
                room.inject(key, sides[actor], direction, custom.current)
                custom.set("")
            else:
                chosen = next(e for e in ready if e.text == event)
                room.inject(key, chosen.actor, chosen.direction, chosen.text, chosen.measure)

        solara.Button(
            "Inject event",
            color="warning",
            on_click=lambda: attempt(inject, set_notice, "Event injected: every team sees it."),
        )


@solara.component
def Talk(room, key: str, view, set_notice):
    """Broadcast to every page; read the teams' private messages."""
    text = use_typed("")

    def send() -> None:
        room.broadcast(key, text.current)
        text.set("")

    with solara.Card("Messages"):
        solara.InputText(
            "Message to every team", value=text.value, on_value=text.set, continuous_update=True
        )
        solara.Button("Broadcast", on_click=lambda: attempt(send, set_notice, "Sent to all."))
        for message in reversed(view.messages[-15:]):
            to = "everyone" if message.to is None else role_name(message.to)
            with solara.Div(classes=["ec-message"]):
                solara.Text(f"{role_name(message.sender)} to {to} (week {message.week + 1}): ")
                Plain(message.text, classes=["ec-plain", "ec-inline"])


@solara.component
def Seats(room, key: str, view, set_notice):
    """Each seat: team name, joined, connected, moved; its link back, and freeing it."""
    status = view.status
    rows = [
        [
            role_name(role),
            seat.name or "-",
            "joined" if seat.taken else "waiting for a team",
            "yes" if seat.connected else "no",
            "yes" if seat.moved else "no",
        ]
        for role, seat in status.seats.items()
    ]
    with solara.Card("Seats"):
        Table(["role", "team", "seat", "connected", "moved this week"], rows, typed=(1,))
        solara.Text(f"Pages open on this room: {view.pages}")
        with solara.Details(summary="Seat links (give a team its link back, or free its seat)"):
            prefix = f"http://{host}" if (host := request_host()) else ""
            for role, token in view.seat_tokens.items():
                if token:
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
                            f"{role_name(role)}'s seat is free.",
                        ),
                    )


@solara.component
def Exports(room, key: str):
    """Download links: moves (CSV, JSON), the record, messages, the debrief, class results."""
    names = ["moves.csv", "moves.json", "record.json", "messages.csv"]
    if room.ended:
        names += ["debrief.md", "debrief.json", "debrief.png"]
    links = {n: export_path(room.code, n, key) for n in names}
    links["class results (CSV)"] = class_export_path(room.class_id, room.code, key)
    Downloads(links)


@solara.component
def InstructorPage():
    """The instructor's room: code, seats, running the game, events, messages, exports."""
    router = solara.use_router()
    params = query(router)
    key = params.get("key")
    try:
        room, problem = REGISTRY.instructor(params.get("room"), key), None
    except EscalationError as refused:
        room, problem = None, str(refused)
    use_room_updates(room)
    notice, set_notice = use_situation_notice(room)
    if room is None:
        RoomMissing(problem)
        return
    view = room.instructor_view(key)
    status = view.status
    solara.Title(f"Instructor: room {room.code}")
    with solara.Div(classes=["ec-row", "ec-baseline"]):
        solara.Text("Room code", classes=["ec-header"])
        solara.Text(room.code, classes=["ec-code"])
    Markdown(join_instructions(room.code, status.humans, request_host()))
    projector = link("/projector", room=room.code)
    dashboard = link("/class", id=room.class_id)
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f'Projector view (no keys, safe to show): <a href="{projector}" target="_blank">'
            f"{projector}</a> · class dashboard: "
            f'<a href="{dashboard}" target="_blank">{dashboard}</a>'
        ),
        classes=["ec-links"],
    )
    solara.HTML(tag="div", unsafe_innerHTML=instructor_links(room, key), classes=["ec-links"])

    def another() -> None:
        new = REGISTRY.create(room.settings, client_address(), class_id=room.class_id)
        router.push(link("/instructor", room=new.code, key=new.instructor_key))

    solara.Button(
        "Open another room for this class (same settings)",
        text=True,
        on_click=lambda: attempt(another, set_notice),
        classes=["ec-wrap"],  # a phone cut its label, and the page scrolled sideways
    )
    StatusLine(status)
    with solara.Div(classes=["ec-notice-area"]):  # always there: buttons below never jump
        Notice(notice)
    if status.ended:  # the messages and the log stay: the class is still being debriefed
        Broadcasts(status)
        Debrief(room, None)
        Exports(room, key)
        Timeline(status)
        Talk(room, key, view, set_notice)
        RoomLog(view)
        return
    Seats(room, key, view, set_notice)
    RunGame(room, key, view, set_notice)
    News(status)
    Broadcasts(status)
    Inject(room, key, set_notice, status.version)
    Talk(room, key, view, set_notice)
    with solara.Card("Tension"):
        ChartWithReal(status)
    Timeline(status)
    Exports(room, key)
    RoomLog(view)


@solara.component
def RoomLog(view):
    """Everything that happened in the room, with its time and week, folded away."""
    with solara.Details(summary="Room log"):
        log = [[e.time, str(e.week + 1), e.text] for e in view.log]
        Table(["time", "week", "what"], log, typed=(2,))  # names and events people typed
