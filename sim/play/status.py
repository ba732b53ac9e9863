"""What the pages of a room read: typed views of its state (`RoomStatus`, `TeamView`, ...).

`Room.status()` returns a `RoomStatus`, shared by every page of the room and by the projector;
`Room.team_view(token)` adds what one team may see (its briefing, its private messages);
`Room.instructor_view(key)` adds the seat links and the log. JSON written from them
(`sim.reports.game_results.to_json`) keeps the keys of the earlier dict form (docs/classroom.md).
"""

from dataclasses import dataclass, field

from sim.reports.game_results import Briefing, NoticeClock, WeekReport


@dataclass(frozen=True)
class LogEntry:
    """One line of a room's log, for the instructor."""

    time: str
    week: int
    kind: str
    text: str


@dataclass(frozen=True)
class SeatStatus:
    """A role played by people: taken or not, its team's name, connected, moved this week."""

    taken: bool
    name: str
    connected: bool
    moved: bool


@dataclass(frozen=True)
class Message:
    """A broadcast from the instructor (``to`` is None) or a private message between teams."""

    time: str
    week: int
    sender: str
    to: str | None
    text: str


@dataclass(frozen=True)
class Note:
    """A team's short "why" with its move of one week, and the team's name then."""

    week: int
    role: str
    move: str
    text: str
    team: str = ""


@dataclass(frozen=True)
class InjectedEvent:
    """An event the instructor injected, as every page shows it."""

    week: int
    actor: str
    direction: str
    text: str


@dataclass(frozen=True)
class RoomStatus:
    """A room's public state: the week, seats, timeline, events, broadcasts, the timer."""

    code: str
    class_id: str
    version: int
    chart_version: int
    week: int
    weeks: int
    date: str
    dates: list[str]
    paused: bool
    ended: bool
    solo: bool
    title: str  # the case's
    years: str  # the years the case spans, "2018-2019"
    roles: list[str]  # the case's sides, then the patron
    humans: list[str]
    seats: dict[str, SeatStatus]
    waiting_for: list[str]
    timeline: list[WeekReport]
    injections: list[InjectedEvent]
    broadcasts: list[Message]
    tension: float
    real_tension: list[float] | None
    deadline: float | None
    round_seconds: int
    notes: list[Note] = field(default_factory=list)
    notice: NoticeClock | None = None  # the agreement's notice while it runs, or once it ended


@dataclass(frozen=True)
class TeamView:
    """What one team's page shows: the room's state, its role's briefing, its messages."""

    role: str
    name: str
    status: RoomStatus
    briefing: Briefing
    messages: list[Message]


@dataclass(frozen=True)
class InstructorView:
    """What the instructor's page shows: the room's state, seat links, messages and the log."""

    status: RoomStatus
    seat_tokens: dict[str, str | None]
    messages: list[Message]
    log: list[LogEntry]
    pages: int
