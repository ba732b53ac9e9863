"""What several pages show: the status line, timer, events, broadcasts, chart, timeline, debrief."""

import html
import time

import solara

from sim.play.debrief import debrief_data, debrief_text, why_rows
from sim.play.room import Room
from sim.play.server import chart_path, debrief_path
from sim.play.status import Message, RoomStatus
from sim.play.web.common import Markdown, Plain, Table
from sim.reports.briefing import notice_text
from sim.reports.debrief import WHY_HEAD
from sim.reports.game_results import NoticeClock
from sim.reports.labels import role_name
from sim.reports.text import plural, week_count


def status_line(status: RoomStatus) -> str:
    """Week, date and whom the game waits for, in one line."""
    if status.ended:
        return f"Game over after {week_count(len(status.timeline))}."
    text = f"Week {status.week + 1} of {status.weeks} (week of {status.date})."
    if status.paused:
        return text + " Paused by the instructor."
    waiting = ", ".join(role_name(r) for r in status.waiting_for) or "nobody"
    return text + f" Waiting for: {waiting}."


@solara.component
def StatusLine(status: RoomStatus):
    """The case played, the status line and, with a round timer, the seconds left and a bar.

    The timer and its bar run down in the browser itself (CSS animations), so the page need
    not be redrawn every second; no clock time is shown, which the server's time zone could
    put hours off the students' clocks.
    """
    solara.Text(status.title, classes=["ec-case"])  # no page of a room named it before
    solara.Text(status_line(status), classes=["ec-status"])
    if status.deadline is None:
        if status.round_seconds and not status.paused and not status.ended:
            solara.Text(  # a room opened before the class waits for it
                "The round timer starts when a team joins.", classes=["ec-timer-wait"]
            )
        return
    solara.HTML(tag="div", unsafe_innerHTML=timer_html(status.deadline - time.time(), status))


def timer_html(left: float, status: RoomStatus) -> str:
    """The countdown and the bar for ``left`` seconds of the round still to run."""
    left = max(left, 0.0)
    seconds = round(left)
    done = 1.0 - left / status.round_seconds if status.round_seconds else 1.0
    count = f"ec-count-{seconds}"  # one animation per starting value: it restarts on a redraw
    return (
        f"<style>@keyframes {count} {{ from {{ --ec-left: {seconds}; }} to {{ --ec-left: 0; }} }}"
        "</style>"
        f'<div class="ec-timer-text">Round ends in <span class="ec-timer-count" '
        f'data-left="{seconds}" style="animation-name:{count};animation-duration:{left:.1f}s">'
        "</span> s</div>"
        f'<div class="ec-timer"><div class="ec-timer-bar" style="width:{done:.0%};'
        f'animation-duration:{left:.1f}s"></div></div>'
    )


def recent_broadcasts(status: RoomStatus, last: int = 3) -> list[Message]:
    """The last ``last`` broadcasts sent this week or last week.

    An older one ("ten minutes left in this phase") would mislead, so it leaves the pages; the
    exports keep every broadcast.
    """
    return [m for m in status.broadcasts if m.week >= status.week - 1][-last:]


@solara.component
def Broadcasts(status: RoomStatus, last: int = 3):
    """The instructor's latest messages to everyone (`recent_broadcasts`)."""
    for message in recent_broadcasts(status, last):
        with solara.Div(classes=["ec-broadcast"]):
            solara.Text(f"Instructor (week {message.week + 1}): ")
            Plain(message.text, classes=["ec-plain", "ec-inline"])


