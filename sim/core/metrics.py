"""Outcomes and metrics per replication, tracked week by week as the model runs.

Everything here is online (updated once a week from the agents' state), so the per-replication
table exists whether or not the per-week trajectories are kept.
"""

from typing import Any

import numpy as np
import pandas as pd

from sim.core.moves import PRESS_THRESHOLD, Act, Move
from sim.core.scenario import NoticeRule

#: Outcome classes of a case with a notice rule; ``pending`` (the notice still running at the
#: end) is censored: it would end either way after the span.
OUTCOMES = ("never_noticed", "noticed_then_kept", "terminated", "pending")
PRESSURE_WINDOW = 4  # weeks over which Washington's pressure is averaged to find its peak
Z95 = 1.959963984540054


def wilson_interval(successes: Any, trials: Any, z: float = Z95) -> tuple[Any, Any]:
    """Wilson score interval for binomial proportions (Wilson 1927), elementwise."""
    successes = np.asarray(successes, dtype=float)
    trials = np.asarray(trials, dtype=float)
    p = successes / trials
    denominator = 1 + z**2 / trials
    centre = (p + z**2 / (2 * trials)) / denominator
    half = z / denominator * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2))
    return centre - half, centre + half


class PressureWindow:
    """Washington's pressure averaged over the last `PRESSURE_WINDOW` weeks (fewer at first).

    The one formula behind the peak-pressure milestone: `Tracker` pushes each simulated week
    into one, `pressure_window_mean` pushes a whole real path, so real and simulated peaks are
    found the same way.
    """

    def __init__(self, replications: int) -> None:
        self.recent = np.zeros((PRESSURE_WINDOW, replications))
        self.weeks = 0

    def push(self, pressure: np.ndarray) -> np.ndarray:
        """Add one week's pressure (R,) and return the window's mean (R,)."""
        self.recent[self.weeks % PRESSURE_WINDOW] = pressure
        self.weeks += 1
        return self.recent.sum(axis=0) / min(self.weeks, PRESSURE_WINDOW)


class PressurePeak:
    """The week the patron's windowed pressure first reaches its highest level, per replication.

    Only pressing counts: a peak whose window mean stays below `PRESS_THRESHOLD` (a constant
    low baseline, say) is no peak, and its week is -1.
    """

    def __init__(self, replications: int) -> None:
        self.window = PressureWindow(replications)
        self.level = np.full(replications, -1.0)
        self.first = np.full(replications, -1, dtype=np.int16)

    def push(self, week: int, pressure: np.ndarray) -> None:
        """Fold in one week's pressure (R,)."""
        mean = self.window.push(pressure)
        rising = mean > self.level + 1e-12
        self.level = np.where(rising, mean, self.level)
        self.first = np.where(rising, week, self.first).astype(np.int16)

    @property
    def week(self) -> np.ndarray:
        """The peak's week, -1 where the patron never pressed."""
        return np.where(self.level >= PRESS_THRESHOLD - 1e-12, self.first, -1).astype(np.int16)


def peak_pressure_week(pressure: np.ndarray) -> int | None:
    """The peak-pressure week of one real pressure path (weeks,), or None if it never pressed."""
    peak = PressurePeak(1)
    for week, level in enumerate(pressure):
        peak.push(week, np.array([level]))
    return None if peak.week[0] < 0 else int(peak.week[0])


def outcome_shares(outcomes: pd.Series) -> dict[str, float]:
    """Share of each outcome class (`OUTCOMES` order, zeros included) among replications."""
    counts = pd.Series(outcomes).astype(str).value_counts()
    total = max(len(outcomes), 1)
    return {o: float(counts.get(o, 0)) / total for o in OUTCOMES}


def midrank_percentile(values: np.ndarray, x: float) -> float:
    """Where ``x`` falls among ``values``: the share below it plus half the share equal to it."""
    values = np.asarray(values, dtype=float)
    return float(((values < x).sum() + 0.5 * (values == x).sum()) / values.size)


_NEVER, _KEPT, _TERMINATED, _PENDING = range(4)  # codes are indices into OUTCOMES


