"""Scenario folders: ``scenarios/<name>/scenario.yaml`` read into a `Scenario`.

A scenario folder holds ``scenario.yaml`` (dates, sides, measures, outcome rule, milestones),
the events file it names, its coding notes and the role briefs (scenarios/README.md documents
the format). `load_case` is the one way to build the scenario a run, a comparison or a game
uses: the folder's scenario over an optional span, with optional measures already in force.
"""

import dataclasses
import difflib
import os
from pathlib import Path
from typing import Any

from sim.core.errors import ScenarioError
from sim.core.folders import scenarios_root
from sim.core.measures import Measure, Repertoire
from sim.core.moves import DOMAINS
from sim.core.scenario import (
    Milestone,
    MilestoneKind,
    NoticeRule,
    PatronAlarm,
    Scenario,
    monday,
    parse_date,
)
from sim.core.yaml_files import check_keys, read_mapping

#: The case a bare model and `escalation run` without overrides are set in.
DEFAULT_SCENARIO = "gsomia_2019"

#: The keys each mapping of scenario.yaml may hold (scenarios/README.md); any other is refused.
SCENARIO_KEYS = (
    "name",
    "title",
    "start",
    "end",
    "events",
    "sides",
    "patron",
    "patron_presses",
    "patron_alarm",
    "outcome",
    "milestones",
    "measures",
    "initial_measures",
)
OUTCOME_KEYS = ("actor", "measure", "lapse_weeks", "label")
ALARM_KEYS = ("domains", "sides")
REPERTOIRE_KEYS = ("list", "gesture", "signal")
MEASURE_KEYS = ("id", "name", "domain", "intensity", "reversible", "undo", "events", "lifted_by")
MILESTONE_KEYS = ("id", "label", "kind", "actor", "measure")
#: Measure ids a scenario may not use: the trajectories table (`sim.core.recorder`) labels a
#: side with no measure in force ``none`` in its ``top_measure`` column.
RESERVED_IDS = ("none",)


def _measure(raw: Any, where: str) -> Measure:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a measure must be a mapping of id, name, domain, ...")
    place = f"{where}: measure {raw.get('id')!r}"
    check_keys(raw, MEASURE_KEYS, place)
    reversible = raw.get("reversible", True)
    if not isinstance(reversible, bool):
        raise ScenarioError(
            f"{place}: reversible is {reversible!r}; write true or false (without quotes)"
        )
    try:
        measure = Measure(
            id=str(raw["id"]),
            name=_text(raw["name"], f"{place}: name"),
            domain=str(raw["domain"]),
            intensity=_intensity(raw["intensity"]),
            reversible=reversible,
            undo=_text(raw.get("undo", ""), f"{place}: undo"),
            events=_move_ids(raw, "events"),
            lifted_by=_move_ids(raw, "lifted_by"),
        )
    except KeyError as missing:
        raise ScenarioError(f"{place} lacks the key {missing}") from None
    except ScenarioError as problem:  # the measure's own check names the measure already
        raise ScenarioError(f"{where}: {problem}") from None
    except (TypeError, ValueError) as problem:
        raise ScenarioError(f"{place}: {problem}") from None
    if measure.id in RESERVED_IDS:
        raise ScenarioError(
            f"{place}: the id {measure.id!r} is reserved (the trajectories table's top_measure "
            "uses it for no measure in force); choose another id"
        )
    if both := sorted(set(measure.events) & set(measure.lifted_by)):
        raise ScenarioError(
            f"{place} lists {', '.join(both)} in both events and lifted_by; a move either "
            "enacts the measure or lifts it"
        )
    if not measure.reversible and measure.lifted_by:
        raise ScenarioError(
            f"{place} is not reversible but lists lifted_by {list(measure.lifted_by)}; a "
            "measure its side cannot lift has no lifting events (drop them or make it reversible)"
        )
    return measure


def _move_ids(raw: dict, key: str) -> tuple[str, ...]:
    """A measure's ``events`` or ``lifted_by``: a list of move ids (absent or null: none).

    A bare string is refused rather than read one character at a time as ids.
    """
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"{key} is {value!r}; write a list of move ids, such as [{value}]")
    return tuple(str(e) for e in value)


def _intensity(value: Any) -> float:
    """A measure's intensity: a YAML number (the measure checks that it lies in (0, 1]).

    Anything else is a `ValueError` naming the key, which the caller puts after the measure.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"intensity {value!r} is not a number; write one in (0, 1]")
    return float(value)


#: How an error names a YAML value that is not text.
YAML_KINDS = {bool: "true or false", int: "a number", float: "a number", list: "a list"}


def _text(value: object, where: str) -> str:
    """A text field's value; `ScenarioError` naming ``where`` if YAML read something else."""
    if isinstance(value, str):
        return value
    kind = YAML_KINDS.get(type(value), "a mapping" if isinstance(value, dict) else "empty")
    raise ScenarioError(f"{where} is {kind}, not text; write it as text (in quotes if need be)")


