"""Per-week records: the trajectories table and the tension fan."""

import numpy as np
import pandas as pd
import pytest

from sim.core.model import EscalationModel
from sim.core.moves import ACT_NAMES, MOVE_NAMES, UsMove
from sim.core.recorder import FAN_QUANTILES

COLUMNS = [
    "replication",
    "week",
    "date",
    "actor",
    "move",
    "act",
    "in_force",
    "top_measure",
    "pressure",
    "tension",
    "payoff",
]


@pytest.fixture(scope="module")
def small(gsomia):
    """Three replications over eight weeks, every agent's state kept week by week."""
    model = EscalationModel(gsomia, replications=3, weeks=8, rng=6)
    states = []
    for _ in range(8):
        model.step()
        states.append(
            {
                "pressure": model.washington.pressure.copy(),
                "tension": model.tension.copy(),
                **{
                    f"{name}.{field}": getattr(c, field).copy()
                    for name, c in model.capitals.items()
                    for field in ("move", "act_code", "mask", "payoff")
                },
            }
        )
    return model, states


def test_trajectories_columns_and_order(small):
    model, _ = small
    table = model.recorder.table(model)
    assert list(table.columns) == COLUMNS
    assert len(table) == 3 * 8 * 3
    # one row per replication x week x actor, in that order
    assert table["replication"].tolist() == np.repeat([0, 1, 2], 24).tolist()
    assert table["week"].tolist() == np.tile(np.repeat(np.arange(8), 3), 3).tolist()
    assert table["actor"].tolist() == ["seoul", "tokyo", "washington"] * 24
    assert table["date"].iloc[3 * 5] == pd.Timestamp(model.dates[5])


def top_measure(ids: tuple[str, ...], mask: int) -> str:
    in_force = [i for k, i in enumerate(ids) if mask >> k & 1]
    return in_force[-1] if in_force else "none"


def test_trajectories_hold_each_weeks_state(small):
    model, states = small
    table = model.recorder.table(model).set_index(["replication", "week", "actor"])
    for week, state in enumerate(states):
        for r in range(3):
            for name, capital in model.capitals.items():
                row = table.loc[(r, week, name)]
                assert row["move"] == MOVE_NAMES[state[f"{name}.move"][r]]
                assert row["act"] == ACT_NAMES[state[f"{name}.act_code"][r]]
                assert row["in_force"] == state[f"{name}.mask"][r]
                assert row["top_measure"] == top_measure(
                    capital.repertoire.ids, int(state[f"{name}.mask"][r])
                )
                assert row["payoff"] == state[f"{name}.payoff"][r]
                assert row["pressure"] == state["pressure"][r]
                assert row["tension"] == state["tension"][r]
            patron = table.loc[(r, week, "washington")]
            assert patron["move"] == [m.label for m in UsMove][UsMove.of(state["pressure"][r])]
            assert pd.isna(patron["in_force"]) and pd.isna(patron["act"])
            assert pd.isna(patron["payoff"]) and pd.isna(patron["top_measure"])


def test_the_patrons_rows_have_no_measures_act_or_payoff(finished_run):
    table = finished_run.recorder.table(finished_run)
    patron = table[table["actor"] == "washington"]
    assert patron["in_force"].isna().all() and patron["act"].isna().all()
    assert patron["top_measure"].isna().all() and patron["payoff"].isna().all()
    assert set(patron["move"].astype(str)) <= {m.label for m in UsMove}
    sides = table[table["actor"] != "washington"]
    assert sides["in_force"].notna().all() and sides["act"].notna().all()
    assert set(sides["move"].astype(str)) <= set(MOVE_NAMES)


def test_fan_table_holds_the_quantiles_of_tension(finished_run):
    record = finished_run.recorder
    fan = record.fan_table(finished_run.dates)
    assert list(fan.columns) == ["week", "date", "q05", "q25", "q50", "q75", "q95", "mean"]
    assert len(fan) == finished_run.weeks
    expected = np.quantile(record.tension, FAN_QUANTILES, axis=1).T
    np.testing.assert_allclose(fan[["q05", "q25", "q50", "q75", "q95"]], expected)
    np.testing.assert_allclose(fan["mean"], record.tension.mean(axis=1))
    assert (np.diff(fan[["q05", "q25", "q50", "q75", "q95"]].to_numpy(), axis=1) >= 0).all()


def test_without_trajectories_the_fan_is_still_kept(gsomia, finished_run):
    model = EscalationModel(gsomia, replications=200, keep_trajectories=False, rng=2019).run()
    with pytest.raises(ValueError, match="trajectories were not kept"):
        model.recorder.table(model)
    # the same seed as the shared run: the same fan, whether or not trajectories are kept
    pd.testing.assert_frame_equal(
        model.recorder.fan_table(model.dates), finished_run.recorder.fan_table(model.dates)
    )


def test_a_model_that_does_not_track_records_nothing(gsomia):
    model = EscalationModel(gsomia, replications=2, weeks=4, track=False, rng=0).run()
    assert not model.recorder.fan.any() and not model.recorder.move
