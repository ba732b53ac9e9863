"""The real sequence on the model's weekly grid: each side's acts and measures, the pressure.

`encode` codes a case's events by the protocol (`sim.history.coding`) and puts them on the
scenario's weeks: for each side and week the act, the measures it enacted and lifted and the
measures in force after it; for the patron its pressure level; then the tension path, the
outcome and each milestone's week, computed by the same functions the model's trackers use.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.errors import EventsFileError
from sim.core.metrics import OUTCOMES, peak_pressure_week, replay_notice
from sim.core.moves import STANCE_OF_ACT, Act, Move
from sim.core.scenario import MilestoneKind, Scenario
from sim.history.coding import Code, CodedEvent, code_events
from sim.history.events import US_PRESSURE, Event, load_events


@dataclass(frozen=True)
class RealPath:
    """The real sequence on the weekly grid of a scenario (arrays have one entry per week).

    For each side: ``acts`` (`Act` codes), ``enacted`` and ``lifted`` (masks of the measures
    each week's act changed), ``masks`` (the measures in force after each week) and ``moves``
    (the move each act expresses). ``pressure`` is the patron's move each week as a level.
    """

    acts: dict[str, np.ndarray]
    enacted: dict[str, np.ndarray]
    lifted: dict[str, np.ndarray]
    masks: dict[str, np.ndarray]
    moves: dict[str, np.ndarray]
    pressure: np.ndarray
    tension: np.ndarray
    outcome: str
    milestones: dict[str, int | None]
    first_retaliation: dict[str, int | None]
    noticed: bool
    coded: tuple[CodedEvent, ...] = ()

    @property
    def weeks(self) -> int:
        """Number of weeks on the grid."""
        return len(self.pressure)


def measure_changes(real: RealPath, scenario: Scenario, weeks: int) -> list[tuple[int, str, str]]:
    """Each measure the real case brought into force or lifted in its first ``weeks`` weeks.

    ``(week, side, what)``, in the order of the events that made them (within a week too, so
    an answer follows what it answered): ``what`` is the measure's name when it came into
    force, its ``undo`` when it was lifted, as the scenario words them.
    """
    dates_of = {}  # (side, measure, code) -> the dates of the events that made that change
    for coded in real.coded:
        key = (coded.event.actor, coded.measure, coded.code)
        dates_of.setdefault(key, []).append(coded.event.date)
    changes = []
    for week in range(min(weeks, real.weeks)):
        monday = scenario.week_start(week)
        for side in scenario.sides:
            enacted, lifted = int(real.enacted[side][week]), int(real.lifted[side][week])
            for k, measure in enumerate(scenario.measures[side].measures):
                for mask, code, what in (
                    (enacted, Code.ENACT, measure.name),
                    (lifted, Code.LIFT, measure.undo or f"{measure.name}: lifted"),
                ):
                    if mask >> k & 1:
                        made = dates_of.get((side, measure.id, code), [])
                        when = min((d for d in made if d >= monday), default=monday)
                        changes.append((week, when, side, what))
    return [(week, side, what) for week, _, side, what in sorted(changes, key=lambda c: c[:2])]


def _first(flags: np.ndarray) -> int | None:
    hits = np.flatnonzero(flags)
    return int(hits[0]) if hits.size else None


def _week_act(codes: list[Code], enacted: int, lifted: int) -> Act:
    if enacted:
        return Act.ENACT
    if lifted:
        return Act.LIFT
    if Code.HOSTILE_SIGNAL in codes:
        return Act.HOSTILE_SIGNAL
    if Code.CONCILIATORY_SIGNAL in codes:
        return Act.CONCILIATORY_SIGNAL
    return Act.NOTHING


def _side_path(scenario: Scenario, side: str, coded: list[tuple[int, CodedEvent]]):
    weeks = scenario.weeks
    repertoire = scenario.measures[side]
    acts = np.full(weeks, Act.NOTHING, dtype=np.int8)
    enacted = np.zeros(weeks, dtype=np.int16)
    lifted = np.zeros(weeks, dtype=np.int16)
    masks = np.zeros(weeks, dtype=np.int16)
    state = scenario.initial.get(side, 0)
    for week in range(weeks):
        rows = [c for w, c in coded if w == week and c.event.actor == side]
        on = off = 0
        for c in rows:
            if c.code == Code.ENACT:
                on |= repertoire.bit(c.measure)
            elif c.code == Code.LIFT:
                off |= repertoire.bit(c.measure)
        acts[week] = _week_act([c.code for c in rows], on, off)
        enacted[week], lifted[week] = on, off
        state = (state | on) & ~off
        masks[week] = state
    return acts, enacted, lifted, masks


def encode(events: list[Event], scenario: Scenario) -> RealPath:
    """Put events on ``scenario``'s weekly grid; events outside its span are left out."""
    weeks = scenario.weeks
    inside = [e for e in events if 0 <= scenario.week_of(e.date) < weeks]
    coded = code_events(inside, scenario)
    placed = [(scenario.week_of(c.event.date), c) for c in coded]
    pressure = np.zeros(weeks)
    for week, c in placed:
        if c.event.actor == scenario.patron:
            pressure[week] = max(pressure[week], US_PRESSURE[c.event.direction])
    acts, enacted, lifted, masks = {}, {}, {}, {}
    for side in scenario.sides:
        acts[side], enacted[side], lifted[side], masks[side] = _side_path(scenario, side, placed)
    moves = {side: STANCE_OF_ACT[acts[side]] for side in scenario.sides}
    in_force = sum(scenario.measures[s].total_by_state[masks[s]] for s in scenario.sides)
    tension = np.clip(in_force / scenario.full, 0.0, 1.0)
    notice = scenario.notice
    on_notice = (
        (masks[notice.actor] & scenario.notice_bit) != 0
        if notice is not None
        else np.zeros(weeks, dtype=bool)
    )
    tracker = replay_notice(on_notice, notice)
    return RealPath(
        acts=acts,
        enacted=enacted,
        lifted=lifted,
        masks=masks,
        moves=moves,
        pressure=pressure,
        tension=tension,
        outcome=OUTCOMES[tracker.outcome_codes()[0]],
        milestones=_milestones(scenario, masks, tracker, pressure),
        first_retaliation={s: _first(moves[s] == Move.RETALIATE) for s in scenario.sides},
        noticed=bool(tracker.notice_week[0] >= 0),
        coded=tuple(coded),
    )


def _milestones(scenario: Scenario, masks: dict, tracker, pressure: np.ndarray) -> dict:
    found: dict[str, int | None] = {}
    for m in scenario.milestones:
        match m.kind:
            case MilestoneKind.REACH:
                bit = scenario.measures[m.actor].bit(m.measure)
                found[m.id] = _first((masks[m.actor] & bit) != 0)
            case MilestoneKind.WITHDRAW:
                week = int(tracker.withdrawal_week[0])
                found[m.id] = None if week < 0 else week
            case MilestoneKind.PEAK_PRESSURE:
                found[m.id] = peak_pressure_week(pressure)
            case other:
                raise EventsFileError(f"scenario milestone {m.id!r}: unknown kind {other!r}")
    return found


def real_path(scenario: Scenario, events_path: str | Path | None = None) -> RealPath:
    """Load the scenario's (or the given) events file and encode it on the scenario's grid."""
    path = events_path or scenario.events_path
    if path is None:
        raise EventsFileError(f"scenario {scenario.name!r} names no events file")
    return encode(load_events(path, scenario.actors), scenario)
