"""The rooms of one classroom server: codes, the cap, expiry, per-client limits, the clock.

A `RoomRegistry` opens rooms behind short codes, keeps at most ``max_rooms`` games running
(finished rooms do not count, and leave memory ``finished_hours`` after their end; idle ones
after ``idle_hours``), limits how often one client may open or join rooms, and, with a
`RoomStore`, brings every stored room back at a restart. Its clock (`tick`, run by
`start_clock` once a second) fires round timers and notices pages that stopped beating.
"""

import secrets
import sys
import threading
import time
from dataclasses import dataclass

from sim.core.errors import EscalationError
from sim.core.moves import ACTORS
from sim.play.ratelimit import Limit, RateLimiter
from sim.play.room import BAD_LINK, Room, epoch_time, iso_time
from sim.play.settings import RoomError, RoomSettings
from sim.play.store import RoomStore, StoredRoom

#: Letters for room codes: no I or O, so a code read aloud or off a projector is unambiguous.
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 5


@dataclass(frozen=True)
class Limits:
    """How often one client (one address) may open rooms and join them."""

    open: Limit = Limit(5, 60.0)
    open_hourly: Limit = Limit(30, 3600.0)
    join: Limit = Limit(30, 60.0)


def normal_code(code: str | None) -> str:
    """A code as typed (any case, spaces ignored) in its stored form."""
    return "".join(str(code or "").split()).upper()


