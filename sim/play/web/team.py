"""A team's page: the week, its briefing, three moves with what each pays, notes, messages."""

import solara

from sim.core.errors import EscalationError
from sim.play.brief import brief_for
from sim.play.server import seat_export_path
from sim.play.web.common import (
    Markdown,
    Notice,
    Plain,
    attempt,
    query,
    situation,
    use_room_updates,
    use_situation_notice,
    use_typed,
)
from sim.play.web.state import REGISTRY
from sim.play.web.widgets import (
    Broadcasts,
    ChartWithReal,
    Debrief,
    Downloads,
    News,
    NoticeCountdown,
    StatusLine,
    Timeline,
)
from sim.reports.game_results import Briefing
from sim.reports.labels import MOVE_NAMES, pressure_aimed, role_name
from sim.reports.text import signed

TERM_NAMES = {
    "stage": "stage game",
    "audience": "audience",
    "economic": "economic",
    "security": "security",
    "pressure": "US pressure",
    "deadline": "deadline",
}


@solara.component
def RoomMissing(problem: str):
    """A room or a link that does not work: the reason, and the way back."""
    router = solara.use_router()
    solara.Error(f"Refused: {problem}", classes=["ec-notice"])
    solara.Button("Back to the start page", text=True, on_click=lambda: router.push("/"))


def preview_text(brief: Briefing, move: str) -> str:
    """What a move would pay this week, by term (empty for Washington)."""
    preview = next((p for p in brief.previews if p.move == move), None)
    if preview is None:
        return ""
    other = next(role_name(a) for a in brief.in_force if a != brief.role)
    terms = ", ".join(f"{TERM_NAMES[t]} {signed(v, 2)}" for t, v in preview.terms.items())
    return (
        f"pays {signed(preview.total, 2)} this week if {other} holds "
        f"({signed(preview.low, 2)} to {signed(preview.high, 2)} as {other} moves): {terms}"
    )


def score_text(brief: Briefing, pressure_cost: float) -> str:
    """The role's score so far and last week's part of it, named as the debrief names it.

    A side's score is the sum of its weekly payoffs; Washington's is its own (docs/model.md).
    """
    text = f"Your score: {signed(brief.payoff or 0.0)} so far"
    if brief.role != "washington":
        text += ", the sum of your weekly payoffs"
    if brief.last_payoff is not None:
        text += f" ({signed(brief.last_payoff, 2)} last week)"
    if brief.role == "washington":
        text += f". Each week scores 1 less the tension less {pressure_cost:g} x your pressure."
    return text


@solara.component
def Briefing_(brief: Briefing, pressure_cost: float, aimed: str = ""):
    """What the team knows at the start of the week.

    ``aimed``: the sides the patron's pressure reaches when it is not both ("Beijing alone").
    """
    if brief.last_week:
        solara.Text("Last week:", classes=["ec-strong"])
        for text in brief.last_week.values():
            solara.Text(f"• {text}")
    else:
        solara.Text("First week: nobody has moved yet.")
    for ally, measures in brief.in_force.items():
        held = "; ".join(measures) if measures else "none"
        solara.Text(f"{role_name(ally)}'s measures in force: {held}")
    on = f" (on {aimed})" if aimed else ""
    solara.Text(f"Tension {brief.tension:.2f}; US pressure {brief.pressure:.2f}{on}")
    NoticeCountdown(brief.notice)
    solara.Text(score_text(brief, pressure_cost), classes=["ec-strong"])


def moved_line(brief: Briefing) -> str:
    """Whether the team has moved this week, and which move it sent: on every screen of the seat."""
    if brief.chosen is None:
        return "Your team has not moved yet this week."
    return (
        f"Your team chose {MOVE_NAMES[brief.chosen]} this week; the week is played when every "
        "team has."
    )


@solara.component
def Moves(room, seat: str, brief: Briefing, asked: str | None, notice, set_notice):
    """The three moves, each with its concrete step and what it pays, and the "why" note.

    Nothing above the buttons appears or disappears as the week changes (the "moved" line is
    always there, refusals show below the buttons), so a click never lands on a moved button.

    Each button is a new widget each week: a click sent from a screen still showing week 3
    reaches week 3's button (refused as too late, or dropped with it) and never the handler
    of week 4, which would have sent it as week 4's move.
    """
    note = use_typed("")

    def move(name: str) -> None:
        before = situation(room)
        chosen = attempt(
            lambda: room.submit(
                seat, name, role=asked or brief.role, week=brief.week, note=note.current
            ),
            set_notice,
        )
        if chosen is not None:
            note.set("")
            done = f"You chose {MOVE_NAMES[chosen]} for week {brief.week + 1}."
            set_notice(("success", done), at=before)  # gone if the move completed the week

    with solara.Card(f"Your move for week {brief.week + 1}"):
        solara.Text(moved_line(brief), classes=["ec-moved"])
        solara.InputText(
            "Why (optional, shown in the debrief)",
            value=note.value,
            on_value=note.set,
            continuous_update=True,
        )
        for name, described in brief.options.items():
            with solara.Div(classes=["ec-move"]):
                solara.Button(
                    MOVE_NAMES[name],
                    color={"retaliate": "error", "cooperate": "success"}.get(name, "primary"),
                    on_click=lambda name=name: move(name),
                    classes=[f"ec-move-for-week-{brief.week + 1}"],
                ).key(f"{name}-week-{brief.week}")  # a new widget each week
                solara.Text(described, classes=["ec-described"])
                if pays := preview_text(brief, name):
                    solara.Text(pays, classes=["ec-preview"])
        Notice(notice)


