"""Cross-check a scenario's measures against an events file: move ids that should meet but don't.

A measure comes into force (or is lifted) when the events file holds a move whose id the
measure lists under ``events`` (or ``lifted_by``). A typo on either side silently drops the
move from the real path, and can flip the real outcome. Two signs of such a typo are reported:

- an id a measure lists that the events file never uses (all such ids on one line);
- an id a side's event uses that no measure lists but that is close to one a measure lists
  and the file never uses (most of an events file's moves are signals, named by no measure,
  so only near misses of a missing id are typos; an id close to one the file does use is
  another move, such as a second release of detainees beside the last one).
"""

import difflib
from collections.abc import Iterable

from sim.core.scenario import Scenario
from sim.history.events import Event

#: How alike two ids must be (difflib's ratio) for the unknown one to look like a typo.
TYPO_SIMILARITY = 0.85


def measure_ids(scenario: Scenario) -> dict[str, str]:
    """Every move id a measure lists, with where: ``"seoul measure gsomia_notice"``."""
    ids = {}
    for side, repertoire in scenario.measures.items():
        for measure in repertoire.measures:
            for move in (*measure.events, *measure.lifted_by):
                ids[move] = f"{side} measure {measure.id}"
    return ids


def event_id_warnings(scenario: Scenario, events: Iterable[Event], source: str) -> list[str]:
    """The messages for suspicious ids, naming the measure or the line of ``source``.

    The ids the file never uses share one message; each near miss has its own.
    """
    events = list(events)
    listed = measure_ids(scenario)
    used = {event.move for event in events}
    missing = {move: where for move, where in listed.items() if move not in used}
    messages = [_missing_message(missing, scenario.name, source)] if missing else []
    seen: set[str] = set()
    for event in events:
        if event.actor not in scenario.measures or event.move in listed or event.move in seen:
            continue
        seen.add(event.move)
        close = difflib.get_close_matches(event.move, list(missing), n=1, cutoff=TYPO_SIMILARITY)
        if close:
            messages.append(
                f"{source}, line {event.line}: the move id {event.move!r} is named by no "
                f"measure; did you mean {close[0]!r} ({listed[close[0]]})?"
            )
    return messages


def _missing_message(missing: dict[str, str], scenario: str, source: str) -> str:
    """One line for every listed id the file never uses, however many there are.

    A file of part of a sequence (a training span, one side's moves) can miss many ids at
    once; one line each would bury the message that matters, such as an error after them.
    """
    if len(missing) == 1:
        ((move, where),) = missing.items()
        return (
            f"{source}: no event has the move id {move!r} that {where} lists in "
            f"scenario {scenario!r}; check the id for a typo"
        )
    named = ", ".join(f"{move!r} ({where})" for move, where in missing.items())
    return (
        f"{source}: no event has any of the {len(missing)} move ids that these measures of "
        f"scenario {scenario!r} list: {named}; check the ids for typos, or ignore this if the "
        "file holds only part of the sequence"
    )
