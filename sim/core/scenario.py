"""Scenarios: a real case as data (dates, ladders, outcome rule, milestones, events file)."""

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from sim.core.errors import ScenarioError
from sim.core.ladder import Ladder


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
    """Outcome rule for an agreement put on notice by climbing to ``rung``.

    The agreement ends (``terminated``) when the rung stays in force for ``lapse_weeks`` weeks
    after the week of the notice; stepping below it before then keeps the agreement.
    """

    actor: str
    rung: str
    lapse_weeks: int
    label: str = "the agreement"  # what the notice threatens, as reports name it (GSOMIA)


class MilestoneKind(StrEnum):
    """What a milestone looks for: a rung first reached, the notice withdrawn, peak pressure."""

    REACH = "reach"
    WITHDRAW = "withdraw"
    PEAK_PRESSURE = "peak_pressure"


@dataclass(frozen=True)
class Milestone:
    """A named moment the comparison looks for in real and simulated runs.

    ``kind`` is ``reach`` (``actor`` first climbs to ``rung``), ``withdraw`` (the notice rung is
    stepped down from) or ``peak_pressure`` (Washington's pressure reaches its maximum).
    """

    id: str
    label: str
    kind: MilestoneKind
    actor: str
    rung: str = ""

    @property
    def column(self) -> str:
        """The replication-table column that holds this milestone's week."""
        match self.kind:
            case MilestoneKind.REACH:
                return f"week_{self.actor}_{self.rung}"
            case MilestoneKind.WITHDRAW:
                return "withdrawal_week"
            case MilestoneKind.PEAK_PRESSURE:
                return "peak_pressure_week"
            case other:
                raise ValueError(f"milestone {self.id!r}: unknown kind {other!r}")


@dataclass(frozen=True)
class Scenario:
    """A case on the weekly grid: week 0 starts on ``start`` (a Monday), the last on ``end``."""

    name: str
    title: str
    start: dt.date
    end: dt.date
    ladders: dict[str, Ladder]
    notice: NoticeRule
    milestones: tuple[Milestone, ...] = ()
    initial_rungs: dict[str, int] = field(default_factory=dict)
    events_path: Path | None = None
    folder: Path | None = None

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
    def notice_index(self) -> int:
        """Rung index of the notice rung on its actor's ladder."""
        return self.ladders[self.notice.actor].index(self.notice.rung)

    def with_span(self, start: object = None, end: object = None) -> "Scenario":
        """The same scenario over another span of weeks (dates snap to their Monday)."""
        new_start = monday(parse_date(start, "scenario.start")) if start else self.start
        new_end = monday(parse_date(end, "scenario.end")) if end else self.end
        if new_end < new_start:
            raise ScenarioError(f"scenario.end {new_end} is before scenario.start {new_start}")
        return replace(self, start=new_start, end=new_end)

    def with_initial_rungs(self, rungs: dict[str, str]) -> "Scenario":
        """The same scenario starting with the named rungs already in force."""
        initial = dict(self.initial_rungs)
        for actor, rung_id in rungs.items():
            if actor not in self.ladders:
                raise ScenarioError(
                    f"scenario.initial_rungs: {actor!r} is not an actor with a ladder "
                    f"({', '.join(self.ladders)})"
                )
            initial[actor] = self.ladders[actor].index(rung_id)
        return replace(self, initial_rungs=initial)