def _repertoire(actor: str, raw: Any, where: str) -> Repertoire:
    if not isinstance(raw, dict) or not isinstance(raw.get("list"), list):
        raise ScenarioError(f"{where}: measures.{actor} needs a `list` of measures")
    check_keys(raw, REPERTOIRE_KEYS, f"{where}: measures.{actor}")
    try:
        return Repertoire(
            actor=actor,
            measures=tuple(_measure(m, f"{where}: measures.{actor}") for m in raw["list"]),
            gesture=_text(raw.get("gesture", f"{actor.title()} proposes talks"), "gesture"),
            signal=_text(raw.get("signal", f"{actor.title()} protests"), "signal"),
        )
    except ScenarioError as problem:
        if str(problem).startswith(where):
            raise
        raise ScenarioError(f"{where}: measures.{actor}: {problem}") from None


def _milestone(raw: Any, where: str) -> Milestone:
    kinds = ", ".join(MilestoneKind)
    if not isinstance(raw, dict) or raw.get("kind") not in set(MilestoneKind):
        kind = raw.get("kind") if isinstance(raw, dict) else raw
        raise ScenarioError(f"{where}: milestone {raw!r} has kind {kind!r}; use {kinds}")
    place = f"{where}: milestone {raw.get('id')!r}"
    check_keys(raw, MILESTONE_KEYS, place)
    for key in ("id", "label", "actor"):
        if key not in raw:
            raise ScenarioError(f"{place} lacks the key {key!r}")
    return Milestone(
        id=str(raw["id"]),
        label=_text(raw["label"], f"{place}: label"),
        kind=MilestoneKind(raw["kind"]),
        actor=str(raw["actor"]),
        measure=str(raw.get("measure") or ""),
    )


