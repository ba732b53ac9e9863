"""Free runs set beside the real sequence: milestones, outcome, tension path, counts, bursts.

A predictive check runs the model freely over the case's span (the patron on its policy, not
the real pressure) and asks where the real sequence falls among the runs: each milestone's week
(mid-rank percentile; none for a milestone the case's start sets, `set_by_start`), the real
outcome's share, the real tension path against the simulated
bands, and the real counts of each side's moves and their burstiness. Run with one parameter
draw per replication (posterior draws), it is a posterior predictive check; with the point
estimate, a plug-in one.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.metrics import midrank_percentile, outcome_shares
from sim.core.moves import Move
from sim.core.scenario import Scenario
from sim.history import RealPath


@dataclass(frozen=True)
class MilestoneCheck:
    """Where a real milestone's week falls among the simulated runs."""

    id: str
    label: str
    real_week: int | None
    real_date: str | None
    percentile: float | None  # mid-rank, among runs where it happens
    never_share: float | None
    simulated_median_week: float | None
    simulated_q05_week: float | None
    simulated_q95_week: float | None
    unscored: str | None = None  # why ``percentile`` is None (e.g. `SET_BY_START`); None if given


#: Said instead of a percentile for a milestone the case's start sets (`set_by_start`).
SET_BY_START = "set by the start"


def set_by_start(real_week: int | None) -> bool:
    """Whether a real milestone week is fixed by the case's start rather than by the model.

    Runs start from the measures in force at the start and play week 0 freely; the real
    week-0 events are not replayed. A milestone reached in the real week 0 is a measure in
    force at the start (every run has it in week 0: 50% by construction) or an event of the
    first week, at which the case's start was set (the earliest week a run can give: its
    percentile can only be low). Either way its percentile says nothing of the model's timing.
    """
    return real_week == 0


def _unscored(real_week: int | None, some: bool) -> str | None:
    """Why a milestone gets no percentile, or None when it gets one."""
    if real_week is None:
        return "not reached in the real sequence"
    if set_by_start(real_week):
        return SET_BY_START
    return None if some else "reached in no run"


@dataclass(frozen=True)
class PathCheck:
    """The real tension path against the simulated one."""

    rmse: float
    dtw: float
    dtw_per_week: float
    band_coverage: float  # share of weeks the real tension is inside the 5-95% band


@dataclass(frozen=True)
class CountCheck:
    """A real count beside its simulated distribution."""

    side: str
    statistic: str  # retaliations, cooperations, burstiness
    real: float
    simulated_median: float
    percentile: float


def milestone_checks(scenario: Scenario, real: RealPath, table: pd.DataFrame) -> list:
    """For each milestone: the real week, its percentile among simulated weeks, the never share.

    A simulated peak of pressure counts only when the patron pressed (`sim.core.metrics`). A
    milestone the case's start sets (`set_by_start`) gets no percentile, so it can count as
    neither a pass nor a miss of the 5-95% bar; ``unscored`` says why a percentile is missing.
    """
    rows = []
    for m in scenario.milestones:
        weeks = table[m.column].astype("Float64")
        happened = weeks.dropna().to_numpy(dtype=float)
        real_week = real.milestones.get(m.id)
        some = happened.size > 0
        unscored = _unscored(real_week, some)
        rows.append(
            MilestoneCheck(
                id=m.id,
                label=m.label,
                real_week=real_week,
                real_date=None if real_week is None else scenario.week_start(real_week).isoformat(),
                percentile=None
                if unscored or real_week is None
                else midrank_percentile(happened, real_week),
                never_share=1 - happened.size / len(weeks) if len(weeks) else None,
                simulated_median_week=float(np.median(happened)) if some else None,
                simulated_q05_week=float(np.quantile(happened, 0.05)) if some else None,
                simulated_q95_week=float(np.quantile(happened, 0.95)) if some else None,
                unscored=unscored,
            )
        )
    return rows


def dtw_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Dynamic time warping distance (Sakoe & Chiba 1978), without a window.

    The least total |a_i - b_j| along a monotone alignment of the two series.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    cost = np.abs(a[:, None] - b[None, :])
    total = np.full((len(a) + 1, len(b) + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        row, previous = total[i], total[i - 1]
        for j in range(1, len(b) + 1):
            row[j] = cost[i - 1, j - 1] + min(previous[j], row[j - 1], previous[j - 1])
    return float(total[-1, -1])


def path_check(real_tension: np.ndarray, fan: pd.DataFrame) -> PathCheck:
    """Distance between the real tension path and the simulated median, and band coverage."""
    median = fan["q50"].to_numpy()
    inside = (real_tension >= fan["q05"].to_numpy() - 1e-12) & (
        real_tension <= fan["q95"].to_numpy() + 1e-12
    )
    dtw = dtw_distance(real_tension, median)
    return PathCheck(
        rmse=float(np.sqrt(np.mean((real_tension - median) ** 2))),
        dtw=dtw,
        dtw_per_week=dtw / len(median),
        band_coverage=float(inside.mean()),
    )


def burstiness(moves: np.ndarray) -> np.ndarray:
    """Goh & Barabasi's burstiness of the weeks with a move, per row of ``moves`` (runs, weeks).

    (sd - mean) / (sd + mean) of the gaps between moves: -1 regular, 0 random, 1 bursty. Rows
    with fewer than three moves get NaN.
    """
    out = np.full(moves.shape[0], np.nan)
    for i, row in enumerate(moves):
        gaps = np.diff(np.flatnonzero(row != Move.HOLD))
        if gaps.size >= 2 and (gaps.std() + gaps.mean()) > 0:
            out[i] = (gaps.std() - gaps.mean()) / (gaps.std() + gaps.mean())
    return out


def count_checks(real: RealPath, sides: tuple[str, ...], moves: dict[str, np.ndarray]) -> list:
    """Real counts and burstiness of each side's moves beside the runs'.

    ``moves`` maps a side to its simulated moves, shape (runs, weeks).
    """
    rows = []
    for side in sides:
        simulated, observed = moves[side], real.moves[side][None, :]
        stats = {
            "retaliations": lambda m: (m == Move.RETALIATE).sum(axis=1).astype(float),
            "cooperations": lambda m: (m == Move.COOPERATE).sum(axis=1).astype(float),
            "burstiness": burstiness,
        }
        for name, statistic in stats.items():
            values = statistic(simulated)
            values = values[np.isfinite(values)]
            value = float(statistic(observed)[0])
            rows.append(
                CountCheck(
                    side=side,
                    statistic=name,
                    real=value,
                    simulated_median=float(np.median(values)) if values.size else float("nan"),
                    percentile=midrank_percentile(values, value)
                    if values.size and np.isfinite(value)
                    else float("nan"),
                )
            )
    return rows


def outcome_probability(
    table: pd.DataFrame, outcome: str, column: str = "outcome"
) -> tuple[float, dict[str, float]]:
    """The real outcome's share among the runs, and every outcome's share.

    ``column`` is ``outcome`` (the class at the span's end) or ``outcome_settled`` (the runs
    followed until every running notice was lifted or lapsed).
    """
    shares = outcome_shares(table[column])
    return shares.get(outcome, 0.0), shares
