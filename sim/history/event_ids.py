"""Cross-check a scenario's measures against an events file: move ids that should meet but don't.

A measure comes into force (or is lifted) when the events file holds a move whose id the
measure lists under ``events`` (or ``lifted_by``). A typo on either side silently drops the
move from the real path, and can flip the real outcome. Two signs of such a typo are reported:

- an id a measure lists that the events file never uses;
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
    """One message per suspicious id, naming the measure or the line of ``source``."""
    events = list(events)
    listed = measure_ids(scenario)
    used = {event.move for event in events}
    messages = [
        f"{source}: no event has the move id {move!r} that {where} lists in "
        f"scenario {scenario.name!r}; check the id for a typo"
        for move, where in listed.items()
        if move not in used
    ]
    seen: set[str] = set()
    for event in events:
        if event.actor not in scenario.measures or event.move in listed or event.move in seen:
            continue
        seen.add(event.move)
        missing = [move for move in listed if move not in used]
        close = difflib.get_close_matches(event.move, missing, n=1, cutoff=TYPO_SIMILARITY)
        if close:
            messages.append(
                f"{source}, line {event.line}: the move id {event.move!r} is named by no "
                f"measure; did you mean {close[0]!r} ({listed[close[0]]})?"
            )
    return messages
