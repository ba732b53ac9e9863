"""The run summary (``summary.json``) as typed objects, and its plain-text rendering.

`RunSummary` is what a job hands to the CLI and writes as ``summary.json``; `to_dict` and
`from_dict` are its JSON form, whose keys are documented in results/README.md and stay stable
(``schema`` counts incompatible changes). `format_summary` renders it for the terminal; the
scenario's own words (the agreement a notice threatens, e.g. "GSOMIA") come from the summary,
never from this module.
"""

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sim.core.metrics import wilson_interval
from sim.reports.labels import patron_label, pressed_alone, runs_caption
from sim.reports.text import share

SCHEMA = 3  # 1: before identities, notice labels and blocks; 2: before fits were recorded


@dataclass(frozen=True)
class SimulatedOutcomes:
    """The simulated distribution: outcome shares and the medians a reader wants first."""

    outcome_shares: dict[str, float]
    median_first_retaliation_week: dict[str, float | None]
    share_never_retaliating: dict[str, float]
    share_noticed: float
    share_terminated: float
    median_peak_tension: float
    # the same runs followed until every notice running at the end was lifted or lapsed
    # (`run.follow`; None when not followed, and in summaries written before it existed)
    outcome_shares_settled: dict[str, float] | None = None


@dataclass(frozen=True)
class RealOutcomes:
    """The same quantities on the real sequence (from the scenario's events file)."""

    outcome: str
    first_retaliation_week: dict[str, int | None]
    noticed: bool
    terminated: bool
    peak_tension: float
    milestones: dict[str, int | None]


@dataclass(frozen=True)
class RunIdentity:
    """Short SHA-256 digests of everything that changes a run's numbers.

    ``cell`` digests the others: two runs with the same ``cell`` have the same numbers.
    """

    cell: str
    config: str
    scenario: str
    events: str
    code: str
    version: str

    def differences(self, other: "RunIdentity") -> list[str]:
        """What differs from ``other``, in words (empty when the runs are the same)."""
        names = {
            "config": "the configuration",
            "scenario": "the scenario's files",
            "events": "the events file",
            "code": "the model's code",
            "version": "the package version",
        }
        return [text for key, text in names.items() if getattr(self, key) != getattr(other, key)]


@dataclass
class RunSummary:
    """What one job made: provenance, the simulated distribution, the real values, files."""

    scenario: str
    start: str
    weeks: int
    replications: int
    seed: int
    version: str
    config_hash: str
    identity: RunIdentity
    rules: dict[str, str]
    fit: str
    parameters: str
    us_policy: str
    us_pressure: float
    notice_label: str | None
    simulated: SimulatedOutcomes
    real: RealOutcomes | None
    blocks: int = 1
    timings_s: dict[str, float] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    patron_presses: list[str] = field(default_factory=list)  # empty: both sides
    patron: str = "washington"  # the case's patron (summaries written before it held none)
    # what alarms a reactive patron (the case's patron_alarm): its domains, and its sides (empty:
    # both); summaries written before it held none, and their cases' patrons watched security
    patron_alarm: dict[str, list[str]] = field(
        default_factory=lambda: {"domains": ["security"], "sides": []}
    )

    def caption(self) -> str:
        """The runs in one line, under the fan's title: a sweep's cells differ by it."""
        fitted = self.fit != "none" and self.parameters != "hand-set"
        source = f"the fit {self.fit} ({self.parameters})" if fitted else self.parameters
        return runs_caption(
            self.replications,
            self.rules,
            self.us_policy,
            self.us_pressure,
            source,
            self.seed,
            self.patron,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``summary.json``), ``schema`` first."""
        return {"schema": SCHEMA, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Any) -> "RunSummary":
        """Read the JSON form back; raise `ValueError` saying what is missing or malformed."""
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            found = data.get("schema") if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"not a run summary of schema {SCHEMA} (found {found!r})")
        try:
            fields = {k: v for k, v in data.items() if k != "schema"}
            fields["identity"] = RunIdentity(**fields["identity"])
            fields["simulated"] = SimulatedOutcomes(**fields["simulated"])
            if fields["real"] is not None:
                fields["real"] = RealOutcomes(**fields["real"])
            summary = cls(**fields)
        except (KeyError, TypeError) as problem:
            raise ValueError(f"missing or malformed entry ({problem})") from None
        _check_types(summary)
        return summary


def _check_types(summary: RunSummary) -> None:
    """Raise `ValueError` when a number of the summary is not a number."""
    for name in ("weeks", "replications", "seed", "blocks"):
        value = getattr(summary, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} is {value!r}, not a count")
    sizes = summary.files
    if not isinstance(sizes, dict) or not all(isinstance(v, int) for v in sizes.values()):
        raise ValueError("files must map each file's name to its size in bytes")


def _fmt(value: object) -> str:
    if value is None:
        return "never"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.3g}"
    return str(value)


def summary_rows(summary: RunSummary) -> list[tuple[str, str, str]]:
    """The table's rows: (what, simulated, real), the header first.

    A case without an outcome rule (nothing is put on notice) has no outcome rows.
    """
    if summary.notice_label is None:
        header = ("(no outcome rule: nothing is put on notice)", "simulated", "real")
        return [header, *_retaliation_rows(summary), _peak_row(summary)]
    return [
        ("outcome", "simulated share [95% interval]", "real"),
        *_outcome_rows(summary),
        *_retaliation_rows(summary),
        *_notice_rows(summary),
        _peak_row(summary),
    ]


def _outcome_rows(summary: RunSummary) -> list[tuple[str, str, str]]:
    """Each outcome's share, then (when runs were pending) the shares once settled."""
    sim, real = summary.simulated, summary.real
    actual = real.outcome if real is not None else None
    n = summary.replications
    rows = [
        (f"  {o}", _with_interval(share, n), "<- real" if o == actual else "")
        for o, share in sim.outcome_shares.items()
    ]
    if sim.outcome_shares_settled is not None and sim.outcome_shares.get("pending", 0.0) > 0:
        rows.append(("outcome, pending runs followed until settled", "", ""))
        rows += [
            (f"  {o}", _with_interval(share, n), "<- real" if o == actual else "")
            for o, share in sim.outcome_shares_settled.items()
            if o != "pending"
        ]
    return rows