def _measure_index(scenario: Scenario, side: str, measure: str, place: str) -> int:
    """The index of ``side``'s ``measure``, or a `ScenarioError` saying where it was named."""
    try:
        return scenario.measures[side].index(measure)
    except ScenarioError as problem:
        known = list(scenario.measures[side].ids)
        close = difflib.get_close_matches(measure, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ScenarioError(f"{place}: {problem}{hint}") from None


def _check_milestone(m: Milestone, scenario: Scenario, where: str) -> None:
    """A milestone must name an actor that can reach it and, for a measure, an existing one."""
    place = f"{where}: milestone {m.id!r}"
    if m.actor not in scenario.actors:
        raise ScenarioError(f"{place} names unknown actor {m.actor!r}")
    match m.kind:
        case MilestoneKind.REACH | MilestoneKind.WITHDRAW:
            if m.actor not in scenario.sides:
                raise ScenarioError(
                    f"{place} ({m.kind}) needs a side with measures, not {m.actor!r}"
                )
            if m.kind == MilestoneKind.WITHDRAW and scenario.notice is None:
                raise ScenarioError(f"{place}: the case has no notice rule")
            _measure_index(scenario, m.actor, m.measure or _notice_measure(scenario), place)
        case MilestoneKind.PEAK_PRESSURE:
            if m.actor != scenario.patron:
                raise ScenarioError(f"{place}: peak_pressure is {scenario.patron}'s")
        case other:
            raise ScenarioError(f"{place} has kind {other!r}")


def _notice_measure(scenario: Scenario) -> str:
    return scenario.notice.measure if scenario.notice else ""


def _events_path(folder: Path, raw: Any, where: str) -> Path | None:
    """The events file a scenario names, which must lie inside its folder."""
    if not raw:
        return None
    if not isinstance(raw, str):
        raise ScenarioError(f"{where}: events: {raw!r} must be one file name, such as events.csv")
    path = (folder / raw).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise ScenarioError(f"{where}: events: {raw!r} lies outside the scenario folder")
    return path


def _whole(value: Any, where: str) -> int:
    """``value`` if it is a whole number >= 1, else a `ScenarioError` naming ``where``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ScenarioError(f"{where}={value!r} must be a whole number of weeks >= 1")
    return value


def _scenario(raw: dict, folder: Path, where: str) -> Scenario:
    check_keys(raw, SCENARIO_KEYS, f"{where}: the top level")
    named = raw.get("sides") or ["seoul", "tokyo"]
    sides = tuple(str(a) for a in named) if isinstance(named, list) else (str(named),)
    if len(sides) != 2 or len(set(sides)) != 2:
        raise ScenarioError(f"{where}: sides must name two different actors, got {sides}")
    patron = str(raw.get("patron", "washington"))
    if patron in sides:
        raise ScenarioError(f"{where}: patron {patron!r} is also a side; name a third actor")
    _check_measure_sides(raw.get("measures"), sides, where)  # before the keys that name sides
    pressed = _pressed(raw.get("patron_presses"), sides, where)
    alarm = _alarm(raw.get("patron_alarm"), sides, where)
    measures = {a: _repertoire(a, raw["measures"][a], where) for a in sides}
    outcome = raw.get("outcome")
    notice = None
    if outcome:
        if not isinstance(outcome, dict):
            raise ScenarioError(
                f"{where}: outcome must be a mapping of {', '.join(OUTCOME_KEYS)}, or null"
            )
        check_keys(outcome, OUTCOME_KEYS, f"{where}: outcome")
        notice = NoticeRule(
            actor=str(outcome["actor"]),
            measure=str(outcome["measure"]),
            lapse_weeks=_whole(outcome.get("lapse_weeks"), f"{where}: outcome.lapse_weeks"),
            label=_text(outcome.get("label", "the agreement"), f"{where}: outcome.label"),
        )
        if notice.actor in measures:  # while the notice runs, a lifting lifts it first
            side = measures[notice.actor]  # (load_scenario checks the actor and the measure)
            measures[notice.actor] = dataclasses.replace(side, lifted_first=notice.measure)
    start = parse_date(raw["start"], f"{where}: start")
    end = parse_date(raw["end"], f"{where}: end")
    if end.toordinal() < start.toordinal():  # a YAML datetime is a date too
        raise ScenarioError(f"{where}: end {end} is before start {start}")
    return Scenario(
        name=_name(raw.get("name"), folder, where),
        title=_text(raw.get("title", folder.name), f"{where}: title"),
        start=monday(start),
        end=monday(end),
        sides=(sides[0], sides[1]),
        patron=patron,
        measures=measures,
        notice=notice,
        milestones=tuple(_milestone(m, where) for m in raw.get("milestones") or ()),
        events_path=_events_path(folder, raw.get("events"), where),
        folder=folder,
        pressed=pressed,
        alarm=alarm,
    )


def _name(raw: Any, folder: Path, where: str) -> str:
    """The case's name, which is its folder's; a ``name:`` that differs is refused.

    Runs, summary.json and compare's note on the cases the model was fitted to go by the name,
    so a ``name:`` left over in a copied folder would pass the copy off as the original.
    """
    own = Path(os.path.abspath(folder)).name  # a folder given as "." or "cases/x/" has a name
    if raw is not None and str(raw) != own:
        raise ScenarioError(
            f"{where}: name {raw!r} must be the folder's name, {own!r}; change it or leave it out"
        )
    return own


def _check_measure_sides(raw: object, sides: tuple[str, ...], where: str) -> None:
    """``measures`` must be a mapping of exactly the sides; a name in one only is a likely typo.

    It is checked before ``patron_presses`` and the milestones, so that a typo in ``sides``
    is blamed on ``sides`` and ``measures``, not on the first key that names the other spelling.
    """
    expected = f"{where}: measures must be given for exactly {', '.join(sides)}"
    if not isinstance(raw, dict):
        raise ScenarioError(expected)
    extra = [str(k) for k in raw if k not in sides]
    missing = [s for s in sides if s not in raw]
    if extra or missing:
        given = ", ".join(map(str, raw)) or "no actor"
        hint = (
            f" (sides names {missing[0]!r}, measures {extra[0]!r}: is one a typo?)"
            if len(extra) == len(missing) == 1
            else ""
        )
        raise ScenarioError(f"{expected}, not {given}{hint}")


def _repeated(values: list) -> list[str]:
    """The values that occur more than once in ``values``, sorted, as text."""
    return sorted({str(v) for v in values if values.count(v) > 1})


def _pressed(
    raw: object, sides: tuple[str, ...], where: str, key: str = "patron_presses"
) -> tuple[str, ...]:
    """The sides the patron presses (or, as ``key``, watches): one, a list, or absent (both)."""
    if raw is None:
        return sides
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not names:
        raise ScenarioError(f"{where}: {key} must name one or both sides, got {raw!r}")
    _refuse_unknown(names, sides, f"{where}: {key}", "a side")
    if twice := _repeated(names):  # [seoul, seoul] is likely a typo for both sides: refuse
        raise ScenarioError(
            f"{where}: {key} names {', '.join(twice)} more than once; name each side once"
        )
    return tuple(s for s in sides if s in names)


def _refuse_unknown(names: list, allowed: tuple[str, ...], key: str, what: str) -> None:
    """Refuse ``names`` that are not in ``allowed``, naming them and what to choose from."""
    unknown = [str(n) for n in names if n not in allowed]
    if unknown:
        raise ScenarioError(
            f"{key} names {', '.join(unknown)}, not {what} (choose from {', '.join(allowed)})"
        )


def _alarm(raw: object, sides: tuple[str, ...], where: str) -> PatronAlarm:
    """What alarms a reactive patron: ``{domains: [...], sides: [...]}``.

    Absent: the default, a security measure of either side.
    """
    if raw is None:
        return PatronAlarm()
    key = f"{where}: patron_alarm"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{key} must be a mapping of {', '.join(ALARM_KEYS)}, got {raw!r}")
    check_keys(raw, ALARM_KEYS, key)
    domains = raw.get("domains", ["security"])
    if not isinstance(domains, list) or not domains:
        raise ScenarioError(f"{key}.domains must list one or more of {', '.join(DOMAINS)}")
    _refuse_unknown(domains, DOMAINS, f"{key}.domains", "a domain")
    watched = _pressed(raw.get("sides"), sides, where, "patron_alarm.sides")
    return PatronAlarm(
        domains=tuple(dict.fromkeys(str(d) for d in domains)),  # the file's order, once each
        sides=() if set(watched) == set(sides) else watched,
    )


def known_scenarios() -> list[str]:
    """The names of the scenario folders the loader finds (each with a ``scenario.yaml``)."""
    return sorted(p.parent.name for p in scenarios_root().glob("*/scenario.yaml"))


def load_scenario(name: str) -> Scenario:
    """Load ``scenarios/<name>/scenario.yaml`` (or a folder path) into a `Scenario`."""
    folder = Path(name) if os.sep in name or Path(name).is_absolute() else scenarios_root() / name
    path = folder / "scenario.yaml"
    if not path.is_file():
        root = os.environ.get("ESCALATION_SCENARIOS")
        if root and folder.parent == scenarios_root() and not scenarios_root().is_dir():
            raise ScenarioError(
                f"no scenario {name!r}: ESCALATION_SCENARIOS={root} is not a folder; point it "
                "at a folder of scenario folders, or unset it for the shipped ones"
            )
        hidden = (  # a case of one's own, given by the variable, hides the shipped ones
            f"; ESCALATION_SCENARIOS={root} stands in for the shipped cases: unset it for them"
            if root and folder.parent == scenarios_root()
            else ""
        )
        raise ScenarioError(
            f"no scenario {name!r}: {path} does not exist (known scenarios: "
            f"{', '.join(known_scenarios()) or 'none'}){hidden}"
        )
    where = str(path)
    raw = read_mapping(path, "name, start, measures, ...")
    try:
        scenario = _scenario(raw, folder, where)
    except ScenarioError:
        raise
    except (KeyError, TypeError, ValueError) as problem:
        raise ScenarioError(f"{where}: missing or malformed entry ({problem})") from None
    if scenario.notice is not None:
        if scenario.notice.actor not in scenario.sides:
            raise ScenarioError(f"{where}: outcome.actor {scenario.notice.actor!r} is not a side")
        notice = scenario.notice
        _measure_index(scenario, notice.actor, notice.measure, f"{where}: outcome.measure")
    if twice := _repeated([m.id for m in scenario.milestones]):
        raise ScenarioError(
            f"{where}: milestones repeat the id {', '.join(twice)}; give each milestone its own id"
        )
    if twice := _repeated([m.label for m in scenario.milestones]):
        raise ScenarioError(
            f"{where}: milestones repeat the label {', '.join(map(repr, twice))}; reports "
            "name a milestone by its label, so give each its own"
        )
    for m in scenario.milestones:
        _check_milestone(m, scenario, where)
    return _with_initial(scenario, raw.get("initial_measures"), where)


def _with_initial(scenario: Scenario, raw: Any, where: str) -> Scenario:
    """``scenario`` with the file's ``initial_measures`` in force, errors naming the file."""
    place = f"{where}: initial_measures"
    if raw is None:
        return scenario
    shape = all(isinstance(v, str | list) for v in raw.values()) if isinstance(raw, dict) else 0
    if not shape:
        raise ScenarioError(
            f"{place} must map each side to a measure id or a list of them, got {raw!r}"
        )
    try:
        return scenario.with_initial(raw)
    except ScenarioError as problem:
        said = str(problem).removeprefix("scenario.initial_measures: ")
        raise ScenarioError(f"{place}: {said}") from None


def load_case(
    name: str, start: object = None, end: object = None, initial: dict | None = None
) -> Scenario:
    """The scenario ``name`` over ``start``..``end`` (default: its own span).

    ``initial`` (side -> measure ids) are in force at the start, on top of the scenario's own.
    """
    scenario = load_scenario(name).with_span(start, end)
    return scenario.with_initial(dict(initial or {}))
