"""A scenario's classroom material: ready-made events, debrief prompts, Washington's score.

It lives beside the scenario in ``scenarios/<name>/classroom.yaml`` (scenario facts stay out of
the code), with the role briefs in ``briefs/<role>.md``. A scenario without the file gets no
ready-made events, no prompts beyond the general ones, and the default pressure cost.
"""

import functools
from dataclasses import dataclass
from pathlib import Path

from sim.core.errors import ScenarioError
from sim.core.folders import scenarios_root
from sim.core.metrics import OUTCOMES
from sim.core.moves import ACTORS, ALLIES
from sim.core.scenario import Scenario
from sim.core.yaml_files import check_keys, read_mapping

FILE = "classroom.yaml"
#: The keys classroom.yaml may hold (scenarios/README.md).
KEYS = ("injections", "washington_score", "prompts")
DIRECTIONS = ("escalate", "deescalate")
#: The discussion prompts of a case without a classroom.yaml: about any game and any case.
GENERAL_PROMPTS = {
    "all": [
        "Find the first week your line leaves the model's 90% band, if it does. What did your "
        "side do that week, and why?",
        "Where is the real line above yours, and where below? What happened in your game in "
        "those weeks?",
    ]
}
#: Washington's weekly pressure cost when a scenario sets none (docs/model.md).
PRESSURE_COST = 0.25


@dataclass(frozen=True)
class ScenarioEvent:
    """An event the instructor can inject: it moves one ally's measures up or down.

    ``measure`` names the measure it brings in or lifts, when its text names one; without it
    the side takes its next step.
    """

    text: str
    actor: str
    direction: str
    measure: str | None = None


@dataclass(frozen=True)
class Prompt:
    """A discussion prompt, asked only after the games its conditions name, when set.

    ``outcomes``: the game ended in one of them; ``measures`` (``side.measure_id``): one of
    them was in force in some week. So a prompt about the notice a side gave is not put to a
    side that never gave it, nor one about export controls to a Tokyo that never enacted them.
    """

    text: str
    outcomes: frozenset[str] | None = None
    measures: frozenset[str] | None = None

    def asked_after(self, outcome: str | None, taken: frozenset[str] | None = None) -> bool:
        """Whether the prompt is asked after a game with ``outcome`` and ``taken`` in force.

        None for either is not known, so not a reason to leave the prompt out.
        """
        if self.outcomes is not None and outcome is not None and outcome not in self.outcomes:
            return False
        return self.measures is None or taken is None or bool(self.measures & taken)


@dataclass(frozen=True)
class Materials:
    """What a scenario gives the classroom besides its model data."""

    injections: tuple[ScenarioEvent, ...]
    prompts: dict[str, tuple[Prompt, ...]]
    pressure_cost: float
    briefs: dict[str, str]

    def prompts_for(
        self,
        role: str | None,
        injected: bool = False,
        outcome: str | None = None,
        taken: frozenset[str] | None = None,
    ) -> tuple[str, ...]:
        """The discussion prompts for ``role`` after a game that ended in ``outcome``.

        The general ones (the class's, ``class``, when ``role`` is None and the file has
        them), then those about injected events when the game had any, then the role's own; a
        prompt kept for some outcomes or measures (``taken``: ``side.id`` of each measure in
        force in some week) is left out after the others.
        """
        general = self.prompts.get("all", ())
        if role is None:
            general = self.prompts.get("class", general)
        about_injections = self.prompts.get("injected", ()) if injected else ()
        asked = general + about_injections + self.prompts.get(role or "", ())
        return tuple(p.text for p in asked if p.asked_after(outcome, taken))


def _prompt(raw: object, where: str) -> Prompt:
    """A prompt: its text, or a mapping ``{text: ..., outcomes: [...], measures: [...]}``."""
    if isinstance(raw, str):
        return Prompt(raw)
    keys = set(raw) if isinstance(raw, dict) else set()
    if "text" not in keys or not keys - {"text"} or keys - {"text", "outcomes", "measures"}:
        raise ScenarioError(
            f"{where}: a prompt is a text, or a mapping with text and outcomes or measures"
        )
    outcomes = _names(raw.get("outcomes"))
    if outcomes is not None and (unknown := sorted(outcomes - set(OUTCOMES))):
        known = ", ".join(OUTCOMES)
        raise ScenarioError(
            f"{where}: prompt {raw['text']!r}: unknown outcomes {unknown}; use {known}"
        )
    return Prompt(str(raw["text"]), outcomes, _names(raw.get("measures")))


def _names(value: object) -> frozenset[str] | None:
    """A list (or one name) from a prompt's mapping as a set; None when not given."""
    if value is None:
        return None
    return frozenset(map(str, value if isinstance(value, list) else [value]))


def _event(raw: object, sides: tuple[str, ...], where: str) -> ScenarioEvent:
    """An injection: text, actor (a side of the case), direction and an optional measure."""
    keys = {"text", "actor", "direction"}
    if not isinstance(raw, dict) or not keys <= set(raw) <= keys | {"measure"}:
        raise ScenarioError(
            f"{where}: an injection needs text, actor and direction (and may name a measure)"
        )
    if raw["actor"] not in sides:
        raise ScenarioError(f"{where}: injection actor {raw['actor']!r}: use {' or '.join(sides)}")
    if raw["direction"] not in DIRECTIONS:
        raise ScenarioError(
            f"{where}: injection direction {raw['direction']!r}: use {' or '.join(DIRECTIONS)}"
        )
    measure = raw.get("measure")
    return ScenarioEvent(
        str(raw["text"]), raw["actor"], raw["direction"], None if measure is None else str(measure)
    )


