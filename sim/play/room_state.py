"""A room's state: one shared `Game`, its seats, messages and log, changed by actions.

Everything people do in a room is an action (a dict with ``kind``, ``time``, ``seq`` and its
data): joining, naming a team, a move with its "why" note, an advance, an undo, a pause, an
injected event, a broadcast, a private message, the end. `Room._apply` is the one place an
action changes the room; a live action is applied, then stored (`sim.play.store`), then
acknowledged, and a restarted server rebuilds the room by applying its stored actions again.
An undo rebuilds the game without the last advance and the moves of that week (`sim.play.undo`).
Every live action names who acts (the instructor's key or a team's seat token) and is refused
with a reason (`RoomError`).
"""

import datetime as dt
import secrets
import threading
import time
from unicodedata import category

from sim.play.game import Game
from sim.play.settings import RoomError, RoomSettings, new_game
from sim.play.status import (
    InjectedEvent,
    InstructorView,
    LogEntry,
    Message,
    Note,
    RoomStatus,
    SeatStatus,
    TeamView,
)
from sim.play.store import RoomStore
from sim.play.undo import undone
from sim.reports.game_results import Briefing, Debrief
from sim.reports.labels import case_years, role_name
from sim.reports.text import week_count

#: A seat counts as connected when its page sent a heartbeat this recently (seconds).
CONNECTED_SECONDS = 10.0
LOG_LENGTH = 500
INJECTION_TEXT_LENGTH = 280
MESSAGE_LENGTH = 280
NOTE_LENGTH = 200
NAME_LENGTH = 30
#: What a seat link or instructor link that opens nothing is told, whether the room exists or not.
BAD_LINK = "this link does not open a seat or a room: check it, or ask the instructor for yours"


def iso_time(now: float) -> str:
    """Seconds since the epoch as an ISO timestamp (UTC), as actions store their time."""
    return dt.datetime.fromtimestamp(now, dt.UTC).isoformat()


def epoch_time(iso: str) -> float:
    """An action's ISO timestamp as seconds since the epoch."""
    return dt.datetime.fromisoformat(iso).timestamp()


def speaker(role: str | None) -> str:
    """Who wrote a message, or to whom, as the room log names them.

    "Seoul" (as "Seoul has moved" does), "the instructor", "everyone" (a broadcast's addressee).
    """
    if role is None:
        return "everyone"
    return "the instructor" if role == "instructor" else role_name(role)


def clean(text: object, limit: int, what: str) -> str:
    """Text someone typed, on one line, refused when too long.

    Control and invisible format characters are dropped (a right-to-left override turned a
    team's name, and its page's heading, backwards); the joiner of emoji sequences stays.
    """
    spaced = " ".join(str(text or "").split())  # a newline or tab is a space, not dropped
    flat = "".join(c for c in spaced if c == "\u200d" or category(c) not in ("Cc", "Cf"))
    if len(flat) > limit:
        raise RoomError(f"keep the {what} to at most {limit} characters (it has {len(flat)})")
    return flat


class Seat:
    """A role played by people: the token that proves it, its team's name, its last heartbeat.

    ``team`` is the index in `RoomState.teams` of the team holding the seat (None while free).
    """

    def __init__(self, role: str) -> None:
        self.role = role
        self.token: str | None = None
        self.name = ""
        self.seen = 0.0
        self.team: int | None = None


