"""Rooms on disk: a SQLite database (WAL) with one row per room and one per action.

A room is its settings plus the ordered list of what people did in it (joins, moves with
notes, advances, injections, messages, ...). `sim.play.room.Room` appends each action here
before it acknowledges it, and a restarted server rebuilds every room by replaying its
actions, so a room survives ``kill -9``. WAL with ``synchronous=NORMAL`` keeps every committed
action through a crash of the process (a power cut may lose the last ones).
"""

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sim.core.errors import EscalationError

#: Where `escalation classroom` keeps its rooms unless told otherwise.
DEFAULT_DB = Path("results") / "classroom" / "rooms.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    code TEXT PRIMARY KEY,
    class_id TEXT NOT NULL,
    settings TEXT NOT NULL,
    instructor_key TEXT NOT NULL,
    created TEXT NOT NULL,
    client TEXT NOT NULL DEFAULT '',
    closed TEXT
);
CREATE TABLE IF NOT EXISTS actions (
    code TEXT NOT NULL REFERENCES rooms(code),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    time TEXT NOT NULL,
    PRIMARY KEY (code, seq)
);
CREATE INDEX IF NOT EXISTS rooms_class ON rooms(class_id);
CREATE TABLE IF NOT EXISTS server (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class StoredRoom:
    """A room as stored: its identity, settings and every action in order."""

    code: str
    class_id: str
    settings: dict
    instructor_key: str
    created: str
    closed: str | None
    actions: list[dict]


class StoreError(EscalationError):
    """The rooms database cannot be opened or created where it was asked for."""


class RoomStore:
    """The database of one classroom server; safe to use from several threads."""

    def __init__(self, path: Path | str = DEFAULT_DB) -> None:
        """Open (or create) the database at ``path``; `StoreError` if it cannot be one."""
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as problem:
            raise StoreError(
                f"cannot use {path} as the rooms database ({problem}); give --db a new file "
                "in a writable folder, or an existing rooms database"
            ) from None

    def add_room(
        self, code: str, class_id: str, settings: dict, key: str, created: str, client: str = ""
    ) -> None:
        """Store a new room."""
        with self._lock:
            self._db.execute(
                "INSERT INTO rooms (code, class_id, settings, instructor_key, created, client) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (code, class_id, json.dumps(settings), key, created, client),
            )

    def append(self, code: str, seq: int, action: dict) -> None:
        """Store one action of a room (committed when this returns)."""
        data = {k: v for k, v in action.items() if k not in ("kind", "time", "seq")}
        with self._lock:
            self._db.execute(
                "INSERT INTO actions (code, seq, kind, data, time) VALUES (?, ?, ?, ?, ?)",
                (code, seq, action["kind"], json.dumps(data), action["time"]),
            )

    def close_room(self, code: str, when: str) -> None:
        """Mark a room as closed (expired): a restarted server leaves it on disk only."""
        with self._lock:
            self._db.execute("UPDATE rooms SET closed = ? WHERE code = ?", (when, code))

    def codes(self) -> set[str]:
        """Every room code ever stored (a new room never reuses one)."""
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT code FROM rooms")}

    def rooms(self, open_only: bool = False, class_id: str | None = None) -> Iterator[StoredRoom]:
        """Stored rooms in the order they were opened, with their actions."""
        query = "SELECT code, class_id, settings, instructor_key, created, closed FROM rooms"
        where, args = [], []
        if open_only:
            where.append("closed IS NULL")
        if class_id is not None:
            where.append("class_id = ?")
            args.append(class_id)
        if where:
            query += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created, code", args).fetchall()
        for code, class_, settings, key, created, closed in rows:
            yield StoredRoom(
                code, class_, json.loads(settings), key, created, closed, self.actions(code)
            )

    def room(self, code: str) -> StoredRoom | None:
        """One stored room, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT code, class_id, settings, instructor_key, created, closed FROM rooms "
                "WHERE code = ?",
                (code,),
            ).fetchone()
        if row is None:
            return None
        code, class_, settings, key, created, closed = row
        return StoredRoom(
            code, class_, json.loads(settings), key, created, closed, self.actions(code)
        )

    def actions(self, code: str) -> list[dict]:
        """A room's actions in order, each a dict with ``kind``, ``time``, ``seq`` and its data."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, kind, data, time FROM actions WHERE code = ? ORDER BY seq", (code,)
            ).fetchall()
        return [{"seq": s, "kind": k, "time": t, **json.loads(d)} for s, k, d, t in rows]

    def remember_address(self, address: str) -> None:
        """Keep the ``host:port`` the server answers on, for `escalation classroom links`."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO server (name, value) VALUES ('address', ?)", (address,)
            )

    def address(self) -> str | None:
        """The ``host:port`` the last server on this database answered on (None if unknown)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM server WHERE name = 'address'").fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
