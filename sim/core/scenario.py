"""Scenarios: a real case as data (dates, sides, measures, outcome rule, milestones, events)."""

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from sim.core.errors import ScenarioError
from sim.core.measures import Repertoire


def monday(day: dt.date) -> dt.date:
    """The Monday that starts ``day``'s week: weeks run Monday to Sunday."""
    return day - dt.timedelta(days=day.weekday())


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def strict_date(text: str) -> dt.date:
    """Read a date written exactly YYYY-MM-DD; raise ValueError for anything else."""
    if not ISO_DATE.match(text):
        raise ValueError(f"{text!r} is not written YYYY-MM-DD")
    return dt.date.fromisoformat(text)


def parse_date(text: object, where: str) -> dt.date:
    """Read an ISO date (YYYY-MM-DD), naming ``where`` when it is not one."""
    if isinstance(text, dt.date):
        return text
    try:
        return strict_date(str(text))
    except ValueError:
        raise ScenarioError(f"{where}: {text!r} is not a date in YYYY-MM-DD form") from None


@dataclass(frozen=True)
class NoticeRule:
    """Outcome rule for an agreement put on notice by enacting the measure ``measure``.

    The agreement ends (``terminated``) when the measure stays in force for ``lapse_weeks``
    weeks after the week of the notice; lifting it before then keeps the agreement.
    """

    actor: str
    measure: str
    lapse_weeks: int
    label: str = "the agreement"  # what the notice threatens, as reports name it (GSOMIA)


@dataclass(frozen=True)
class PatronAlarm:
    """What alarms a reactive patron (docs/model.md, section 5).

    A measure of one of ``domains`` in force on a side of ``sides`` (empty: either side) for
    more than ``us.delay`` weeks.
    """

    domains: tuple[str, ...] = ("security",)
    sides: tuple[str, ...] = ()


class MilestoneKind(StrEnum):
    """What a milestone looks for: a measure first in force, the notice withdrawn, peak pressure."""

    REACH = "reach"
    WITHDRAW = "withdraw"
    PEAK_PRESSURE = "peak_pressure"


@dataclass(frozen=True)
class Milestone:
    """A named moment the comparison looks for in real and simulated runs.

    ``kind`` is ``reach`` (``actor`` first has ``measure`` in force), ``withdraw`` (the notice
    measure is lifted) or ``peak_pressure`` (the patron's pressure reaches its maximum).
    """

    id: str
    label: str
    kind: MilestoneKind
    actor: str
    measure: str = ""

    @property
    def column(self) -> str:
        """The replication-table column that holds this milestone's week."""
        match self.kind:
            case MilestoneKind.REACH:
                return f"week_{self.actor}_{self.measure}"
            case MilestoneKind.WITHDRAW:
                return "withdrawal_week"
            case MilestoneKind.PEAK_PRESSURE:
                return "peak_pressure_week"
            case other:
                raise ValueError(f"milestone {self.id!r}: unknown kind {other!r}")


@dataclass(frozen=True)
class Scenario:
    """A case on the weekly grid: week 0 starts on ``start`` (a Monday), the last on ``end``.

    ``sides`` are the two disputants (the model's first and second side, configured as
    ``seoul`` and ``tokyo``), ``patron`` the third actor who presses them; ``measures`` holds
    each side's repertoire and ``initial`` each side's measures in force at the start (a mask).
    ``pressed`` names the sides the patron's pressure is aimed at (empty: both), so that a
    patron backing its ally against the other side presses that side alone. ``alarm`` says
    what makes a reactive patron press (a security measure of either side, unless the case
    says otherwise).
    """

    name: str
    title: str
    start: dt.date
    end: dt.date
    sides: tuple[str, str]
    patron: str
    measures: dict[str, Repertoire]
    notice: NoticeRule | None = None
    milestones: tuple[Milestone, ...] = ()
    initial: dict[str, int] = field(default_factory=dict)
    events_path: Path | None = None
    folder: Path | None = None
    pressed: tuple[str, ...] = ()
    alarm: PatronAlarm = field(default_factory=PatronAlarm)

    def feels_pressure(self, side: str) -> bool:
        """Whether the patron's pressure is aimed at ``side`` (and enters its payoffs)."""
        return not self.pressed or side in self.pressed

    @property
    def actors(self) -> tuple[str, str, str]:
        """The two sides, then the patron."""
        return (*self.sides, self.patron)

    @property
    def weeks(self) -> int:
        """Number of weekly steps from ``start`` to ``end`` inclusive."""
        return (self.end - self.start).days // 7 + 1

    def week_start(self, week: int) -> dt.date:
        """Monday of week ``week``."""
        return self.start + dt.timedelta(weeks=week)

    def week_of(self, day: dt.date) -> int:
        """Index of the week holding ``day`` (may fall outside 0..weeks-1)."""
        return (monday(day) - self.start).days // 7

    @property
    def notice_bit(self) -> int:
        """The mask bit of the notice measure (0 when the case has no notice rule)."""
        if self.notice is None:
            return 0
        return self.measures[self.notice.actor].bit(self.notice.measure)

    @property
    def full(self) -> float:
        """Total intensity of both sides' measures: tension's denominator."""
        return sum(r.full for r in self.measures.values())

    def with_span(self, start: object = None, end: object = None) -> "Scenario":
        """The same scenario over another span of weeks (dates snap to their Monday)."""
        new_start = monday(parse_date(start, "scenario.start")) if start else self.start
        new_end = monday(parse_date(end, "scenario.end")) if end else self.end
        if new_end < new_start:
            raise ScenarioError(f"scenario.end {new_end} is before scenario.start {new_start}")
        return replace(self, start=new_start, end=new_end)

    def with_initial(self, measures: dict[str, list[str] | str]) -> "Scenario":
        """The same scenario starting with the named measures in force (added to its own)."""
        initial = dict(self.initial)
        for actor, ids in measures.items():
            if actor not in self.measures:
                raise ScenarioError(
                    f"scenario.initial_measures: {actor!r} is not a side of {self.name} "
                    f"({', '.join(self.sides)})"
                )
            ids = [ids] if isinstance(ids, str) else list(ids)
            initial[actor] = initial.get(actor, 0) | self.measures[actor].mask(ids)
        return replace(self, initial=initial)
