"""Outcomes and metrics: the notice tracker, the pressure peak, the replication table."""

import numpy as np
import pandas as pd
import pytest

from sim.core.metrics import (
    OUTCOMES,
    PRESSURE_WINDOW,
    NoticeTracker,
    PressurePeak,
    PressureWindow,
    midrank_percentile,
    outcome_shares,
    peak_pressure_week,
    replay_notice,
    replication_table,
)
from sim.core.model import EscalationModel
from sim.core.moves import Act, Move
from sim.core.params import ModelParams, UsPolicy
from sim.core.rules import TitForTat
from sim.core.scenario import NoticeRule


def track(sequence: str, lapse_weeks: int):
    """Feed one replication's on-notice weeks ("." off, "N" on) to a fresh tracker."""
    tracker = NoticeTracker(1, NoticeRule("seoul", "gsomia_notice", lapse_weeks))
    for week, mark in enumerate(sequence):
        tracker.update(week, np.array([mark == "N"]))
    return (
        OUTCOMES[tracker.outcome_codes()[0]],
        int(tracker.notice_week[0]),
        int(tracker.withdrawal_week[0]),
        int(tracker.termination_week[0]),
    )


@pytest.mark.parametrize(
    ("sequence", "lapse", "expected"),
    [
        pytest.param("........", 3, ("never_noticed", -1, -1, -1), id="never noticed"),
        # on at 2 and 3, off at 4: withdrawn at 4, before the lapse at 2 + 3 = 5
        pytest.param("..NN....", 3, ("noticed_then_kept", 2, 4, -1), id="withdrawn"),
        # on at 0..2 (ages 0, 1, 2), off at 3: one week short of the lapse, kept
        pytest.param("NNN.....", 3, ("noticed_then_kept", 0, 3, -1), id="withdrawn at the last"),
        # on from 1: ages 0, 1, 2, 3 at weeks 1..4, so it lapses at week 4 = 1 + 3
        pytest.param(".NNNN...", 3, ("terminated", 1, -1, 4), id="lapses"),
        # terminated for good: lifting later withdraws nothing, a new notice changes nothing
        pytest.param(".NNNN.NN", 3, ("terminated", 1, -1, 4), id="terminated is final"),
        # on from 5: ages 0, 1, 2 at weeks 5..7, still running when the run ends: censored
        pytest.param(".....NNN", 3, ("pending", 5, -1, -1), id="pending"),
        pytest.param(".......N", 3, ("pending", 7, -1, -1), id="noticed in the last week"),
        # on at 1, off at 2 (kept), on again at 3 and held: ages 0..3 at weeks 3..6, lapses at 6
        pytest.param(".N.NNNNN", 3, ("terminated", 1, 2, 6), id="re-notice lapses"),
        pytest.param(".N..NN..", 3, ("noticed_then_kept", 1, 2, -1), id="re-notice withdrawn"),
        pytest.param(".N..NNN", 3, ("pending", 1, 2, -1), id="re-notice pending"),
        # the real case's rule: 13 weeks; notice at 42, withdrawn at 55
        pytest.param(
            "." * 42 + "N" * 13 + "." * 7, 13, ("noticed_then_kept", 42, 55, -1), id="gsomia"
        ),
        pytest.param(
            "." * 42 + "N" * 14 + "." * 6, 13, ("terminated", 42, -1, 55), id="gsomia held"
        ),
    ],
)
def test_notice_tracker_outcome_classes(sequence, lapse, expected):
    assert track(sequence, lapse) == expected
    replayed = replay_notice(
        np.array([m == "N" for m in sequence]), NoticeRule("seoul", "gsomia_notice", lapse)
    )
    assert OUTCOMES[replayed.outcome_codes()[0]] == expected[0]