class RoomState:
    """A room's game, seats, messages and log; `_apply` is the one way they change."""

    def __init__(
        self,
        code: str,
        settings: RoomSettings,
        class_id: str = "",
        instructor_key: str | None = None,
        store: RoomStore | None = None,
        created: float | None = None,
    ) -> None:
        self.code = code
        self.settings = settings.validated()
        self.class_id = class_id or code
        self.instructor_key = instructor_key or secrets.token_urlsafe(16)
        self.store = store
        self.created = time.time() if created is None else created
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.version = 0
        self.chart_version = 0
        self.last_activity = time.monotonic()
        self.pages: dict[str, float] = {}
        self._presence: dict[str, bool] = {}
        self.actions: list[dict] = []
        self._reset()

    def _reset(self) -> None:
        """The room as it was opened, before any action."""
        self.game: Game = new_game(self.settings)
        self.game.created = iso_time(self.created)
        self.seats = {role: Seat(role) for role in self.game.humans}
        self.freed: dict[str, str] = {}  # the token of a seat the instructor freed -> its role
        self.paused = False
        self.ended = False
        self.round_seconds = int(self.settings.round_seconds)
        self.week_started = self.created
        self.first_joined: float | None = None  # when the first team joined (`Room.deadline`)
        self.log: list[LogEntry] = []
        # the week the class was in when each action came, taken-back weeks included (the
        # game's own week skips them): what the log dates its lines by
        self.live_week = 0
        self.messages: list[Message] = []
        self.notes: list[Note] = []
        self.teams: list[list[str]] = []  # every team that took a seat: [role, its last name]
        # (week, role) -> the team that moved or held for it (index in teams), and its name then
        self.moved_as: dict[tuple[int, str], tuple[int | None, str]] = {}
        self._debrief: Debrief | None = None
        self._briefings: dict[str, tuple[int, Briefing]] = {}
        self._log(self.created, "created", f"room {self.code} opened; people play {self._people()}")

    def _people(self) -> str:
        return ", ".join(role_name(r) for r in self.game.humans)

    def _log(self, now: float, kind: str, text: str) -> None:
        stamp = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%H:%M:%S")
        # once every week is played there is no next week: date the line by the last one
        week = self.live_week - 1 if self.game.finished else self.live_week
        self.log.append(LogEntry(stamp, max(week, 0), kind, text))
        del self.log[:-LOG_LENGTH]

    def replay(self, actions: list[dict]) -> None:
        """Rebuild the room from stored actions (at a restart, or after an undo)."""
        with self.lock:
            seen = {role: seat.seen for role, seat in getattr(self, "seats", {}).items()}
            self._reset()
            for role, when in seen.items():  # an undo does not disconnect anyone
                self.seats[role].seen = when
            skipped = undone(actions)
            for action in actions:
                if action["seq"] in skipped:
                    self._log_taken_back(action)
                else:
                    self._apply(action)
            self.actions = list(actions)
            self._bump(chart=True)

    def _log_taken_back(self, action: dict) -> None:
        """Log an action an undo took back where it stood: the log keeps what the class saw."""
        match action["kind"]:
            case "move":
                kind, text = "moved", f"{role_name(action['role'])} had moved"
            case "advance":
                self.live_week += 1
                kind, text = "advanced", f"week {self.live_week} played: {action['why']}"
            case _:
                said = f"{role_name(action['actor'])}, {action['direction']}: {action['text']}"
                kind, text = "injected", f"event ({said})"
        self._log(epoch_time(action["time"]), kind, f"{text} (taken back)")

    def _act(self, kind: str, **data) -> dict:
        """Apply a live action, store it, and wake the pages; refused actions change nothing."""
        action = {"kind": kind, "time": iso_time(time.time()), "seq": len(self.actions), **data}
        if kind == "undo":
            self.replay([*self.actions, action])
        else:
            self._apply(action)
            self.actions.append(action)
        if self.store is not None:
            try:
                self.store.append(self.code, action["seq"], action)
            except Exception as problem:
                self.replay(self.actions[:-1])
                raise RoomError(f"the server could not save this, try again ({problem})") from None
        self._bump(chart=kind in ("advance", "undo", "inject", "end"))
        return action

    def _bump(self, chart: bool = False) -> None:
        self.version += 1
        self.chart_version += chart
        self.last_activity = time.monotonic()
        self.changed.notify_all()

    def _apply(self, action: dict) -> None:
        """Change the room by one action (live, or replayed from the store)."""
        now, game = epoch_time(action["time"]), self.game
        match action["kind"]:
            case "claim":
                if self.first_joined is None:  # the round timer starts with the first team
                    self.first_joined = now
                seat = self.seats[action["role"]]
                seat.token, seat.name = action["token"], action.get("name", "")
                seat.team = len(self.teams)
                self.teams.append([seat.role, seat.name])
                self._log(
                    now, "joined", f"{self._team(seat.role)} joined as {role_name(seat.role)}"
                )
            case "rename":
                self.seats[action["role"]].name = action["name"]
                if (team := self.seats[action["role"]].team) is not None:
                    self.teams[team][1] = action["name"]
                self._log(now, "renamed", f"{role_name(action['role'])} is now {action['name']}")
            case "release":
                if old := self.seats[action["role"]].token:
                    self.freed[old] = action["role"]
                self.seats[action["role"]] = Seat(action["role"])
                if not any(seat.token for seat in self.seats.values()):
                    self.first_joined = None  # an empty room's clock waits for a team again
                self._log(now, "released", f"the instructor freed {role_name(action['role'])}")
            case "move":
                seat = self.seats[action["role"]]
                self.moved_as[game.week, seat.role] = (seat.team, seat.name)
                game.submit(action["role"], action["move"], at=action["time"])
                if action.get("note"):
                    self.notes.append(
                        Note(
                            game.week,
                            action["role"],
                            action["move"],
                            action["note"],
                            self.seats[action["role"]].name,
                        )
                    )
                self._log(now, "moved", f"{role_name(action['role'])} has moved")
            case "advance":
                for role, seat in self.seats.items():  # a default hold: the seat's team then
                    self.moved_as.setdefault((game.week, role), (seat.team, seat.name))
                report = game.advance(at=action["time"])
                self.week_started = now
                self.live_week += 1
                self._log(now, "advanced", f"week {report.week + 1} played: {action['why']}")
                if game.finished:
                    self._finish(now, "every week has been played")
            case "undo":
                self.week_started = now
                then = "every team moves again" if action.get("reopen") else "its moves stand"
                self.live_week = max(self.live_week - 1, 0)
                took = f"the instructor took back week {self.live_week + 1}: {then}"
                self._log(now, "undone", took)
            case "pause":
                self.paused = True
                self._log(now, "paused", "the instructor paused the game")
            case "resume":
                self.paused, self.week_started = False, now
                self._log(now, "resumed", "the instructor resumed the game (the round restarts)")
            case "timer":
                self.round_seconds, self.week_started = int(action["seconds"]), now
                seconds = int(action["seconds"])
                self._log(
                    now, "timer", f"round timer set to {seconds} s" if seconds else "no timer"
                )
            case "inject":
                game.inject(
                    action["actor"],
                    action["direction"],
                    action["text"],
                    at=action["time"],
                    measure=action.get("measure"),
                )
                said = f"{role_name(action['actor'])}, {action['direction']}: {action['text']}"
                self._log(now, "injected", f"event ({said})")
            case "broadcast" | "message":
                # after the end, the game's week is one it never had: date it by the last one
                week = max(len(game.timeline) - 1, 0) if self.ended else game.week
                self.messages.append(
                    Message(
                        action["time"],
                        week,
                        action["sender"],
                        action.get("to"),
                        action["text"],
                    )
                )
                self._log(
                    now,
                    action["kind"],
                    f"{speaker(action['sender'])} wrote to {speaker(action.get('to'))}",
                )
            case "end":
                self._finish(now, f"ended after {week_count(len(game.timeline))}")
            case other:
                raise RoomError(f"unknown action {other!r} in room {self.code}")

    def _finish(self, now: float, why: str) -> None:
        self.ended, self.paused = True, False
        self._log(now, "ended", f"the game is over: {why}")

    def _team(self, role: str) -> str:
        seat = self.seats.get(role)
        return seat.name if seat is not None and seat.name else f"the {role_name(role)} team"

    def is_instructor(self, key: str | None) -> bool:
        """Whether ``key`` is this room's instructor key."""
        return bool(key) and secrets.compare_digest(str(key), self.instructor_key)

    def _instructor(self, key: str | None) -> None:
        if not self.is_instructor(key):
            raise RoomError(BAD_LINK)

    def role_of(self, token: str | None) -> str:
        """The role a seat token holds; refuse a token that holds none, with `BAD_LINK`."""
        with self.lock:
            for seat in self.seats.values():
                if token and seat.token and secrets.compare_digest(str(token), seat.token):
                    return seat.role
            if token and (role := self.freed.get(str(token))):
                raise RoomError(
                    f"the instructor freed {role_name(role)}'s seat, so this link no longer "
                    f"opens it: join again with the room code {self.code} on the home page"
                )
        raise RoomError(BAD_LINK)

    def _open(self) -> None:
        if self.ended:
            raise RoomError("the game is over: see the debrief")

    def _connected(self, seat: Seat) -> bool:
        return seat.token is not None and time.monotonic() - seat.seen < CONNECTED_SECONDS

    def status(self) -> RoomStatus:
        """The room's public state, as every page and the projector show it."""
        with self.lock:
            game = self.game
            real = game.real
            return RoomStatus(
                code=self.code,
                class_id=self.class_id,
                version=self.version,
                chart_version=self.chart_version,
                week=game.week,
                weeks=game.weeks,
                date=game.date.isoformat(),
                dates=[game.scenario.week_start(w).isoformat() for w in range(game.weeks)],
                paused=self.paused,
                ended=self.ended,
                solo=self.settings.solo,
                title=game.scenario.title,
                years=case_years(game.scenario.start, game.scenario.end),
                roles=list(game.roles),
                humans=list(game.humans),
                seats={
                    role: SeatStatus(
                        seat.token is not None,
                        seat.name,
                        self._connected(seat),
                        role in game.pending,
                    )
                    for role, seat in self.seats.items()
                },
                waiting_for=[] if self.ended else game.waiting_for(),
                timeline=list(game.timeline),
                injections=[
                    InjectedEvent(i["week"], i["actor"], i["direction"], i["text"])
                    for i in game.injections
                ],
                broadcasts=[m for m in self.messages if m.to is None],
                tension=float(game.model.tension[0]),
                real_tension=None if real is None else real.tension[: game.weeks].tolist(),
                deadline=self.deadline(),
                round_seconds=self.round_seconds,
                notice=game.notice_clock(),
                notes=self.played_notes() if self.ended else [],
            )

    def played_notes(self) -> list[Note]:
        """The "why" notes of the weeks played, as the debrief and the exports count them.

        A note sent with a move in the week the game was ended in belongs to no week played:
        the debrief, which covers the weeks played, would show a week the game never had.
        """
        played = len(self.game.timeline)
        return [n for n in self.notes if n.week < played]

    def team_view(self, token: str) -> TeamView:
        """What a team's page shows: the room, its briefing, its own private messages."""
        with self.lock:
            role = self.role_of(token)
            return TeamView(
                role=role,
                name=self.seats[role].name,
                status=self.status(),
                briefing=self._briefing(role),
                messages=[m for m in self.messages if role in (m.sender, m.to)],
            )

    def _briefing(self, role: str) -> Briefing:
        """A role's briefing, computed once per room version (every screen of a team shares it)."""
        cached = self._briefings.get(role)
        if cached is None or cached[0] != self.version:
            cached = (self.version, self.game.briefing(role))
            self._briefings[role] = cached
        return cached[1]

    def instructor_view(self, key: str) -> InstructorView:
        """What the instructor sees: the room, the seat tokens, every message, the log."""
        with self.lock:
            self._instructor(key)
            return InstructorView(
                status=self.status(),
                seat_tokens={r: s.token for r, s in self.seats.items()},
                messages=list(self.messages),
                log=list(self.log),
                pages=len(self.pages),
            )

    def debrief(self, replications: int | None = None) -> Debrief:
        """The debrief (once the game is over), computed once and shared by every page.

        Against the config's ``run.replications`` model runs (a room's settings set
        `sim.play.game.DEBRIEF_REPLICATIONS`) unless told otherwise.
        """
        with self.lock:
            if not self.ended:
                raise RoomError("the debrief opens when the game is over")
            if self._debrief is None:
                runs = self.game.config.run.replications if replications is None else replications
                self._debrief = self.game.debrief(runs)
            return self._debrief

    def wait_changed(self, version: int, timeout: float) -> int:
        """Block until the room's version differs from ``version`` (or ``timeout`` passes)."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != version, timeout=timeout)
            return self.version