class NoticeTracker:
    """The agreement a notice measure threatens (GSOMIA), per replication.

    Enacting the notice measure puts the agreement on notice; lifting it withdraws the notice;
    keeping it in force for ``lapse_weeks`` weeks after the week of notice terminates the
    agreement for good. A run that ends with a notice still running is ``pending``. A case
    without a notice rule (``rule`` None) stays ``never_noticed``.
    """

    def __init__(self, replications: int, rule: NoticeRule | None) -> None:
        self.lapse_weeks = rule.lapse_weeks if rule is not None else 0
        self.status = np.full(replications, _NEVER, dtype=np.int8)
        self.age = np.zeros(replications, dtype=np.int16)
        self.notice_week = np.full(replications, -1, dtype=np.int16)  # the first notice's
        self.given_week = np.full(replications, -1, dtype=np.int16)  # the latest notice's
        self.withdrawal_week = np.full(replications, -1, dtype=np.int16)
        self.termination_week = np.full(replications, -1, dtype=np.int16)
        self.settled: np.ndarray | None = None  # from `end_span` on: outcomes, no censoring

    def update(self, week: int, on_notice: np.ndarray) -> None:
        """Advance every replication's notice state, given whether the notice is in force."""
        running = self.status == _PENDING
        new = on_notice & ((self.status == _NEVER) | (self.status == _KEPT))
        withdrawn = running & ~on_notice
        held = running & on_notice
        self.age = np.where(held, self.age + 1, np.where(new, 0, self.age)).astype(np.int16)
        lapsed = held & (self.age >= self.lapse_weeks)
        self.status[new] = _PENDING
        self.status[withdrawn] = _KEPT
        self.status[lapsed] = _TERMINATED
        self.notice_week[new & (self.notice_week < 0)] = week
        self.given_week[new] = week
        self.withdrawal_week[withdrawn & (self.withdrawal_week < 0)] = week
        self.termination_week[lapsed] = week

    def withdraw_lifted(self, week: int, on_notice: np.ndarray) -> None:
        """A running notice lifted within ``week`` by an event is withdrawn now.

        `update` sees the notice only at the week's end: a notice an instructor's event lifts
        and the side's move gives again the same week would read as one notice running on,
        its clock not restarted, and the withdrawal lost.
        """
        withdrawn = (self.status == _PENDING) & ~on_notice
        self.status[withdrawn] = _KEPT
        self.withdrawal_week[withdrawn & (self.withdrawal_week < 0)] = week

    def outcome_codes(self) -> np.ndarray:
        """Index into `OUTCOMES` per replication."""
        return self.status.copy()

    def follow(self, on_notice: np.ndarray) -> np.ndarray:
        """One week after the span: settle the notices still running at its end.

        The first call (or `end_span`) freezes the span's outcomes into ``settled``; each call
        then turns a replication still ``pending`` into ``noticed_then_kept`` if its notice is
        no longer in force, or ``terminated`` once the notice has been in force for
        ``lapse_weeks`` weeks. Nothing else changes: a notice given after the span is outside
        the question, so a run never noticed, or kept, by the end keeps its class. Returns which
        replications are still pending.
        """
        if self.settled is None:
            self.end_span()
        assert self.settled is not None
        running = self.settled == _PENDING
        self.age = np.where(running & on_notice, self.age + 1, self.age).astype(np.int16)
        self.settled[running & ~on_notice] = _KEPT
        self.settled[running & on_notice & (self.age >= self.lapse_weeks)] = _TERMINATED
        return self.settled == _PENDING

    def end_span(self) -> None:
        """Start following: the span's outcomes become ``settled``, to be resolved by `follow`."""
        self.settled = self.status.copy()

    def settled_codes(self) -> np.ndarray:
        """Index into `OUTCOMES` per replication once followed; the span's outcomes before."""
        return (self.status if self.settled is None else self.settled).copy()


def replay_notice(on_notice: np.ndarray, rule: NoticeRule | None) -> NoticeTracker:
    """A `NoticeTracker` fed a whole path: ``on_notice`` is (weeks,) or (weeks, R) booleans.

    The one replay of a notice path: the real sequence (`sim.history`) and a debrief cut
    short (`sim.play`) both find their outcome class with it.
    """
    path = np.asarray(on_notice, dtype=bool)
    path = path[:, None] if path.ndim == 1 else path
    tracker = NoticeTracker(path.shape[1], rule)
    for week, state in enumerate(path):
        tracker.update(week, state)
    return tracker


