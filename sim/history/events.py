"""Events files: a real case's dated, sourced moves, read and checked line by line.

An events file is a CSV with the columns ``date, actor, domain, direction, move, description,
source`` (see scenarios/README.md). `load_events` rejects a malformed file with one message
naming the line at fault.
"""

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sim.core.errors import EventsFileError
from sim.core.moves import ACTORS, DOMAINS, UsMove
from sim.core.scenario import strict_date

COLUMNS = ("date", "actor", "domain", "direction", "move", "description", "source")
DIRECTIONS = ("retaliate", "pressure", "cooperate", "neutral")
#: The US move each event direction stands for, as a pressure level.
US_PRESSURE = {
    "retaliate": UsMove.PRESS.value,
    "pressure": UsMove.PRESS.value,
    "cooperate": UsMove.ENGAGE.value,
    "neutral": UsMove.ABSTAIN.value,
}
MOVE_ID = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class Event:
    """One dated move of one actor, with its sources; ``line`` is its line in the file."""

    date: dt.date
    actor: str
    domain: str
    direction: str
    move: str
    description: str
    source: str
    line: int


def _event(row: dict[str, str], line: int, where: str, actors: tuple[str, ...]) -> Event:
    def bad(column: str, allowed: str) -> EventsFileError:
        return EventsFileError(
            f"{where}, line {line}: {column} {row[column]!r} is not valid ({allowed})"
        )

    try:
        date = strict_date(row["date"].strip())
    except ValueError:
        raise bad("date", "expected YYYY-MM-DD") from None
    if row["actor"] not in actors:
        raise bad("actor", f"one of {', '.join(actors)}")
    if row["domain"] not in DOMAINS:
        raise bad("domain", f"one of {', '.join(DOMAINS)}")
    if row["direction"] not in DIRECTIONS:
        raise bad("direction", f"one of {', '.join(DIRECTIONS)}")
    if not MOVE_ID.match(row["move"]):
        raise bad("move", "lower-case letters, digits and underscores")
    if not row["source"].strip():
        raise bad("source", "a URL, several separated by ' ; ', or 'unverified'")
    return Event(
        date,
        row["actor"],
        row["domain"],
        row["direction"],
        row["move"],
        row["description"].strip(),
        row["source"].strip(),
        line,
    )


def load_events(path: str | Path, actors: tuple[str, ...] = ACTORS) -> list[Event]:
    """Read and validate an events file; raise `EventsFileError` naming the line at fault.

    ``actors`` are the actors a row may name (the case's sides and patron).
    """
    path = Path(path)
    if path.is_dir():
        raise EventsFileError(f"{path} is a folder; give the events file in it (a .csv file)")
    if not path.is_file():
        raise EventsFileError(f"no events file at {path}")
    try:
        return _read_events(path, actors)
    except UnicodeDecodeError:
        line, byte = _first_bad_byte(path.read_bytes())
        raise EventsFileError(
            f"{path}, line {line}: not UTF-8 text (byte {byte} of the file); save the file as "
            "UTF-8 CSV"
        ) from None
    except csv.Error as problem:
        raise EventsFileError(f"{path}: not a readable CSV file ({problem})") from None


def _first_bad_byte(data: bytes) -> tuple[int, int]:
    """The line (from 1) and the offset in the file (from 0) of the first byte not UTF-8.

    The decoder's own offset counts from the start of the chunk it was reading, which in a
    file of more than a few kilobytes is not the file's start.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as problem:
        return data.count(b"\n", 0, problem.start) + 1, problem.start
    return 1, 0  # not reached: the file failed to decode as it was read


def _first_line(lines: list[str], after: int) -> int:
    """The number of the first non-blank line after line ``after`` (where the next row starts).

    A quoted field may run over several lines, and the reader counts lines at a row's end.
    """
    line = after + 1
    while line <= len(lines) and not lines[line - 1].strip():
        line += 1
    return line


def _field_count(row: dict, line: int, end: int) -> str:
    """Why a row has too many or too few fields, and what usually causes it."""
    if end > line:
        return f"expected {len(COLUMNS)} fields (the row runs to line {end}: is a quote left open?)"
    found = sum(v is not None for k, v in row.items() if k is not None) + len(row.get(None) or [])
    hint = "; a description or source with a comma in it goes in double quotes"
    return f"expected {len(COLUMNS)} fields, found {found}{hint if found > len(COLUMNS) else ''}"


def _blank(row: dict[str, str | None]) -> bool:
    """Whether a row is a line of spaces or tabs only: one blank field and no others."""
    first, *rest = row.values()
    return not (first or "").strip() and all(v is None for v in rest) and None not in row


def _read_events(path: Path, actors: tuple[str, ...]) -> list[Event]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        handle_lines = handle.readlines()  # the lines as the reader counts them
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = tuple(reader.fieldnames or ())
        if header != COLUMNS:
            raise EventsFileError(
                f"{path}, line 1: the header is {','.join(header) or '(empty)'}; "
                f"expected {','.join(COLUMNS)}"
            )
        events: list[Event] = []
        seen: dict[tuple, int] = {}
        end = reader.line_num
        for row in reader:
            line, end = _first_line(handle_lines, end), reader.line_num  # name a row's first line
            if _blank(row):  # spaces or tabs only: skipped like an empty line, which csv skips
                continue
            if None in row or any(v is None for v in row.values()):
                raise EventsFileError(f"{path}, line {line}: {_field_count(row, line, end)}")
            event = _event(row, line, str(path), actors)
            if events and event.date < events[-1].date:
                raise EventsFileError(
                    f"{path}, line {line}: its date {event.date} comes before {events[-1].date} "
                    f"of line {events[-1].line}; rows must be sorted by date, earliest first"
                )
            key = (event.date, event.actor, event.move)
            if key in seen:
                raise EventsFileError(
                    f"{path}, line {line}: duplicates line {seen[key]} "
                    f"({event.date} {event.actor} {event.move})"
                )
            seen[key] = line
            events.append(event)
    if not events:
        raise EventsFileError(f"{path}: no events")
    return events