def test_notice_tracker_runs_replications_independently():
    tracker = NoticeTracker(3, NoticeRule("seoul", "gsomia_notice", 2))
    on = np.array([[False, True, True], [False, False, True], [False, False, True]])
    for week, row in enumerate(on):
        tracker.update(week, row)
    assert [OUTCOMES[c] for c in tracker.outcome_codes()] == [
        "never_noticed",
        "noticed_then_kept",
        "terminated",
    ]
    assert tracker.notice_week.tolist() == [-1, 0, 0]
    assert tracker.withdrawal_week.tolist() == [-1, 1, -1]
    assert tracker.termination_week.tolist() == [-1, -1, 2]


@pytest.mark.parametrize(
    ("span", "after", "lapse", "in_span", "settled"),
    [
        pytest.param("....", "....", 3, "never_noticed", "never_noticed", id="never"),
        pytest.param("..NN", "N...", 3, "pending", "noticed_then_kept", id="lifted after"),
        pytest.param("..NN", "NNNN", 3, "pending", "terminated", id="lapses after"),
        pytest.param("...N", "NNN.", 3, "pending", "terminated", id="lapses, then lifted"),
        pytest.param("...N", "NNNN", 4, "pending", "terminated", id="lapse counted from notice"),
        pytest.param("...N", "NNN.", 4, "pending", "noticed_then_kept", id="lifted at the last"),
        # settled once: a lifting and a new notice after that change nothing
        pytest.param(".NN.", "NNNN", 2, "noticed_then_kept", "noticed_then_kept", id="kept"),
        pytest.param("NNNN", "....", 2, "terminated", "terminated", id="terminated in span"),
        pytest.param("...N", ".NNN", 3, "pending", "noticed_then_kept", id="re-notice after"),
    ],
)
def test_following_a_run_settles_only_the_notices_running_at_the_end(
    span, after, lapse, in_span, settled
):
    tracker = NoticeTracker(1, NoticeRule("seoul", "gsomia_notice", lapse))
    for week, mark in enumerate(span):
        tracker.update(week, np.array([mark == "N"]))
    for mark in after:
        tracker.follow(np.array([mark == "N"]))
    assert OUTCOMES[tracker.outcome_codes()[0]] == in_span
    assert OUTCOMES[tracker.settled_codes()[0]] == settled


def settle_by_hand(on_notice: np.ndarray, span: int, lapse: int) -> list[str]:
    """Each run's outcome once its notice running at week ``span`` is lifted or lapses.

    Read off a longer run's on-notice path (weeks, R) by the rule itself: a notice running at
    the end began at its last onset; it is kept if lifted within ``lapse`` weeks of that,
    terminated if in force for all of them.
    """
    inside = replay_notice(on_notice[:span], NoticeRule("seoul", "gsomia_notice", lapse))
    outcomes = [OUTCOMES[c] for c in inside.outcome_codes()]
    for r, outcome in enumerate(outcomes):
        if outcome != "pending":
            continue
        path = on_notice[:, r]
        start = max(w for w in range(span) if path[w] and (w == 0 or not path[w - 1]))
        held = path[start : start + lapse + 1]
        outcomes[r] = "terminated" if held.all() else "noticed_then_kept"
    return outcomes


def test_follow_notices_settles_each_run_as_a_longer_run_shows():
    """The followed runs end as the same runs played on would: same draws, same rule."""
    span = EscalationModel(replications=600, rng=11).run()
    before = replication_table(span)
    span.follow_notices()
    table = replication_table(span)
    lapse = span.case.notice.lapse_weeks
    longer = EscalationModel(replications=600, weeks=span.weeks + lapse, rng=11).run()
    on_notice = (longer.recorder.mask["seoul"] & span.case.notice_bit) != 0
    assert (table["outcome"] == before["outcome"]).all()  # the span's outcomes stay
    assert table.drop(columns="outcome_settled").equals(before)
    assert table["outcome_settled"].astype(str).tolist() == settle_by_hand(
        on_notice, span.weeks, lapse
    )
    pending = before["outcome"] == "pending"
    assert pending.sum() > 20  # enough censored runs for the check to bite
    assert not (table["outcome_settled"] == "pending").any()
    assert (table["outcome_settled"][~pending] == before["outcome"][~pending]).all()


