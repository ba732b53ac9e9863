"""Rooms: shared games for a class, each one `Game` with an instructor and teams in seats.

A room holds one `Game`, the instructor's key, one seat token per role played by people, a
paused flag and a log. Every action names who acts (the instructor's key or a team's seat
token) and is refused with a reason (`RoomError`) when it is not allowed. All changes happen
under the room's lock, and `Room.version` counts them so that pages know when to redraw.
A `RoomRegistry` keeps the rooms of one server apart, each behind a short code.

Pure Python, no web code: `sim.play.web` renders rooms, and the tests drive them directly.
"""

import datetime as dt
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field

from sim.core.errors import EscalationError
from sim.core.folders import CONF_DIR
from sim.core.moves import ACTORS
from sim.core.params import US_POLICIES
from sim.experiment.config import default_config
from sim.play.game import DEBRIEF_REPLICATIONS, Game, GameError, WeekReport

#: Letters for room codes: no I or O, so a code read aloud or off a projector is unambiguous.
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 4
ROLE_NAMES = {"seoul": "Seoul", "tokyo": "Tokyo", "washington": "Washington"}
#: A seat counts as connected when its page was seen this recently (seconds).
CONNECTED_SECONDS = 10.0
LOG_LENGTH = 500
INJECTION_TEXT_LENGTH = 200


@dataclass(frozen=True)
class ScenarioEvent:
    """An event the instructor can inject: it moves one ally's ladder up or down a rung."""

    text: str
    actor: str
    direction: str


#: Ready-made events for the 2018-2019 dispute (the instructor may also write their own).
SCENARIO_EVENTS = (
    ScenarioEvent("A Korean court orders the sale of seized Japanese assets", "seoul", "escalate"),
    ScenarioEvent("Japan's ruling party calls for wider export curbs", "tokyo", "escalate"),
    ScenarioEvent("Seoul floats a joint fund of Korean and Japanese firms", "seoul", "deescalate"),
    ScenarioEvent("Tokyo approves the first licences for chip materials", "tokyo", "deescalate"),
)


class RoomError(GameError):
    """An action in a room that is refused: the message says why, for the person who tried."""


def _names(folder: str) -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in (CONF_DIR / folder).glob("*.yaml")))


def payoff_presets() -> tuple[str, ...]:
    """Names of the payoff presets (``conf/payoffs``)."""
    return _names("payoffs")


def scenario_names() -> tuple[str, ...]:
    """Names of the scenarios (``conf/scenario``)."""
    return _names("scenario")


def role_name(role: str) -> str:
    """A role's display name (``seoul`` -> ``Seoul``)."""
    return ROLE_NAMES.get(role, role)


@dataclass(frozen=True)
class RoomSettings:
    """What the instructor chooses when opening a room (or a player when playing alone)."""

    scenario: str = "gsomia_2019"
    payoffs: str = "gsomia_2019"
    us_policy: str = "reactive"
    us_pressure: float = 0.6
    humans: tuple[str, ...] = ACTORS
    seed: int = 2019
    weeks: int | None = None
    solo: bool = False

    def validated(self) -> "RoomSettings":
        """Return the settings with roles in order; raise `RoomError` naming a bad one."""
        humans = tuple(a for a in ACTORS if a in set(self.humans))
        if unknown := sorted(set(self.humans) - set(ACTORS)):
            raise RoomError(f"no such role {', '.join(unknown)}: roles are {', '.join(ACTORS)}")
        if not humans:
            raise RoomError("choose at least one role played by people")
        if self.solo and len(humans) != 1:
            raise RoomError("a single-player game has exactly one role played by a person")
        if self.scenario not in scenario_names():
            raise RoomError(
                f"scenario {self.scenario!r}: choose one of {', '.join(scenario_names())}"
            )
        if self.payoffs not in payoff_presets():
            presets = ", ".join(payoff_presets())
            raise RoomError(f"payoffs {self.payoffs!r}: choose one of {presets}")
        if self.us_policy not in US_POLICIES:
            raise RoomError(f"US policy {self.us_policy!r}: choose one of {', '.join(US_POLICIES)}")
        if not 0.0 <= float(self.us_pressure) <= 1.0:
            raise RoomError(f"US pressure {self.us_pressure} must lie between 0 and 1")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise RoomError(f"seed {self.seed!r} must be a whole number, 0 or more")
        if self.weeks is not None and (not isinstance(self.weeks, int) or self.weeks < 1):
            raise RoomError(f"weeks {self.weeks!r} must be a whole number, 1 or more")
        return RoomSettings(**{**asdict(self), "humans": humans})

    def overrides(self) -> list[str]:
        """The Hydra overrides that turn the default config into this room's."""
        overrides = [
            f"scenario={self.scenario}",
            f"payoffs={self.payoffs}",
            f"us={self.us_policy}",
            f"us.pressure={float(self.us_pressure)}",
            f"run.seed={self.seed}",
            "run.replications=1",
            "run.progress=false",
        ]
        if self.weeks is not None:
            overrides.append(f"run.weeks={self.weeks}")
        return overrides


