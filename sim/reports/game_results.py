"""Typed results of a game, passed from `sim.play.game` to the pages, renderers and files.

Each is a frozen dataclass; `to_json` gives the documented JSON form (docs/classroom.md,
"Files and their schema"), so the keys that users and scripts read stay put.
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any

#: Version of the JSON written from these results; bump it when a key changes meaning.
SCHEMA_VERSION = 2


def to_json(result: Any) -> dict:
    """A result as plain JSON-ready data (dataclasses become dicts, tuples lists)."""
    return _plain(dataclasses.asdict(result))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class WeekReport:
    """What happened in one week, as named moves (``moves``) and sentences (``described``)."""

    week: int
    date: str
    moves: dict[str, str]
    described: dict[str, str]
    tension: float
    pressure: float
    injected: list[str] = field(default_factory=list)
    payoffs: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class MovePreview:
    """What one move would pay this week, by term, if the other ally holds.

    ``terms`` are the payoff equation's terms (docs/model.md): ``stage`` game, domestic
    ``audience``, ``economic`` interdependence, ``security`` cost and US ``pressure``; they add
    up to ``total``. ``low`` and ``high`` are the payoff over the other ally's three moves.
    """

    move: str
    described: str
    terms: dict[str, float]
    total: float
    low: float
    high: float


@dataclass(frozen=True)
class NoticeClock:
    """A notice that is running: who gave it, in which week, and the weeks until it lapses.

    ``ended_week``: the week the notice lapsed and the agreement ended (``weeks_left`` is then
    0), or None while it runs.
    """

    actor: str
    label: str
    given_week: int
    weeks_left: int
    ended_week: int | None = None


@dataclass(frozen=True)
class Briefing:
    """What a role knows at the start of a week, ready to print or render."""

    role: str
    week: int
    weeks: int
    date: str
    last_week: dict[str, str]
    injected: list[str]
    tension: float
    pressure: float
    in_force: dict[str, list[str]]
    payoff: float | None
    last_payoff: float | None
    options: dict[str, str]
    previews: list[MovePreview]
    moved: bool
    finished: bool
    notice: NoticeClock | None
    chosen: str | None = None  # the move the role's team sent this week, once it has moved


@dataclass(frozen=True)
class Injection:
    """An event the instructor injected: in which week, on whose measures, which way, and why."""

    week: int
    actor: str
    direction: str
    text: str


@dataclass(frozen=True)
class Debrief:
    """A game beside 2019 and beside the model's runs over the same weeks and settings.

    Arrays are lists of one value per week played; ``model_fan`` is one row per week of the
    tension quantiles (5, 25, 50, 75, 95%) across ``replications`` model runs of exactly
    ``weeks_played`` weeks. Scores: Seoul's and Tokyo's are their summed payoffs; Washington's
    is its score (docs/model.md).
    """

    weeks_played: int
    replications: int
    humans: list[str]
    seed: int
    outcome: str
    outcome_share_in_model: float
    model_outcome_shares: dict[str, float]
    real_outcome: str | None
    real_outcome_by_end: str | None
    peak_tension: float
    peak_tension_percentile: float
    payoffs: dict[str, float]
    model_median_payoffs: dict[str, float]
    payoff_percentiles: dict[str, float]
    tension: list[float]
    real_tension: list[float] | None
    model_fan: list[list[float]]
    dates: list[str]
    injections: list[Injection]
    peak_tension_ties: float = 0.0
    schema: int = SCHEMA_VERSION
