"""A real case to compare or fit: the scenario over the compared span and its real path."""

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sim.analysis.likelihood import Episode
from sim.core.errors import ConfigError, EventsFileError
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import MAX_WEEKS, CompareJobConfig
from sim.experiment.factory import in_force_before, out_of_order, read_events
from sim.history import Event, RealPath, encode
from sim.history.event_ids import event_id_warnings


@dataclass(frozen=True)
class Case:
    """A real case on the weekly grid: the scenario over the compared span and its real path."""

    scenario: Scenario
    real: RealPath
    events_path: Path
    events: list[Event]
    left_out: int  # events outside the compared span

    @property
    def weeks(self) -> int:
        """Number of weeks compared."""
        return self.scenario.weeks

    def holds_events_of(self, path: Path) -> bool:
        """Whether the events compared are the file at ``path``'s (the file a fit was made on).

        The same text, a byte-order mark and line endings aside.
        """
        return path.is_file() and _text(path) == _text(self.events_path)

    def episode(self, weeks: int | None = None) -> Episode:
        """The case as an episode to fit or score (its first ``weeks`` weeks, default all)."""
        return Episode(self.scenario, self.real, weeks)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").strip()


def load_case_events(
    name: str,
    events: str | Path | None = None,
    start: str | None = None,
    end: str | None = None,
    initial: dict | None = None,
    role: str = "compared",
) -> Case:
    """Load a scenario and an events file and put the events on the compared span.

    The span is the events file's own (week of its first event to week of its last) unless
    ``start`` or ``end`` is set; the state at the start is the scenario's, with ``initial``
    (side -> measure ids) on top. Raises `EventsFileError` when no event of a side falls in
    the span; warns (`UserWarning`) about move ids the measures and the file do not share.
    ``role`` names the span in those messages: "compared", or "training" for the file that
    fits compare's baselines.
    """
    scenario = load_scenario(name).with_initial(dict(initial or {}))
    path = Path(events) if events else scenario.events_path
    if path is None:
        raise EventsFileError(
            f"scenario {scenario.name!r} names no events file; give one with events=PATH"
        )
    loaded = read_events(path, scenario.actors)
    first, last = loaded[0].date, loaded[-1].date
    declared = scenario
    scenario = scenario.with_span(start or first.isoformat(), end or last.isoformat())
    check_span_length(declared, scenario, loaded, path, role)
    if start is None and end is None:
        for message in past_declared_span(declared, scenario, loaded, path, role):
            warnings.warn(message, UserWarning, stacklevel=2)
    inside = [e for e in loaded if 0 <= scenario.week_of(e.date) < scenario.weeks]
    span = f"the {role} span ({scenario.start} to the week of {scenario.end})"
    if not inside:
        raise EventsFileError(
            f"{path}: no event falls in {span}; its events run from "
            f"{first} to {last}: set scenario.start and scenario.end to cover them, or leave "
            "both unset"
        )
    if not any(e.actor in scenario.sides for e in inside):
        raise EventsFileError(
            f"{path}: no move of {' or '.join(scenario.sides)} falls in {span}; there is "
            "nothing to score"
        )
    # Warned only once the file is usable, so that an error is the one line the user sees.
    for message in [*event_id_warnings(scenario, loaded, str(path)), *out_of_order(scenario)]:
        warnings.warn(message, UserWarning, stacklevel=2)
    for message in in_force_before(scenario, loaded) if start else []:
        warnings.warn(message, UserWarning, stacklevel=2)
    return Case(scenario, encode(loaded, scenario), path, loaded, len(loaded) - len(inside))


def build_case(config: CompareJobConfig, events: str | None = None) -> Case:
    """The case a compare or calibrate config names (``events`` overrides its events file).

    Raises `ConfigError` when ``run.weeks`` is set: the span decides the weeks.
    """
    if config.run.weeks is not None:
        raise ConfigError(
            f"run.weeks={config.run.weeks} does not apply to a comparison: the events file (or "
            "scenario.start and scenario.end) sets the compared weeks"
        )
    s = config.scenario
    return load_case_events(
        s.name, events or config.events, s.start, s.end, dict(s.initial_measures)
    )


def check_span_length(
    declared: Scenario, compared: Scenario, events: list[Event], path: Path, role: str
) -> None:
    """Raise `EventsFileError` when the span reaches past what a run may span (`MAX_WEEKS`).

    A year mistyped by a century (2219 for 2019) made a comparison of 10,000 weeks that ran
    for minutes without a word, and a larger one overflowed the week counters.
    """
    if compared.weeks <= MAX_WEEKS:
        return
    early, late = events[0], events[-1]
    past_end = (late.date - declared.end).days
    before_start = (declared.start - early.date).days
    row = late if past_end >= before_start else early
    raise EventsFileError(
        f"{path}, line {row.line}: the event dated {row.date} makes the {role} span "
        f"{compared.weeks} weeks from {compared.start}; a span may be at most "
        f"{MAX_WEEKS} weeks: correct the date, or set scenario.start and scenario.end"
    )


def past_declared_span(
    declared: Scenario, compared: Scenario, events: list[Event], path: Path, role: str
) -> Iterator[str]:
    """A message when the file's own span, the one used, reaches past scenario.yaml's.

    A mistyped year (2021 for 2019) stretched the comparison over months without events and
    scored them as real quiet weeks; `escalation run` warns of the same rows and ignores them.
    """
    outside = [e for e in events if not 0 <= declared.week_of(e.date) < declared.weeks]
    if outside:
        yield (
            f"{path}, line {outside[0].line}: {len(outside)} event(s) dated outside the span of "
            f"scenario.yaml ({declared.start} to {declared.end}), the first {outside[0].date}, "
            f"so the {role} span is the file's own, {compared.weeks} weeks from "
            f"{compared.start}; correct the dates, or set scenario.start and scenario.end"
        )
