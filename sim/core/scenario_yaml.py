"""Scenario folders: ``scenarios/<name>/scenario.yaml`` read into a `Scenario`.

A scenario folder holds ``scenario.yaml`` (dates, ladders, outcome rule, milestones), the events
file it names and the role briefs. `load_case` is the one way to build the scenario a run,
a comparison or a game uses: the folder's scenario over an optional span, with optional rungs
already in force.
"""

import os
from pathlib import Path

import yaml

from sim.core.errors import ScenarioError
from sim.core.folders import scenarios_root
from sim.core.ladder import Ladder, Rung
from sim.core.moves import ACTORS, ALLIES
from sim.core.scenario import Milestone, MilestoneKind, NoticeRule, Scenario, monday, parse_date

#: The case a bare model and `escalation run` without overrides are set in.
DEFAULT_SCENARIO = "gsomia_2019"


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


def _milestone(raw: dict, where: str) -> Milestone:
    kinds = ", ".join(MilestoneKind)
    if raw.get("kind") not in set(MilestoneKind):
        raise ScenarioError(
            f"{where}: milestone {raw.get('id')!r} has kind {raw.get('kind')!r}; use {kinds}"
        )
    return Milestone(**{**raw, "kind": MilestoneKind(raw["kind"])})


def _check_milestone(m: Milestone, scenario: Scenario, where: str) -> None:
    """A milestone must name an actor that can reach it and, for a rung, an existing rung."""
    if m.actor not in ACTORS:
        raise ScenarioError(f"{where}: milestone {m.id!r} names unknown actor {m.actor!r}")
    match m.kind:
        case MilestoneKind.REACH | MilestoneKind.WITHDRAW:
            if m.actor not in ALLIES:
                raise ScenarioError(
                    f"{where}: milestone {m.id!r} ({m.kind}) needs an ally with a ladder, "
                    f"not {m.actor!r}"
                )
            scenario.ladders[m.actor].index(m.rung)
        case MilestoneKind.PEAK_PRESSURE:
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
        milestones = tuple(_milestone(m, where) for m in raw.get("milestones", ()))
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


def load_case(
    name: str, start: object = None, end: object = None, initial_rungs: dict | None = None
) -> Scenario:
    """The scenario ``name`` over ``start``..``end`` (default: its own span).

    ``initial_rungs`` (actor -> rung id) are in force at the start, on top of its own.
    """
    scenario = load_scenario(name).with_span(start, end)
    return scenario.with_initial_rungs(dict(initial_rungs or {}))