_COMPOSE = threading.Lock()  # Hydra's composition uses process-wide state


def new_game(settings: RoomSettings) -> Game:
    """Build the `Game` a room plays from its settings."""
    settings = settings.validated()
    try:
        with _COMPOSE:
            config = default_config(settings.overrides())
        game = Game(config, settings.humans, settings.seed)
    except EscalationError as problem:
        raise RoomError(str(problem)) from None
    if settings.weeks is not None and settings.weeks > game.scenario.weeks:
        raise RoomError(
            f"weeks {settings.weeks}: the scenario {settings.scenario} has "
            f"{game.scenario.weeks} weeks at most"
        )
    return game


@dataclass(frozen=True)
class LogEntry:
    """One line of a room's log, for the instructor."""

    time: str
    week: int
    kind: str
    text: str


@dataclass
class Seat:
    """A role played by people: the token that proves it, and when its page was last seen."""

    role: str
    token: str | None = None
    seen: float = 0.0


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%H:%M:%S")


@dataclass
class Room:
    """One shared game, its instructor, its seats and its log (see the module docstring)."""

    code: str
    settings: RoomSettings
    game: Game
    instructor_key: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    paused: bool = False
    ended: bool = False
    version: int = 0
    log: list[LogEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.seats = {role: Seat(role) for role in self.game.humans}
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.last_activity = time.monotonic()
        self._debrief: dict | None = None
        with self.lock:
            self._note("created", f"room {self.code} opened; played by people: {self._people()}")

    # -- who is acting -------------------------------------------------------------------
    def _people(self) -> str:
        return ", ".join(role_name(r) for r in self.game.humans)

    def is_instructor(self, key: str | None) -> bool:
        """Whether ``key`` is this room's instructor key."""
        return bool(key) and secrets.compare_digest(str(key), self.instructor_key)

    def _instructor(self, key: str | None) -> None:
        if not self.is_instructor(key):
            raise RoomError(f"only the instructor of room {self.code} can do this")

    def role_of(self, token: str | None) -> str:
        """The role a seat token holds; refuse a token that holds none in this room."""
        with self.lock:
            for seat in self.seats.values():
                if token and seat.token and secrets.compare_digest(str(token), seat.token):
                    return seat.role
        raise RoomError(
            f"this seat link does not hold a role in room {self.code}: "
            "join with the room code, or ask the instructor for your seat link"
        )

    # -- changes -------------------------------------------------------------------------
    def _note(self, kind: str, text: str) -> None:
        """Log a change and wake every page waiting for one (call with the lock held)."""
        self.log.append(LogEntry(_now(), self.game.week, kind, text))
        del self.log[:-LOG_LENGTH]
        self.version += 1
        self.last_activity = time.monotonic()
        self.changed.notify_all()

    def wait_changed(self, version: int, timeout: float) -> int:
        """Block until the room's version differs from ``version`` (or ``timeout`` passes)."""
        with self.changed:
            self.changed.wait_for(lambda: self.version != version, timeout=timeout)
            return self.version

    def _open(self) -> None:
        if self.ended:
            raise RoomError("the game is over: see the debrief")

    def claim(self, role: str) -> str:
        """Give a team the seat for ``role`` and return its token (its way back in)."""
        with self.lock:
            self._open()
            if role not in ACTORS:
                raise RoomError(f"no such role {role!r}: roles are {', '.join(ACTORS)}")
            if role not in self.seats:
                raise RoomError(
                    f"{role_name(role)} is played by the model in room {self.code}; "
                    f"people play {self._people()}"
                )
            seat = self.seats[role]
            if seat.token is not None:
                raise RoomError(
                    f"{role_name(role)} is already taken by another team in room {self.code}. "
                    "A team can only move for its own role; if this is your team, reopen "
                    "your seat link (the instructor can show it)"
                )
            seat.token = secrets.token_urlsafe(12)
            seat.seen = time.monotonic()
            self._note("joined", f"a team joined as {role_name(role)}")
            return seat.token

    def touch(self, token: str) -> str:
        """Mark a team's page as connected (a page calls this as it polls); return its role."""
        with self.lock:
            role = self.role_of(token)
            seat = self.seats[role]
            was_connected = self._connected(seat)
            seat.seen = time.monotonic()
            if not was_connected:
                self._note("rejoined", f"{role_name(role)}'s page is connected")
            return role

    def release(self, key: str, role: str) -> None:
        """Instructor: free a seat, so that its old link stops working and a team can rejoin."""
        with self.lock:
            self._instructor(key)
            if role not in self.seats:
                raise RoomError(f"{role_name(role)} has no seat in room {self.code}")
            self.seats[role] = Seat(role)
            self._note("released", f"the instructor freed {role_name(role)}'s seat")

    def submit(
        self, token: str, choice: str, role: str | None = None, week: int | None = None
    ) -> str:
        """A team's move for this week; refused when it is not the team's role or turn.

        ``role`` is the role the page asked to move for and ``week`` the week it showed: a move
        for another team's role, or for a week that is already over, is refused.
        """
        with self.lock:
            own = self.role_of(token)
            if role is not None and role != own:
                raise RoomError(
                    f"your team plays {role_name(own)}: you cannot move for {role_name(role)}"
                )
            self._open()
            if week is not None and week != self.game.week:
                raise RoomError(
                    f"too late: week {week + 1} is over, it is now week {self.game.week + 1}"
                )
            if self.paused:
                raise RoomError("the instructor has paused the game: wait until it resumes")
            try:
                move = self.game.submit(own, choice)
            except EscalationError as problem:
                raise RoomError(str(problem)) from None
            self._note("moved", f"{role_name(own)} has moved")
            if self.game.ready:
                self._advance("every team has moved")
            return move

    def advance(self, key: str) -> WeekReport:
        """Instructor: play this week now; a team that has not moved holds."""
        with self.lock:
            self._instructor(key)
            self._open()
            if self.paused:
                raise RoomError("the game is paused: resume it before advancing")
            waiting = self.game.waiting_for()
            why = "the instructor advanced"
            if waiting:
                why += f" ({', '.join(role_name(r) for r in waiting)} held)"
            return self._advance(why)

    def _advance(self, why: str) -> WeekReport:
        report = self.game.advance()
        self._note("advanced", f"week {report.week + 1} played: {why}")
        if self.game.finished:
            self._finish("every week has been played")
        return report

    def _finish(self, why: str) -> None:
        self.ended = True
        self.paused = False
        self._note("ended", f"the game is over: {why}")

    def pause(self, key: str) -> None:
        """Instructor: stop moves and advances until `resume`."""
        with self.lock:
            self._instructor(key)
            self._open()
            if self.paused:
                raise RoomError("the game is already paused")
            self.paused = True
            self._note("paused", "the instructor paused the game")

    def resume(self, key: str) -> None:
        """Instructor: let teams move again."""
        with self.lock:
            self._instructor(key)
            self._open()
            if not self.paused:
                raise RoomError("the game is not paused")
            self.paused = False
            self._note("resumed", "the instructor resumed the game")

    def inject(self, key: str, actor: str, direction: str, text: str) -> None:
        """Instructor: a scenario event that moves ``actor``'s ladder now, shown to every team."""
        text = " ".join(str(text).split())
        with self.lock:
            self._instructor(key)
            self._open()
            if not text:
                raise RoomError("write what happens: the event needs a description")
            if len(text) > INJECTION_TEXT_LENGTH:
                raise RoomError(
                    f"keep the event under {INJECTION_TEXT_LENGTH} characters (it has {len(text)})"
                )
            try:
                self.game.inject(actor, direction, text)
            except EscalationError as problem:
                raise RoomError(str(problem)) from None
            self._note("injected", f"event ({role_name(actor)} {direction}s): {text}")

    def end(self, token: str) -> None:
        """End the game now: the instructor, or the player of a single-player game."""
        with self.lock:
            if not self.is_instructor(token):
                role = self.role_of(token)
                if not self.settings.solo:
                    raise RoomError(
                        f"only the instructor can end the game ({role_name(role)} cannot)"
                    )
            self._open()
            self._finish(f"ended after {len(self.game.timeline)} weeks")

    # -- what pages show -----------------------------------------------------------------
    def _connected(self, seat: Seat) -> bool:
        return seat.token is not None and time.monotonic() - seat.seen < CONNECTED_SECONDS

    def status(self) -> dict:
        """The room's public state: week, seats, who has moved, timeline, injected events."""
        with self.lock:
            game = self.game
            return {
                "code": self.code,
                "version": self.version,
                "week": game.week,
                "weeks": game.weeks,
                "date": game.date.isoformat(),
                "dates": [game.scenario.week_start(w).isoformat() for w in range(game.weeks)],
                "paused": self.paused,
                "ended": self.ended,
                "solo": self.settings.solo,
                "humans": list(game.humans),
                "seats": {
                    role: {
                        "taken": seat.token is not None,
                        "connected": self._connected(seat),
                        "moved": role in game.pending,
                    }
                    for role, seat in self.seats.items()
                },
                "waiting_for": [] if self.ended else game.waiting_for(),
                "timeline": [asdict(r) for r in game.timeline],
                "injections": [dict(i) for i in game.injections],
                "tension": float(game.model.tension[0]),
                "real_tension": self._real_tension(),
            }

    def _real_tension(self) -> list[float] | None:
        real = self.game.real
        return None if real is None else real.tension[: self.game.weeks].tolist()

    def briefing(self, token: str) -> dict:
        """What a team sees: the game's briefing for its role plus the room's state."""
        with self.lock:
            role = self.role_of(token)
            return {**self.game.briefing(role), **self.status(), "role": role}

    def instructor_view(self, key: str) -> dict:
        """What the instructor sees: the room's state, the seat tokens and the log."""
        with self.lock:
            self._instructor(key)
            return {
                **self.status(),
                "seat_tokens": {r: s.token for r, s in self.seats.items()},
                "log": [asdict(e) for e in self.log],
            }

    def debrief(self, replications: int = DEBRIEF_REPLICATIONS) -> dict:
        """The debrief (once the game is over), computed once and shared by every page."""
        with self.lock:
            if not self.ended:
                raise RoomError("the debrief opens when the game is over")
            if self._debrief is None:
                self._debrief = self.game.debrief(replications)
            return self._debrief


class RoomRegistry:
    """The rooms of one server, by code; thread-safe, and each room kept apart from the others."""

    def __init__(self, max_rooms: int = 200, idle_hours: float = 12.0):
        self.max_rooms = max_rooms
        self.idle_seconds = idle_hours * 3600
        self._rooms: dict[str, Room] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._rooms)

    def codes(self) -> list[str]:
        """Codes of the open rooms."""
        with self._lock:
            return sorted(self._rooms)

    def create(self, settings: RoomSettings) -> Room:
        """Open a room with a new, unique code; its `instructor_key` is the instructor's."""
        game = new_game(settings)  # slow part outside the registry's lock
        with self._lock:
            self._forget_idle()
            if len(self._rooms) >= self.max_rooms:
                raise RoomError(
                    f"this server already holds {self.max_rooms} rooms: end some, or restart it"
                )
            code = self._new_code()
            room = Room(code, settings.validated(), game)
            self._rooms[code] = room
            return room

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            if code not in self._rooms:
                return code

    def _forget_idle(self) -> None:
        now = time.monotonic()
        for code, room in list(self._rooms.items()):
            if now - room.last_activity > self.idle_seconds:
                del self._rooms[code]

    def get(self, code: str | None) -> Room:
        """The room with ``code`` (any case, spaces ignored); refuse an unknown code."""
        key = "".join(str(code or "").split()).upper()
        with self._lock:
            room = self._rooms.get(key)
        if room is None:
            shown = key or "(empty)"
            raise RoomError(f"there is no room {shown} on this server: check the code")
        return room


#: The rooms of this server process (the web app's pages all share it).
REGISTRY = RoomRegistry()
