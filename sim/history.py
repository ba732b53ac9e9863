"""The real sequence: load a dated, sourced events file and put it on the model's weekly grid.

An events file is a CSV with the columns ``date, actor, domain, direction, move, description,
source`` (see scenarios/README.md). On the grid, an ally's week is ``retaliate`` if it escalated
that week (a ``retaliate`` or ``pressure`` event), ``cooperate`` if it only conciliated, else
``hold``; Washington's week is a pressure level (1 when it pressed, 0.3 when it only engaged).
The rungs in force follow the ladders' ``events`` and ``undone_by`` lists.
"""

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.errors import EventsFileError
from sim.core.metrics import OUTCOMES, pressure_window_mean, replay_notice
from sim.core.moves import ACTORS, ALLIES, DOMAINS, Move, UsMove
from sim.core.scenario import Scenario, strict_date

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


def _event(row: dict[str, str], line: int, where: str) -> Event:
    def bad(column: str, allowed: str) -> EventsFileError:
        return EventsFileError(
            f"{where}, line {line}: {column} {row[column]!r} is not valid ({allowed})"
        )

    try:
        date = strict_date(row["date"].strip())
    except ValueError:
        raise bad("date", "expected YYYY-MM-DD") from None
    if row["actor"] not in ACTORS:
        raise bad("actor", f"one of {', '.join(ACTORS)}")
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


def load_events(path: str | Path) -> list[Event]:
    """Read and validate an events file; raise `EventsFileError` naming the line at fault."""
    path = Path(path)
    if not path.is_file():
        raise EventsFileError(f"no events file at {path}")
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
        for row in reader:
            line = reader.line_num
            if None in row or any(v is None for v in row.values()):
                raise EventsFileError(f"{path}, line {line}: expected {len(COLUMNS)} fields")
            event = _event(row, line, str(path))
            if events and event.date < events[-1].date:
                raise EventsFileError(
                    f"{path}, line {line}: {event.date} comes after {events[-1].date} "
                    f"(line {events[-1].line}); rows must be sorted by date"
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


@dataclass(frozen=True)
class RealPath:
    """The real sequence on the weekly grid of a scenario (arrays have one entry per week)."""

    moves: dict[str, np.ndarray]
    pressure: np.ndarray
    in_force: dict[str, np.ndarray]  # (weeks, rungs) booleans after each week's events
    rungs: dict[str, np.ndarray]  # highest rung index in force
    tension: np.ndarray
    outcome: str
    milestones: dict[str, int | None]
    first_retaliation: dict[str, int | None]
    noticed: bool


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def encode(events: list[Event], scenario: Scenario) -> RealPath:
    """Put events on ``scenario``'s weekly grid; events outside its span are left out."""
    weeks = scenario.weeks
    moves = {a: np.full(weeks, Move.HOLD, dtype=np.int8) for a in ALLIES}
    pressure = np.zeros(weeks)
    changes: dict[str, list[list[tuple[int, bool]]]] = {
        a: [[] for _ in range(weeks)] for a in ALLIES
    }
    for event in events:
        week = scenario.week_of(event.date)
        if not 0 <= week < weeks:
            continue
        if event.actor == "washington":
            pressure[week] = max(pressure[week], US_PRESSURE[event.direction])
            continue
        if event.direction in ("retaliate", "pressure"):
            moves[event.actor][week] = Move.RETALIATE
        elif event.direction == "cooperate" and moves[event.actor][week] == Move.HOLD:
            moves[event.actor][week] = Move.COOPERATE
        ladder = scenario.ladders[event.actor]
        for index, rung in enumerate(ladder.rungs):
            if event.move in rung.events:
                changes[event.actor][week].append((index, True))
            if event.move in rung.undone_by:
                changes[event.actor][week].append((index, False))
    in_force, rungs = {}, {}
    for actor in ALLIES:
        ladder = scenario.ladders[actor]
        state = np.arange(ladder.top) < scenario.initial_rungs.get(actor, 0)
        path = np.zeros((weeks, ladder.top), dtype=bool)
        for week in range(weeks):
            for index, on in changes[actor][week]:
                state[index] = on
            path[week] = state
        in_force[actor] = path
        top = np.where(path.any(axis=1), ladder.top - np.argmax(path[:, ::-1], axis=1), 0)
        rungs[actor] = top.astype(np.int16)
    ladders = scenario.ladders
    intensity = {a: np.array([r.intensity for r in ladders[a].rungs]) for a in ALLIES}
    total = sum(v.sum() for v in intensity.values())
    tension = np.clip(sum(in_force[a] @ intensity[a] for a in ALLIES) / total, 0.0, 1.0)

    notice = scenario.notice
    notice_col = ladders[notice.actor].index(notice.rung) - 1
    tracker = replay_notice(in_force[notice.actor][:, notice_col], notice.lapse_weeks)
    milestones = {}
    window = pressure_window_mean(pressure[:, None])[:, 0]
    for m in scenario.milestones:
        match m.kind:
            case "reach":
                col = ladders[m.actor].index(m.rung) - 1
                milestones[m.id] = _first(in_force[m.actor][:, col])
            case "withdraw":
                milestones[m.id] = (
                    None if tracker.withdrawal_week[0] < 0 else int(tracker.withdrawal_week[0])
                )
            case "peak_pressure":
                milestones[m.id] = (
                    _first(window >= window.max() - 1e-12) if pressure.any() else None
                )
            case other:
                raise EventsFileError(f"scenario milestone {m.id!r}: unknown kind {other!r}")
    return RealPath(
        moves=moves,
        pressure=pressure,
        in_force=in_force,
        rungs=rungs,
        tension=tension,
        outcome=OUTCOMES[tracker.outcome_codes()[0]],
        milestones=milestones,
        first_retaliation={a: _first(moves[a] == Move.RETALIATE) for a in ALLIES},
        noticed=bool(tracker.notice_week[0] >= 0),
    )


def real_path(scenario: Scenario, events_path: str | Path | None = None) -> RealPath:
    """Load the scenario's (or the given) events file and encode it on the scenario's grid."""
    path = events_path or scenario.events_path
    if path is None:
        raise EventsFileError(f"scenario {scenario.name!r} names no events file")
    return encode(load_events(path), scenario)