class RoomRegistry:
    """The rooms of one server, by code; thread-safe, each room kept apart from the others."""

    def __init__(
        self,
        max_rooms: int = 200,
        idle_hours: float = 12.0,
        finished_hours: float = 2.0,
        store: RoomStore | None = None,
        limits: Limits = Limits(),
    ) -> None:
        self.max_rooms = max_rooms
        self.idle_seconds = idle_hours * 3600
        self.finished_seconds = finished_hours * 3600
        self.store = store
        self.limits = limits
        self._open = (RateLimiter(limits.open), RateLimiter(limits.open_hourly))
        self._join = RateLimiter(limits.join)
        self._rooms: dict[str, Room] = {}
        self._ended_at: dict[str, float] = {}
        self._used = store.codes() if store is not None else set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._rooms)

    def codes(self) -> list[str]:
        """Codes of the rooms in memory."""
        with self._lock:
            return sorted(self._rooms)

    def running(self) -> int:
        """Rooms whose game is still going (the ones the cap counts)."""
        with self._lock:
            return sum(not r.ended for r in self._rooms.values())

    def _limit(self, limiters, client: str, what: str) -> None:
        for limiter in limiters:
            wait = limiter.allow(client or "unknown")
            if wait:
                raise RoomError(f"too many {what} from this address: wait {wait:.0f} s")

    def create(self, settings: RoomSettings, client: str = "", class_id: str | None = None) -> Room:
        """Open a room with a new code; its `instructor_key` is the instructor's."""
        settings = settings.validated()
        self._limit(self._open, client, "rooms opened")
        with self._lock:
            self._forget_old()
            if sum(not r.ended for r in self._rooms.values()) >= self.max_rooms:
                raise RoomError(
                    f"this server already runs {self.max_rooms} games: end some, or try later"
                )
            code = self._new_code()
            self._used.add(code)
        room = Room(code, settings, class_id or secrets.token_urlsafe(6), store=self.store)
        if self.store is not None:
            self.store.add_room(
                code,
                room.class_id,
                settings.to_dict(),
                room.instructor_key,
                iso_time(room.created),
                client,
            )
        with self._lock:
            self._rooms[code] = room
        return room

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            if code not in self._used:
                return code

    def _forget_old(self, now: float | None = None) -> None:
        """Drop rooms idle too long and finished rooms past their time (call with the lock)."""
        now = time.monotonic() if now is None else now
        for code, room in list(self._rooms.items()):
            if room.ended:
                ended = self._ended_at.setdefault(code, now)
                expired = now - ended > self.finished_seconds
            else:
                expired = now - room.last_activity > self.idle_seconds
            if expired:
                del self._rooms[code]
                self._ended_at.pop(code, None)
                if self.store is not None:
                    self.store.close_room(code, time.strftime("%Y-%m-%dT%H:%M:%S"))

    def get(self, code: str | None) -> Room:
        """The room with ``code`` (any case, spaces ignored); refuse an unknown code."""
        key = normal_code(code)
        with self._lock:
            room = self._rooms.get(key)
        if room is None:
            if not key:
                raise RoomError("type the room code the instructor shows (five letters)")
            raise RoomError(f"there is no room {key} on this server: check the code")
        return room

    def roles_to_join(self, code: str | None) -> tuple[str, ...]:
        """The roles teams play in the room ``code`` names; every role until it names one.

        The join form offered Washington in a room where the model plays it, and refused it
        only after Join.
        """
        with self._lock:
            room = self._rooms.get(normal_code(code))
        return ACTORS if room is None else tuple(room.game.humans)

    def seat(self, code: str | None, token: str | None) -> tuple[Room, str]:
        """The room and role of a seat link; the same refusal whether or not the room exists."""
        with self._lock:
            room = self._rooms.get(normal_code(code))
        if room is None:
            raise RoomError(BAD_LINK)
        return room, room.role_of(token)

    def instructor(self, code: str | None, key: str | None) -> Room:
        """The room of an instructor link; the same refusal as a wrong seat link."""
        with self._lock:
            room = self._rooms.get(normal_code(code))
        if room is None or not room.is_instructor(key):
            raise RoomError(BAD_LINK)
        return room

    def join(
        self, code: str | None, role: str, client: str = "", name: str = ""
    ) -> tuple[Room, str]:
        """A team joins a room by its code; limited per client, like opening rooms."""
        self._limit((self._join,), client, "attempts to join")
        room = self.get(code)
        return room, room.claim(role, name)

    def of_class(self, class_id: str | None) -> list[Room]:
        """The rooms of one class, in the order they were opened."""
        with self._lock:
            rooms = [r for r in self._rooms.values() if class_id and r.class_id == class_id]
        return sorted(rooms, key=lambda r: r.created)

    def restore(self) -> list[Room]:
        """Bring back every open room of the store, where it was (at a server's start).

        A room whose stored actions the model no longer plays (a room of an earlier version:
        say, an event that withdrew a notice after its lapse) stays in the database and is
        named in a warning; the others come back. It stopped the server before.
        """
        if self.store is None:
            return []
        restored = []
        for stored in self.store.rooms(open_only=True):
            try:
                room = rebuilt(stored, self.store)
            except EscalationError as problem:
                print(
                    f"warning: room {stored.code} was not brought back: {problem} (it was "
                    f"played with another version of escalation-sim; its actions stay in "
                    f"{self.store.path})",
                    file=sys.stderr,
                )
                continue
            with self._lock:
                self._rooms[stored.code] = room
            restored.append(room)
        return restored

    def tick(self) -> None:
        """Once a second: fire round timers, notice pages that stopped beating, expire rooms."""
        with self._lock:
            rooms = list(self._rooms.values())
        for room in rooms:
            try:
                room.tick()
                room.reap()
            except RoomError:
                pass
        with self._lock:
            self._forget_old()
        for limiter in (*self._open, self._join):
            limiter.forget_idle()

    def start_clock(self, seconds: float = 1.0) -> threading.Event:
        """Run `tick` every ``seconds`` in a daemon thread; set the returned event to stop it."""
        stop = threading.Event()

        def run() -> None:
            while not stop.wait(seconds):
                self.tick()

        threading.Thread(target=run, name="classroom-clock", daemon=True).start()
        return stop


def rebuilt(stored: StoredRoom, store: RoomStore | None = None) -> Room:
    """A stored room rebuilt in memory by replaying its actions (``store``: it goes on there)."""
    settings = RoomSettings.from_dict(stored.settings)
    room = Room(
        stored.code,
        settings,
        stored.class_id,
        stored.instructor_key,
        store,
        created=epoch_time(stored.created),
    )
    room.replay(stored.actions)
    return room
