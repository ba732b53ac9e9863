"""Scenarios: a real case as data (dates, ladders, outcome rule, milestones, events file)."""

import datetime as dt
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from sim.errors import ScenarioError
from sim.ladder import Ladder, Rung
from sim.moves import ACTORS, ALLIES


def scenarios_root() -> Path:
    """Folder holding scenario folders: ``$ESCALATION_SCENARIOS``, else the checkout's."""
    if env := os.environ.get("ESCALATION_SCENARIOS"):
        return Path(env)
    return Path(__file__).resolve().parents[1] / "scenarios"


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


@dataclass(frozen=True)
class Milestone:
    """A named moment the comparison looks for in real and simulated runs.

    ``kind`` is ``reach`` (``actor`` first climbs to ``rung``), ``withdraw`` (the notice rung is
    stepped down from) or ``peak_pressure`` (Washington's pressure reaches its maximum).
    """

    id: str
    label: str
    kind: str
    actor: str
    rung: str = ""


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


def _rung(raw: dict, where: str) -> Rung:
    try:
        return Rung(
            id=raw["id"],
            name=raw["name"],
            domain=raw["domain"],
            intensity=float(raw["intensity"]),
            reversible=bool(raw.get("reversible", True)),
            undo=raw.get("undo", ""),
            events=tuple(raw.get("events", ())),
            undone_by=tuple(raw.get("undone_by", ())),
        )
    except KeyError as missing:
        raise ScenarioError(f"{where}: a rung lacks the key {missing}") from None


def _check_milestone(m: Milestone, scenario: Scenario, where: str) -> None:
    """A milestone must name an actor that can reach it and, for a rung, an existing rung."""
    if m.actor not in ACTORS:
        raise ScenarioError(f"{where}: milestone {m.id!r} names unknown actor {m.actor!r}")
    match m.kind:
        case "reach" | "withdraw":
            if m.actor not in ALLIES:
                raise ScenarioError(
                    f"{where}: milestone {m.id!r} ({m.kind}) needs an ally with a ladder, "
                    f"not {m.actor!r}"
                )
            scenario.ladders[m.actor].index(m.rung)
        case "peak_pressure":
            if m.actor != "washington":
                raise ScenarioError(f"{where}: milestone {m.id!r}: peak_pressure is washington's")
        case other:
            raise ScenarioError(
                f"{where}: milestone {m.id!r} has kind {other!r}; "
                "use reach, withdraw or peak_pressure"
            )


def load_scenario(name: str) -> Scenario:
    """Load ``scenarios/<name>/scenario.yaml`` (or a folder path) into a `Scenario`."""
    folder = Path(name) if os.sep in name or Path(name).is_absolute() else scenarios_root() / name
    path = folder / "scenario.yaml"
    if not path.is_file():
        known = sorted(p.parent.name for p in scenarios_root().glob("*/scenario.yaml"))
        raise ScenarioError(
            f"no scenario {name!r}: {path} does not exist (known scenarios: {', '.join(known)})"
        )
    raw = yaml.safe_load(path.read_text())
    where = str(path)
    try:
        ladders = {
            actor: Ladder(
                actor=actor,
                rungs=tuple(_rung(r, f"{where}: ladders.{actor}") for r in spec["rungs"]),
                gesture=spec.get("gesture", "proposes talks"),
            )
            for actor, spec in raw["ladders"].items()
        }
        if set(ladders) != set(ALLIES):
            raise ScenarioError(f"{where}: ladders must be given for {', '.join(ALLIES)}")
        notice = NoticeRule(**raw["outcome"])
        milestones = tuple(Milestone(**m) for m in raw.get("milestones", ()))
        scenario = Scenario(
            name=raw.get("name", folder.name),
            title=raw.get("title", folder.name),
            start=monday(parse_date(raw["start"], f"{where}: start")),
            end=monday(parse_date(raw["end"], f"{where}: end")),
            ladders=ladders,
            notice=notice,
            milestones=milestones,
            events_path=folder / raw["events"] if raw.get("events") else None,
            folder=folder,
        )
    except (KeyError, TypeError) as problem:
        raise ScenarioError(f"{where}: missing or malformed entry ({problem})") from None
    if notice.actor not in ALLIES:
        raise ScenarioError(f"{where}: outcome.actor {notice.actor!r} must be one of {ALLIES}")
    scenario.ladders[notice.actor].index(notice.rung)  # the notice rung must exist
    for m in milestones:
        _check_milestone(m, scenario, where)
    return scenario.with_initial_rungs(raw.get("initial_rungs") or {})