@solara.component
def News(status: RoomStatus, latest: int | None = None):
    """Scenario events the instructor injected this week or last week.

    ``latest``: the newest so many only, and a line counting the rest (the projector's screen
    has room for two).
    """
    recent = [
        (number, event)
        for number, event in enumerate(status.injections, start=1)
        if event.week >= status.week - 1
    ]
    shown = recent if latest is None else recent[-latest:]
    for number, event in shown:
        with solara.Div(classes=["ec-event"]):
            solara.Text(
                f"Scenario event E{number} (week {event.week + 1}, "
                f"{role_name(event.actor)} {event.direction}s): "
            )
            Plain(event.text, classes=["ec-plain", "ec-inline"])
    if len(shown) < len(recent):
        earlier = plural(len(recent) - len(shown), "earlier event")
        solara.Text(f"… and {earlier} this week and last", classes=["ec-line"])


@solara.component
def Chart(status: RoomStatus, show_real: bool = False, classes: list[str] | None = None):
    """The room's live tension chart: one image per room and week, shared by every page."""
    src = chart_path(status.code, status.chart_version, show_real)
    solara.HTML(
        tag="img",
        attributes={"src": src, "alt": "tension week by week"},
        classes=classes or ["ec-chart"],
    )


@solara.component
def ChartWithReal(status: RoomStatus):
    """The live chart with the case's real path behind a checkbox."""
    show_real, set_show_real = solara.use_state(False)
    if status.real_tension is not None:
        solara.Checkbox(
            label=f"Show the real {status.years} path", value=show_real, on_value=set_show_real
        )
    Chart(status, show_real)


def timeline_rows(status: RoomStatus, names: bool = True) -> list[list[str]]:
    """The weeks played so far, newest first."""
    rows = []
    for report in reversed(status.timeline):
        events = "; ".join(report.injected)
        rows.append(
            [str(report.week + 1), report.date]
            + [report.described[a] for a in status.roles]
            + [f"{report.tension:.2f}", events]
        )
    return rows


@solara.component
def Timeline(status: RoomStatus):
    """The timeline of moves, week by week (every cell plain text)."""
    solara.Text("Timeline", classes=["ec-h3"])
    if not status.timeline:
        solara.Text("No week has been played yet.")
        return
    columns = ["week", "date", *(role_name(r) for r in status.roles), "tension", "events"]
    Table(columns, timeline_rows(status), wide=True, typed=(6,))  # the events


@solara.component
def Debrief(room: Room, role: str | None):
    """A finished room's debrief for ``role`` (the class's when None), chart shared."""
    debrief = solara.use_memo(room.debrief, dependencies=[room.code, id(room), room.ended])
    data = debrief_data(room.game, debrief, role)
    text = debrief_text(data)
    head, _, findings = text.partition("\n## ")
    Markdown(head)
    if data is not None:
        solara.HTML(
            tag="img",
            attributes={
                "src": debrief_path(room.code, room.chart_version),
                "alt": f"the game beside the real {room.status().years} path and the model",
            },
            classes=["ec-chart", "ec-chart-big"],  # read closely at the end: full width
        )
    if findings:
        Markdown("## " + findings)
    notes = room.status().notes
    if notes:
        solara.Text("Why teams moved as they did", classes=["ec-h3"])
        Table(list(WHY_HEAD), why_rows(notes), typed=(1, 3))  # team named as when it moved


@solara.component
def Downloads(links: dict[str, str]):
    """A card of download links, file name to address."""
    with solara.Card("Downloads"):
        html_links = " · ".join(
            f'<a href="{escape(href)}" download>{escape(name)}</a>' for name, href in links.items()
        )
        solara.HTML(tag="div", unsafe_innerHTML=html_links, classes=["ec-downloads"])


def escape(text: str) -> str:
    """Text made safe for HTML."""
    return html.escape(str(text))


@solara.component
def NoticeCountdown(clock: NoticeClock | None):
    """The agreement's notice: who gave it, when, and the weeks to its lapse (or its end).

    On the team pages and the projector alike: the clock the whole class plays against.
    """
    if clock is None:
        return
    solara.Warning(
        f"{clock.label} notice given by {role_name(clock.actor)} in week "
        f"{clock.given_week + 1}: {notice_text(clock)}.",
        classes=["ec-countdown"],
    )