def _injections(raw: object, sides: tuple[str, ...], where: str) -> tuple[ScenarioEvent, ...]:
    """The ``injections`` list (absent or null: none)."""
    if raw is not None and not isinstance(raw, list):
        raise ScenarioError(f"{where}: injections must be a list of events, not {raw!r}")
    return tuple(_event(e, sides, where) for e in raw or ())


def _prompts(raw: object, roles: tuple[str, ...], where: str) -> dict[str, tuple[Prompt, ...]]:
    """``prompts``: a mapping of ``all``, ``class``, ``injected`` and the roles to lists."""
    keys = ", ".join(("all", "class", "injected", *roles))
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ScenarioError(
            f"{where}: prompts must be a mapping of {keys} to lists of prompts, "
            f"not a {type(raw).__name__}"
        )
    if unknown := sorted(str(k) for k in raw if k not in ("all", "class", "injected", *roles)):
        raise ScenarioError(f"{where}: prompts for unknown roles {unknown}; the keys are {keys}")
    for role, entries in raw.items():
        if entries is not None and not isinstance(entries, list):
            raise ScenarioError(f"{where}: prompts.{role} must be a list of prompts")
    return {role: tuple(_prompt(p, where) for p in entries or ()) for role, entries in raw.items()}


def _pressure_cost(raw: object, where: str) -> float:
    """``washington_score.pressure_cost``: a number in [0, 1] (default `PRESSURE_COST`)."""
    if raw is None:
        return PRESSURE_COST
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: washington_score must be a mapping with pressure_cost")
    check_keys(raw, ("pressure_cost",), f"{where}: washington_score")
    cost = raw.get("pressure_cost", PRESSURE_COST)
    if isinstance(cost, bool) or not isinstance(cost, int | float) or not 0.0 <= cost <= 1.0:
        raise ScenarioError(
            f"{where}: washington_score.pressure_cost {cost!r} must be a number in [0, 1]"
        )
    return float(cost)


def _check_measures(events: tuple[ScenarioEvent, ...], case: Scenario | None, where: str) -> None:
    """Each measure an event names is one of its side's, and liftable if it is lifted."""
    if case is None:
        return
    for event in (e for e in events if e.measure is not None):
        repertoire = case.measures[event.actor]  # `_event` checked that the actor is a side
        try:
            k = repertoire.index(str(event.measure))
        except ScenarioError as problem:
            raise ScenarioError(f"{where}: injection {event.text!r}: {problem}") from None
        if event.direction == "deescalate" and not repertoire.measures[k].reversible:
            raise ScenarioError(
                f"{where}: injection {event.text!r} lifts {event.measure}, which cannot be lifted"
            )


def _check_prompt_measures(
    prompts: dict[str, tuple[Prompt, ...]], case: Scenario | None, where: str
) -> None:
    """Each measure a prompt is kept for is ``side.id`` of one of the case's measures."""
    if case is None:
        return
    named = sorted({m for asked in prompts.values() for p in asked for m in p.measures or ()})
    measures = case.measures
    for name in named:
        side, _, measure = name.partition(".")
        if side not in measures or measure not in measures[side].ids:
            first = case.sides[0]
            raise ScenarioError(
                f"{where}: a prompt is kept for {name!r}, which is no measure of the case: "
                f"name it side.id, e.g. {first}.{measures[first].ids[0]}"
            )


def _case(folder: Path) -> Scenario | None:
    """The scenario of the folder, whose sides, patron and measures the file names; or None."""
    if not (folder / "scenario.yaml").is_file():
        return None
    from sim.core.scenario_yaml import load_scenario

    return load_scenario(str(folder.absolute()))


def _briefs(folder: Path, roles: tuple[str, ...]) -> dict[str, str]:
    """The role briefs, ``briefs/ROLE.md``; a file named for no role of the case is refused.

    (One named for another case's role, briefs/tokyo.md in a case of Seoul and Beijing, was
    left unread without a word, and its role's players got no brief.)
    """
    stray = sorted(
        p.name
        for p in (folder / "briefs").glob("*.md")
        if p.stem not in roles and p.stem.lower() != "readme"  # notes on the briefs may stay
    )
    if stray:
        raise ScenarioError(
            f"{folder / 'briefs'}: {', '.join(stray)} names no role of this case; a brief is "
            f"ROLE.md, for {', '.join(roles)}"
        )
    briefs = {}
    for role in roles:
        path = folder / "briefs" / f"{role}.md"
        if path.is_file():
            briefs[role] = path.read_text()
    return briefs


@functools.cache
def load_materials(folder: Path | str) -> Materials:
    """Read ``classroom.yaml`` and the briefs of a scenario folder (or a scenario's name).

    The roles the file names are the case's own: its two sides (injections and prompts) and
    its patron (prompts); a folder without a scenario.yaml has the 2019 roles.
    """
    folder = Path(folder)
    if not folder.is_dir():
        folder = scenarios_root() / str(folder)
    path = folder / FILE
    raw = read_mapping(path, ", ".join(KEYS)) if path.is_file() else {"prompts": GENERAL_PROMPTS}
    where = str(path)
    check_keys(raw, KEYS, f"{where}: the top level")
    case = _case(folder)
    sides, patron = (case.sides, case.patron) if case else (ALLIES, ACTORS[-1])
    injections = _injections(raw.get("injections"), sides, where)
    _check_measures(injections, case, where)
    asked = _prompts(raw.get("prompts"), (*sides, patron), where)
    _check_prompt_measures(asked, case, where)
    return Materials(
        injections=injections,
        prompts=asked,
        pressure_cost=_pressure_cost(raw.get("washington_score"), where),
        briefs=_briefs(folder, (*sides, patron)),
    )