def _with_interval(p: float, n: int) -> str:
    """A share of ``n`` runs with its 95% Wilson interval (the runs' own uncertainty)."""
    low, high = wilson_interval(round(p * n), n)
    return f"{p:.1%} [{float(low):.1%}, {float(high):.1%}]"


def _retaliation_rows(summary: RunSummary) -> list[tuple[str, str, str]]:
    """Each side's median week of first retaliation, among the runs where it retaliates.

    The share of runs where it never does is said beside it: a median of week 30 read as
    typical when 77% of the runs never retaliated.
    """
    sim, real = summary.simulated, summary.real
    never = sim.share_never_retaliating
    return [
        (
            f"median week of {ally}'s first retaliation",
            _fmt(week) + (f"; {share(never[ally])} never" if never.get(ally) else ""),
            _fmt(real.first_retaliation_week.get(ally)) if real else "",
        )
        for ally, week in sim.median_first_retaliation_week.items()
    ]


def _notice_rows(summary: RunSummary) -> list[tuple[str, str, str]]:
    """How often the agreement was put on notice, and terminated."""
    sim, real, label = summary.simulated, summary.real, summary.notice_label
    n = summary.replications
    return [
        (
            f"{label} put on notice",
            _with_interval(sim.share_noticed, n),
            _fmt(real.noticed) if real else "",
        ),
        (
            f"{label} terminated",
            _with_interval(sim.share_terminated, n),
            _fmt(real.terminated) if real else "",
        ),
    ]


def _peak_row(summary: RunSummary) -> tuple[str, str, str]:
    """The median peak tension beside the real one."""
    real = summary.real
    return (
        "median peak tension",
        _tension(summary.simulated.median_peak_tension),
        _tension(real.peak_tension) if real else "",
    )


def _tension(value: float | None) -> str:
    """A tension in [0, 1] to three decimals, so that 1 reads 1.000 beside 0.824."""
    if value is None or math.isnan(value):
        return _fmt(value)
    return f"{value:.3f}"


def _pressing(summary: RunSummary) -> str:
    """Whom the patron presses, when it is not both sides (the case's ``patron_presses``)."""
    alone = pressed_alone(summary.patron_presses, summary.rules)
    return f", pressing {alone}" if alone else ""


def format_summary(summary: RunSummary, folder: Path | None = None) -> str:
    """A short plain-text table: the simulated distribution beside the real values."""
    rows = summary_rows(summary)
    width = max(len(r[0]) for r in rows)
    rules = "/".join(f"{side} {rule}" for side, rule in summary.rules.items())
    lines = [
        f"{summary.scenario}: {summary.replications} replications x {summary.weeks} weeks"
        f" from {summary.start} (seed {summary.seed}, rules {rules}, "
        f"{patron_label(summary.patron)} {summary.us_policy}"
        f"{_pressing(summary)})",
        f"parameters: {summary.parameters} (fit {summary.fit})",
    ]
    middle = max(15, *(len(r[1]) for r in rows))
    lines += [f"{a:<{width}}  {b:>{middle}}  {c}".rstrip() for a, b, c in rows]
    if folder is not None:
        lines.append(f"results: {folder}")
    return "\n".join(lines)