@solara.component
def Messages(room, seat: str, view):
    """The private channel between teams (the instructor sees it too).

    "Message sent." goes, as every confirmation does, once the room moves on.
    """
    notice, set_notice = use_situation_notice(room)
    others = [r for r in view.status.humans if r != view.role]
    to, set_to = solara.use_state(others[0] if others else "")
    text = use_typed("")
    with solara.Card("Private messages"):
        if not others:
            solara.Text("No other team plays in this room.")
            return
        solara.Select(
            "To",
            values=[role_name(r) for r in others],
            value=role_name(to),
            on_value=lambda name: set_to(name.lower()),
        )
        solara.InputText("Message", value=text.value, on_value=text.set, continuous_update=True)

        def send() -> None:
            room.message(seat, to, text.current)
            text.set("")  # kept when refused: send raised before this line

        solara.Button("Send", on_click=lambda: attempt(send, set_notice, "Message sent."))
        for message in reversed(view.messages[-10:]):
            with solara.Div(classes=["ec-message"]):
                solara.Text(
                    f"{role_name(message.sender)} to {role_name(message.to)} "
                    f"(week {message.week + 1}): "
                )
                Plain(message.text, classes=["ec-plain", "ec-inline"])
        Notice(notice)


@solara.component
def RoleBrief(room, role: str):
    """The role's brief, folded, with the numbers of this room's settings (none: no brief)."""
    text = brief_for(room.game, role)
    if text:
        with solara.Details(summary=f"Your role brief ({role_name(role)})"):
            Markdown(text)


@solara.component
def TeamName(room, seat: str, name: str, at: tuple | None):
    """The team's name, and a field to change it.

    "Team renamed." goes once the room moves on (the next week, a pause, an undo), as the
    other confirmations do. ``at`` is the room's `situation`: a component is redrawn only
    when its arguments change, and without it the confirmation stayed for the whole game.
    """
    notice, set_notice = use_situation_notice(room)
    draft = use_typed(name)
    with solara.Div(classes=["ec-row"]):
        solara.InputText("Team name", value=draft.value, on_value=draft.set, continuous_update=True)
        solara.Button(
            "Rename",
            text=True,
            on_click=lambda: attempt(
                lambda: room.rename(seat, draft.current), set_notice, "Team renamed."
            ),
        )
    Notice(notice)


@solara.component
def Leave(room, seat: str, set_notice):
    """End a single-player game early, after a confirmation (kept away from the moves)."""
    asking, set_asking = solara.use_state(False)
    with solara.Card("Stop here"):
        solara.Text("End the game now and see the debrief for the weeks played.")
        solara.Button("End the game now…", text=True, on_click=lambda: set_asking(True))
        solara.lab.ConfirmationDialog(
            asking,
            on_close=lambda: set_asking(False),
            title="End the game now?",
            content="The debrief will cover only the weeks played so far.",
            ok="End the game",
            on_ok=lambda: attempt(lambda: room.end(seat), set_notice),
        )


@solara.component
def TeamPage():
    """A team's seat: briefing, moves, messages, chart, timeline, then its debrief."""
    router = solara.use_router()
    params = query(router)
    seat = params.get("seat")
    try:
        room, _role = REGISTRY.seat(params.get("room"), seat)
        problem = None
    except EscalationError as refused:
        room, problem = None, str(refused)
    use_room_updates(room, seat)
    notice, set_notice = use_situation_notice(room)
    if room is None:
        RoomMissing(problem)
        return
    try:
        view = room.team_view(seat)
    except EscalationError as refused:
        RoomMissing(str(refused))
        return
    status, brief = view.status, view.briefing
    solara.Title(f"{role_name(view.role)}: room {room.code}")
    team = f" ({view.name})" if view.name else ""
    solara.Text(
        f"Room {room.code}: your team plays {role_name(view.role)}{team}", classes=["ec-header"]
    )
    StatusLine(status)
    if status.ended:
        Broadcasts(status)
        Notice(notice)
        Debrief(room, view.role)
        Timeline(status)
        RoleBrief(room, view.role)  # the prompts send students back to their goals
        if room.settings.solo:  # a class's files are the instructor's to share
            names = ("debrief.md", "debrief.png", "debrief.json", "record.json", "moves.csv")
            Downloads({n: seat_export_path(room.code, n, seat) for n in names})
        return
    with solara.Div(classes=["ec-grid"]):
        Moves(room, seat, brief, params.get("role"), notice, set_notice)
        with solara.Card("Briefing"):
            Broadcasts(status)
            News(status)
            Briefing_(brief, room.game.materials.pressure_cost, pressure_aimed(room.game.scenario))
    with solara.Card("Tension"):
        ChartWithReal(status)
    Timeline(status)
    Messages(room, seat, view)
    RoleBrief(room, view.role)
    TeamName(room, seat, view.name, situation(room))
    if room.settings.solo:
        Leave(room, seat, set_notice)