class Tracker:
    """Online metrics: peaks, first moves, counts, payoffs, milestone weeks."""

    def __init__(self, model) -> None:
        n = model.replications
        sides = list(model.capitals)
        self.peak_tension = np.full(n, -1.0)
        self.weeks_at_peak = np.zeros(n, dtype=np.int16)
        self.first_retaliation = {a: np.full(n, -1, dtype=np.int16) for a in sides}
        self.retaliations = {a: np.zeros(n, dtype=np.int16) for a in sides}
        self.cooperations = {a: np.zeros(n, dtype=np.int16) for a in sides}
        self.enactments = {a: np.zeros(n, dtype=np.int16) for a in sides}
        self.liftings = {a: np.zeros(n, dtype=np.int16) for a in sides}
        self.reached = {
            a: np.full((n, c.repertoire.size), -1, dtype=np.int16)
            for a, c in model.capitals.items()
        }
        self.pressure = PressurePeak(n)
        # each side's (total payoff, measures in force) at the span's end, kept by `freeze`
        # when the model plays on past it (`follow_notices`)
        self.span_end: dict[str, tuple[np.ndarray, np.ndarray]] | None = None

    def freeze(self, model) -> None:
        """Keep each side's total payoff and measures as they are at the end of the span."""
        self.span_end = {
            a: (side.total_payoff.copy(), side.mask.copy()) for a, side in model.capitals.items()
        }

    def final(self, model, side: str) -> tuple[np.ndarray, np.ndarray]:
        """A side's total payoff and measures in force at the end of the span."""
        if self.span_end is not None:
            return self.span_end[side]
        return model.capitals[side].total_payoff, model.capitals[side].mask

    def update(self, model) -> None:
        """Fold this week's state into the metrics."""
        week, tension = model.week, model.tension
        higher = tension > self.peak_tension
        self.weeks_at_peak = np.where(
            higher, 1, self.weeks_at_peak + (tension == self.peak_tension)
        ).astype(np.int16)
        self.peak_tension = np.maximum(self.peak_tension, tension)
        for a, side in model.capitals.items():
            retaliated = side.move == Move.RETALIATE
            self.first_retaliation[a][retaliated & (self.first_retaliation[a] < 0)] = week
            self.retaliations[a] += retaliated
            self.cooperations[a] += side.move == Move.COOPERATE
            self.enactments[a] += side.act_code == Act.ENACT
            self.liftings[a] += side.act_code == Act.LIFT
            reached = self.reached[a]
            reached[side.repertoire.in_force(side.mask) & (reached < 0)] = week
        self.pressure.push(week, model.washington.pressure)


def _weeks(values: np.ndarray) -> pd.Series:
    """Week numbers with -1 (never) as a missing value."""
    return pd.Series(values, dtype="Int16").mask(values < 0)


def replication_table(model) -> pd.DataFrame:
    """One row per replication: the outcome class and every metric.

    ``outcome`` is the class at the end of the span (``pending`` censored); a model followed
    past its span (`EscalationModel.follow_notices`) adds ``outcome_settled``, where every
    notice running at the end has been lifted or has lapsed.
    """
    tracker, notice = model.tracker, model.notice
    columns: dict[str, object] = {
        "replication": np.arange(model.replications, dtype=np.int32),
        "outcome": pd.Categorical.from_codes(notice.outcome_codes(), categories=OUTCOMES),
        "peak_tension": tracker.peak_tension,
        "weeks_at_peak": tracker.weeks_at_peak,
        "notice_week": _weeks(notice.notice_week),
        "withdrawal_week": _weeks(notice.withdrawal_week),
        "termination_week": _weeks(notice.termination_week),
        "peak_pressure": tracker.pressure.level,
        "peak_pressure_week": _weeks(tracker.pressure.week),
    }
    if notice.settled is not None:  # the run was followed past its span (`follow_notices`)
        columns["outcome_settled"] = pd.Categorical.from_codes(
            notice.settled_codes(), categories=OUTCOMES
        )
    for a, side in model.capitals.items():
        columns[f"first_retaliation_{a}"] = _weeks(tracker.first_retaliation[a])
        columns[f"retaliations_{a}"] = tracker.retaliations[a]
        columns[f"cooperations_{a}"] = tracker.cooperations[a]
        columns[f"enactments_{a}"] = tracker.enactments[a]
        columns[f"liftings_{a}"] = tracker.liftings[a]
        columns[f"payoff_{a}"], columns[f"final_measures_{a}"] = tracker.final(model, a)
        for k, measure_id in enumerate(side.repertoire.ids):
            columns[f"week_{a}_{measure_id}"] = _weeks(tracker.reached[a][:, k])
    return pd.DataFrame(columns)
