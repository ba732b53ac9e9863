"""Exports of the classroom: each room's moves, record and debrief, and one file per class.

The same files come from the instructor's page (download links) and from
``escalation classroom export``: per room ``CODE_moves.csv`` and ``CODE_moves.json`` (every
move with its week, date, role, team name, "why" note, whether it was a default hold, and its
time), ``CODE_record.json`` (the game's record, for `sim.play.record.replay`),
``CODE_messages.csv`` (every broadcast and private message, which the pages show only for a
while), ``CODE_debrief.md`` and ``CODE_debrief.png``; per class ``class_CLASS_results.csv``,
one row per team to grade from (a seat freed and taken again: one row per team that held it).
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sim.console import OneLineParser
from sim.core.errors import EscalationError
from sim.experiment.store import json_text
from sim.play.debrief import debrief_data, debrief_json, debrief_text
from sim.play.record import record
from sim.play.registry import rebuilt
from sim.play.room import Room
from sim.play.settings import RoomError
from sim.play.store import DEFAULT_DB, RoomStore, StoredRoom
from sim.reports.labels import role_name

MOVE_COLUMNS = ("room", "class", "week", "date", "role", "team", "move", "default", "note", "time")
MESSAGE_COLUMNS = ("room", "class", "week", "date", "from", "to", "text", "time")
RESULT_COLUMNS = (
    "class",
    "room",
    "role",
    "team",
    "team_weeks",
    "weeks_played",
    "ended",
    "outcome",
    "score",
    "model_median_score",
    "score_percentile",
    "peak_tension",
    "notes",
)


class ExportError(EscalationError):
    """An export cannot be made: no such room or class, or no database."""


@dataclass(frozen=True)
class ExportFile:
    """One exported file: its name and its bytes."""

    name: str
    data: bytes


def room_from_stored(stored: StoredRoom) -> Room:
    """A stored room rebuilt in memory (for reading only: it writes nothing back).

    A room the model no longer plays as it was stored (one of an earlier version) is refused
    with its code, rather than in the words of the step that failed.
    """
    try:
        return rebuilt(stored)
    except EscalationError as problem:
        raise RoomError(
            f"room {stored.code} cannot be replayed: {problem}; it was played with another "
            "version of escalation-sim, which exports it"
        ) from None


def move_rows(room: Room) -> list[dict]:
    """Every move of the weeks played (default holds included), with notes and team names.

    A move sent in the week the game was ended in, or in the week now being decided, was
    never played: it is left out (the record keeps it, as a replay needs it). A team is named
    as it was called when it moved (or when its week was played without its move), as the
    debrief's notes are, so a team renamed later keeps its earlier rows.
    """
    game = room.game
    played = len(game.timeline)
    notes = {(n.week, n.role): n.text for n in room.played_notes()}
    return [
        {
            "room": room.code,
            "class": room.class_id,
            "week": m["week"] + 1,
            "date": game.scenario.week_start(m["week"]).isoformat(),
            "role": m["actor"],
            "team": room.moved_as.get((m["week"], m["actor"]), (None, ""))[1],
            "move": m["move"],
            "default": bool(m.get("default", False)),
            "note": notes.get((m["week"], m["actor"]), ""),
            "time": m["time"],
        }
        for m in game.moves_log
        if m["week"] < played
    ]


def message_rows(room: Room) -> list[dict]:
    """Every broadcast (``to`` everyone) and private message, in the order they were sent."""
    return [
        {
            "room": room.code,
            "class": room.class_id,
            "week": m.week + 1,
            "date": room.game.scenario.week_start(m.week).isoformat(),
            "from": m.sender,
            "to": m.to or "everyone",
            "text": m.text,
            "time": m.time,
        }
        for m in room.messages
    ]


def _csv(rows: list[dict], columns: tuple[str, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def room_files(room: Room, figure: bool = True) -> list[ExportFile]:
    """The files of one room: moves (CSV, JSON), record, messages, and the debrief once ended."""
    rows = move_rows(room)
    code = room.code
    files = [
        ExportFile(f"{code}_moves.csv", _csv(rows, MOVE_COLUMNS)),
        ExportFile(f"{code}_moves.json", json_text(rows).encode()),
        ExportFile(f"{code}_record.json", json_text(record(room.game), exact=True).encode()),
        ExportFile(f"{code}_messages.csv", _csv(message_rows(room), MESSAGE_COLUMNS)),
    ]
    if room.ended:
        debrief = room.debrief()
        role = room.game.humans[0] if room.settings.solo else None  # a single player's own
        data = debrief_data(room.game, debrief, role)
        files.append(ExportFile(f"{code}_debrief.json", json_text(debrief_json(debrief)).encode()))
        png = f"{code}_debrief.png" if figure and data else None
        text = debrief_text(data, png, room.played_notes())
        files.append(ExportFile(f"{code}_debrief.md", text.encode()))
        if figure and data is not None:
            from sim.play.charts import debrief_png

            files.append(ExportFile(f"{code}_debrief.png", debrief_png(room, role)))
    return files


def seat_holders(room: Room) -> list[tuple[str, str, list[int]]]:
    """Each team that held a seat: its role, its name, the weeks played it held it in (0-based).

    A seat the instructor freed and another team took is two teams, each graded on its own
    weeks and notes; a role no team took is one row under the role's name, with no weeks.
    """
    played = len(room.game.timeline)
    holders = []
    for role in room.game.humans:
        teams = [i for i, (held, _name) in enumerate(room.teams) if held == role]
        for i in teams:
            weeks = sorted(w for (w, r), (t, _) in room.moved_as.items() if (r, t) == (role, i))
            name = room.teams[i][1] or role_name(role)
            holders.append((role, name, [w for w in weeks if w < played]))
        if not teams:
            holders.append((role, role_name(role), []))
    return holders


def result_rows(rooms: list[Room]) -> list[dict]:
    """One row per team of each room (`seat_holders`): its weeks, score, outcome and notes.

    The score and outcome are its role's over the whole game; the notes are its own.
    """
    rows = []
    for room in rooms:
        debrief = room.debrief() if room.ended else None
        timeline = room.game.timeline
        notes = room.played_notes()
        for role, team, weeks in seat_holders(room):
            rows.append(
                {
                    "class": room.class_id,
                    "room": room.code,
                    "role": role,
                    "team": team,
                    "team_weeks": " ".join(str(w + 1) for w in weeks),
                    "weeks_played": len(room.game.timeline),
                    "ended": room.ended,
                    # a case without a notice has no outcome class (its debrief says "none")
                    "outcome": room.game.outcome() if room.game.scenario.notice is not None else "",
                    "score": round(room.game.total_score(role), 3),
                    "model_median_score": (
                        round(debrief.model_median_payoffs[role], 3) if debrief else ""
                    ),
                    "score_percentile": (
                        round(debrief.payoff_percentiles[role], 3) if debrief else ""
                    ),
                    "peak_tension": round(max((w.tension for w in timeline), default=0), 3),
                    "notes": sum(n.role == role and n.week in weeks for n in notes),
                }
            )
    return rows


def class_file(class_id: str, rooms: list[Room]) -> ExportFile:
    """The class's results: one row per team of every room of the class."""
    return ExportFile(f"class_{class_id}_results.csv", _csv(result_rows(rooms), RESULT_COLUMNS))


