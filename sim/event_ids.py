"""Cross-check a scenario's ladders against an events file: move ids that should meet but don't.

A rung comes into force (or out of it) when the events file holds a move whose id the ladder
lists under ``events`` (or ``undone_by``). A typo on either side silently drops the move from
the real path, and can flip the real outcome. Two signs of such a typo are reported:

- an id a ladder lists that the events file never uses;
- an id an ally's event uses that no ladder lists but that is close to one a ladder lists
  (most of an events file's moves are signals, on no ladder, so only near misses are typos).
"""

import difflib
from collections.abc import Iterable

from sim.core.scenario import Scenario
from sim.history import Event

#: How alike two ids must be (difflib's ratio) for the unknown one to look like a typo.
TYPO_SIMILARITY = 0.85


def ladder_ids(scenario: Scenario) -> dict[str, str]:
    """Every move id a ladder lists, with where: ``"seoul rung gsomia_notice"``."""
    ids = {}
    for actor, ladder in scenario.ladders.items():
        for rung in ladder.rungs:
            for move in (*rung.events, *rung.undone_by):
                ids[move] = f"{actor} rung {rung.id}"
    return ids


def event_id_warnings(scenario: Scenario, events: Iterable[Event], source: str) -> list[str]:
    """One message per suspicious id, naming the rung or the line of ``source``."""
    events = list(events)
    listed = ladder_ids(scenario)
    used = {event.move for event in events}
    messages = [
        f"{source}: no event has the move id {move!r} that {where} lists in "
        f"scenario {scenario.name!r}; check the id for a typo"
        for move, where in listed.items()
        if move not in used
    ]
    seen: set[str] = set()
    for event in events:
        if event.actor not in scenario.ladders or event.move in listed or event.move in seen:
            continue
        seen.add(event.move)
        close = difflib.get_close_matches(event.move, listed, n=1, cutoff=TYPO_SIMILARITY)
        if close:
            messages.append(
                f"{source}, line {event.line}: the move id {event.move!r} is on no ladder; "
                f"did you mean {close[0]!r} ({listed[close[0]]})?"
            )
    return messages
