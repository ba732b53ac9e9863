"""The coding protocol: what each real event is to the model (docs/coding.md).

Each row of an events file by a side is coded, in date order, as one of:

- ``enact``: its move id is in a measure's ``events`` list, and that measure is not yet in
  force (a second event of a measure already in force, such as a second court ruling of the
  same kind or the formal delivery of a notice already announced, reaffirms it: a hostile
  signal);
- ``lift``: its move id is in a measure's ``lifted_by`` list and the measure is in force;
- ``hostile_signal``: any other row of direction ``retaliate`` or ``pressure`` (a protest, a
  statement, a demand, a rejection, a procedure started);
- ``conciliatory_signal``: any other row of direction ``cooperate`` (a proposal, talks, an
  easing that lifts no measure);
- ``context``: a row of direction ``neutral`` (a measure taking effect that was counted when
  it was decided, a routine drill, a procedural meeting, a disputed incident): no move.

A patron's row is coded by its direction as one of its moves: ``press`` (retaliate or
pressure), ``engage`` (cooperate) or ``abstain`` (neutral), whose pressure level is the week's
if no other row of the week is higher (`US_PRESSURE`). A week's act
for a side is then: an enactment if any row enacted a measure, else a lifting if any row
lifted one, else a hostile signal, else a conciliatory one, else nothing (`Act`).
"""

from dataclasses import dataclass
from enum import StrEnum

from sim.core.scenario import Scenario
from sim.history.events import Event


class Code(StrEnum):
    """What one event row is to the model."""

    ENACT = "enact"
    LIFT = "lift"
    HOSTILE_SIGNAL = "hostile_signal"
    CONCILIATORY_SIGNAL = "conciliatory_signal"
    CONTEXT = "context"
    PRESS = "press"  # a patron's rows
    ENGAGE = "engage"
    ABSTAIN = "abstain"


PATRON_OF_DIRECTION = {
    "retaliate": Code.PRESS,
    "pressure": Code.PRESS,
    "cooperate": Code.ENGAGE,
    "neutral": Code.ABSTAIN,
}
SIGNAL_OF_DIRECTION = {
    "retaliate": Code.HOSTILE_SIGNAL,
    "pressure": Code.HOSTILE_SIGNAL,
    "cooperate": Code.CONCILIATORY_SIGNAL,
    "neutral": Code.CONTEXT,
}


@dataclass(frozen=True)
class CodedEvent:
    """An event with its code, and for ``enact`` and ``lift`` the measure it changes."""

    event: Event
    code: Code
    measure: str = ""
    note: str = ""  # why a measure's event was coded as a signal, when it was


def _named(scenario: Scenario, event: Event) -> tuple[Code, str] | None:
    """The measure change an event's move id names in the scenario, if any."""
    for measure in scenario.measures[event.actor].measures:
        if event.move in measure.events:
            return Code.ENACT, measure.id
        if event.move in measure.lifted_by:
            return Code.LIFT, measure.id
    return None


def code_events(events: list[Event], scenario: Scenario) -> list[CodedEvent]:
    """Code every event (in date order) by the protocol, from the scenario's initial state."""
    in_force = {a: scenario.initial.get(a, 0) for a in scenario.sides}
    coded = []
    for event in events:
        if event.actor not in scenario.sides:
            coded.append(CodedEvent(event, PATRON_OF_DIRECTION[event.direction]))
            continue
        named = _named(scenario, event)
        if named is None:
            coded.append(CodedEvent(event, SIGNAL_OF_DIRECTION[event.direction]))
            continue
        code, measure = named
        bit = scenario.measures[event.actor].bit(measure)
        already = bool(in_force[event.actor] & bit)
        if code == Code.ENACT and already:
            note = f"{measure} is already in force: the event reaffirms it"
            coded.append(CodedEvent(event, Code.HOSTILE_SIGNAL, note=note))
        elif code == Code.LIFT and not already:
            note = f"{measure} is not in force: nothing to lift"
            coded.append(CodedEvent(event, SIGNAL_OF_DIRECTION[event.direction], note=note))
        else:
            coded.append(CodedEvent(event, code, measure))
            in_force[event.actor] = (
                in_force[event.actor] | bit
                if code == Code.ENACT
                else (in_force[event.actor] & ~bit)
            )
    return coded