def test_a_case_without_a_notice_rule_is_never_noticed():
    tracker = NoticeTracker(2, None)
    for week in range(5):
        tracker.update(week, np.zeros(2, dtype=bool))
    assert (tracker.outcome_codes() == OUTCOMES.index("never_noticed")).all()


def test_pressure_window_averages_the_last_four_weeks_fewer_at_first():
    assert PRESSURE_WINDOW == 4
    window = PressureWindow(1)
    means = [float(window.push(np.array([p]))[0]) for p in (1.0, 0.0, 0.5, 0.5, 0.0, 0.0)]
    assert means == pytest.approx([1.0, 0.5, 0.5, 0.5, 0.25, 0.25])


@pytest.mark.parametrize(
    ("path", "week"),
    [
        ([0.1] * 10, None),  # a baseline is not pressing
        ([0.3] * 10, None),  # nor is engaging
        ([0, 0, 1, 0, 0, 0], None),  # one week of pressing: a window mean of 0.25
        ([0.1] * 5 + [0.6] * 5, 8),  # 0.6 over a full window from week 8 (weeks 5-8)
        ([0, 0, 1, 1, 0, 0, 1, 1, 1, 1], 9),  # 0.5 at week 3, 0.75 at 8, 1.0 at 9
        ([0.6] * 4, 0),  # pressing from the first week: the mean of one week is 0.6
    ],
)
def test_peak_pressure_counts_only_when_the_patron_pressed(path, week):
    assert peak_pressure_week(np.array(path, dtype=float)) == week
    peak = PressurePeak(1)
    for w, level in enumerate(path):
        peak.push(w, np.array([float(level)]))
    assert peak.week[0] == (-1 if week is None else week)


def test_outcome_shares_keep_every_class_in_order():
    shares = outcome_shares(pd.Series(["terminated", "never_noticed", "terminated", "pending"]))
    assert list(shares) == list(OUTCOMES)
    assert shares == {
        "never_noticed": 0.25,
        "noticed_then_kept": 0.0,
        "terminated": 0.5,
        "pending": 0.25,
    }
    assert sum(outcome_shares(pd.Series([], dtype=str)).values()) == 0


def test_midrank_percentile_by_hand():
    values = np.array([1, 2, 2, 3, 5])
    assert midrank_percentile(values, 2) == pytest.approx((1 + 0.5 * 2) / 5)
    assert midrank_percentile(values, 0) == 0.0 and midrank_percentile(values, 9) == 1.0
    assert midrank_percentile(values, 4) == pytest.approx(4 / 5)


def test_replication_table_columns(finished_run):
    table = replication_table(finished_run)
    seoul = ["court_rulings", "asset_seizure", "boycott", "wto_case", "dokdo_drills"]
    seoul += ["whitelist_removal", "gsomia_notice"]
    tokyo = ["consultations", "arbitration", "export_controls", "whitelist_removal"]
    per_side = [
        "first_retaliation",
        "retaliations",
        "cooperations",
        "enactments",
        "liftings",
        "payoff",
        "final_measures",
    ]
    assert list(table.columns) == [
        "replication",
        "outcome",
        "peak_tension",
        "weeks_at_peak",
        "notice_week",
        "withdrawal_week",
        "termination_week",
        "peak_pressure",
        "peak_pressure_week",
        *[f"{c}_seoul" for c in per_side],
        *[f"week_seoul_{m}" for m in seoul],
        *[f"{c}_tokyo" for c in per_side],
        *[f"week_tokyo_{m}" for m in tokyo],
    ]
    assert len(table) == 200 and table["replication"].tolist() == list(range(200))
    assert list(table["outcome"].cat.categories) == list(OUTCOMES)
    assert str(table["notice_week"].dtype) == "Int16"


