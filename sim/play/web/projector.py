"""Read-only views for a screen the class sees: a room's projector view and the class dashboard.

Their addresses carry only the room code or the class id, never a key or a seat token, and
they have no buttons: projecting them shows nothing a team could use to act for another.
"""

import solara

from sim.core.errors import EscalationError
from sim.play.web.common import Table, query, use_room_updates
from sim.play.web.state import REGISTRY
from sim.play.web.team import RoomMissing
from sim.play.web.widgets import (
    Broadcasts,
    Chart,
    Debrief,
    News,
    NoticeCountdown,
    StatusLine,
    status_line,
)
from sim.reports.game_results import NoticeClock
from sim.reports.labels import MOVE_NAMES, outcome_words, role_name, standing
from sim.reports.text import plural, week_count


def last_moves(status) -> list[list[str]]:
    """Each capital's move last week, the team's name and whether it has moved this week."""
    last = status.timeline[-1] if status.timeline else None
    rows = []
    for role in status.roles:
        seat = status.seats.get(role)
        if seat is None:
            team, moved = "the model", ""
        elif not seat.taken:  # as the instructor's page says it: no team has joined yet
            team, moved = "-", "waiting for a team"
        else:
            team, moved = seat.name or "a team", "moved" if seat.moved else "thinking"
        rows.append(
            [
                role_name(role),
                team,
                MOVE_NAMES.get(last.moves[role], "") if last else "-",
                last.described[role] if last else "-",
                moved,
            ]
        )
    return rows


@solara.component
def ProjectorPage():
    """One room in big type: the week, the timer, every team's last move, tension, events."""
    router = solara.use_router()
    params = query(router)
    try:
        room, problem = REGISTRY.get(params.get("room")), None
    except EscalationError as refused:
        room, problem = None, str(refused)
    use_room_updates(room)
    if room is None:
        RoomMissing(problem)
        return
    status = room.status()
    solara.Title(f"Room {room.code}")
    with solara.Div(classes=["ec-projector"]):
        with solara.Div(classes=["ec-row", "ec-baseline"]):
            solara.Text(f"Room {room.code}", classes=["ec-code"])
            solara.Text(f"tension {status.tension:.2f}", classes=["ec-big"])
        StatusLine(status)
        Broadcasts(status)
        if status.ended:
            Debrief(room, None)
            return
        News(status, latest=2)  # more would push a 720-line screen's rows off it
        NoticeCountdown(status.notice)
        with solara.Div(classes=["ec-projector-body"]):
            head = ["capital", "team", "last week", "what it did", "this week"]
            Table(head, last_moves(status), typed=(1,))
            Chart(status, False, classes=["ec-chart", "ec-chart-big"])


@solara.component
def DashboardPage():
    """Every room of a class side by side: week, whom it waits for, tension, its chart."""
    router = solara.use_router()
    class_id = query(router).get("id")
    rooms = REGISTRY.of_class(class_id)
    tick, set_tick = solara.use_state(0)

    def poll(cancel) -> None:
        # the class's rooms themselves too: a room opened after the page was drawn showed only
        # once another room changed
        seen = [(r.code, r.version) for r in rooms]
        while not cancel.wait(2.0):
            now = [(r.code, r.version) for r in REGISTRY.of_class(class_id)]
            if now != seen:
                seen = now
                set_tick(hash(tuple(now)))

    solara.use_thread(poll, dependencies=[class_id, len(rooms)], intrusive_cancel=False)
    solara.Title("Class dashboard")
    if not rooms:
        RoomMissing("this link does not open a class on this server: check it")
        return
    solara.Text(f"Class dashboard: {plural(len(rooms), 'room')}", classes=["ec-header"])
    with solara.Div(classes=["ec-dashboard"]):
        for room in rooms:
            status = room.status()
            with solara.Card(f"Room {room.code}", classes=["ec-dash-card"]):
                solara.Text(status.title, classes=["ec-line", "ec-case"])  # rooms may differ
                solara.Text(status_line(status), classes=["ec-line"])  # each on its own line
                line = f"Tension {status.tension:.2f}; {so_far(room, status.notice)}"
                solara.Text(line, classes=["ec-line"])
                Chart(status, False)


def so_far(room, clock: NoticeClock | None = None) -> str:
    """Where the room's agreement stands, or the case's lack of one.

    ``GSOMIA: notice running, 12 weeks to its lapse``: ``clock`` is the room's notice clock
    (`RoomStatus.notice`), which gives the weeks left while the notice runs.
    """
    notice, outcome = room.game.scenario.notice, room.game.outcome()
    if notice is None:
        return f"outcome: {outcome_words(outcome, False)}"
    said = f"{notice.label or notice.measure}: {standing(outcome)}"
    if outcome == "pending" and clock is not None and clock.ended_week is None:
        said += f", {week_count(clock.weeks_left)} to its lapse"
    return said