def stored_rooms(store: RoomStore, codes: list[str], class_id: str | None) -> list[Room]:
    """The rooms to export: those named, those of a class, or every stored room."""
    if codes:
        found = []
        for code in codes:
            stored = store.room(code.strip().upper())
            if stored is None:
                raise ExportError(f"no room {code} in {store.path}")
            found.append(stored)
    else:
        found = list(store.rooms(class_id=class_id))
        if not found:
            what = f"of class {class_id} " if class_id else ""
            raise ExportError(f"no rooms {what}in {store.path}")
    return [room_from_stored(s) for s in found]


def export_main(argv: list[str]) -> int:
    """``escalation classroom export``: write rooms' files and class results to a folder."""
    parser = OneLineParser(
        prog="escalation classroom export",
        description="Write the moves, records, debriefs and class results of stored rooms.",
    )
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"rooms database ({DEFAULT_DB})")
    parser.add_argument("--room", action="append", default=[], help="a room code (repeatable)")
    parser.add_argument("--class", dest="class_id", help="every room of one class")
    parser.add_argument("--out", default="results/classroom/export", help="folder to write to")
    parser.add_argument("--no-figure", action="store_true", help="skip the debrief figures")
    args = parser.parse_args(argv)
    if not Path(args.db).is_file():
        raise ExportError(f"no rooms database at {args.db}: give --db PATH")
    rooms = stored_rooms(RoomStore(args.db), args.room, args.class_id)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from sim.experiment.store import write_atomic

    written = []
    for room in rooms:
        written += room_files(room, figure=not args.no_figure)
    for class_id in dict.fromkeys(r.class_id for r in rooms):
        written.append(class_file(class_id, [r for r in rooms if r.class_id == class_id]))
    for file in written:
        write_atomic(out / file.name, lambda path, data=file.data: path.write_bytes(data))
        print(f"export: {out / file.name}")
    return 0