def first_week(flags: np.ndarray) -> pd.Series:
    """First week (axis 0) each replication's flag is set, missing if never."""
    weeks = np.where(flags.any(axis=0), flags.argmax(axis=0), -1)
    return pd.Series(weeks, dtype="Int16").mask(weeks < 0)


def test_replication_table_agrees_with_the_trajectories(finished_run):
    """Each online metric equals what the kept week-by-week record says."""
    model, table = finished_run, replication_table(finished_run)
    record = model.recorder
    for side, capital in model.capitals.items():
        moves, acts, masks = record.move[side], record.act[side], record.mask[side]
        assert (table[f"retaliations_{side}"] == (moves == Move.RETALIATE).sum(axis=0)).all()
        assert (table[f"cooperations_{side}"] == (moves == Move.COOPERATE).sum(axis=0)).all()
        assert (table[f"enactments_{side}"] == (acts == Act.ENACT).sum(axis=0)).all()
        assert (table[f"liftings_{side}"] == (acts == Act.LIFT).sum(axis=0)).all()
        assert (table[f"final_measures_{side}"] == masks[-1]).all()
        np.testing.assert_allclose(table[f"payoff_{side}"], record.payoff[side].sum(axis=0))
        pd.testing.assert_series_equal(
            table[f"first_retaliation_{side}"],
            first_week(moves == Move.RETALIATE),
            check_names=False,
        )
        for k, measure in enumerate(capital.repertoire.ids):
            pd.testing.assert_series_equal(
                table[f"week_{side}_{measure}"],
                first_week((masks >> k & 1).astype(bool)),
                check_names=False,
            )
    np.testing.assert_array_equal(table["peak_tension"], record.tension.max(axis=0))
    at_peak = (record.tension == record.tension.max(axis=0)).sum(axis=0)
    np.testing.assert_array_equal(table["weeks_at_peak"], at_peak)
    notice = (record.mask["seoul"] & model.case.notice_bit) != 0
    pd.testing.assert_series_equal(table["notice_week"], first_week(notice), check_names=False)
    # the patron's peak: the largest trailing 4-week mean (fewer weeks at first), its first
    # week, none under the press threshold (0.5); counted here without the metrics' classes
    total = np.cumsum(record.pressure, axis=0)
    ahead = np.vstack([np.zeros((4, total.shape[1])), total[:-4]])
    means = (total - ahead) / np.minimum(np.arange(1, len(total) + 1), 4)[:, None]
    np.testing.assert_allclose(table["peak_pressure"], means.max(axis=0), atol=1e-12)
    first = (means >= means.max(axis=0) - 1e-12).argmax(axis=0).astype(float)
    first[means.max(axis=0) < 0.5 - 1e-12] = np.nan
    np.testing.assert_array_equal(table["peak_pressure_week"].to_numpy(dtype=float), first)
    for r in range(0, 200, 7):
        replayed = replay_notice(notice[:, r], model.case.notice)
        assert table["outcome"][r] == OUTCOMES[replayed.outcome_codes()[0]]
        online = table["peak_pressure_week"][r]
        batch = peak_pressure_week(record.pressure[:, r])  # the formula the real path uses
        assert (None if pd.isna(online) else int(online)) == batch
    # the checks above met the main outcomes, and replications where the patron pressed
    assert {"never_noticed", "terminated"} <= set(table["outcome"].astype(str))
    assert table["peak_pressure_week"].notna().any()


@pytest.mark.parametrize("policy", ["absent", "reactive"])
def test_a_patron_that_never_presses_has_no_peak(gsomia, policy):
    """With nobody acting (activity 0) the reactive patron stays at its 0.1 baseline."""
    quiet = TitForTat(activity=0.0)
    params = ModelParams(seoul=quiet, tokyo=quiet, us=UsPolicy(policy=policy))
    model = EscalationModel(gsomia, params, replications=10, rng=0).run()
    table = replication_table(model)
    assert table["peak_pressure_week"].isna().all()
    expected = 0.1 if policy == "reactive" else 0.0
    np.testing.assert_allclose(table["peak_pressure"], expected)
