"""Per-week records: the tension fan (always) and the full trajectories (when kept)."""

import numpy as np
import pandas as pd

from sim.core.moves import ACT_NAMES, MOVE_NAMES, US_MOVES, UsMove

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class Recorder:
    """Arrays of shape (weeks, R) for each recorded quantity, filled one week at a time."""

    def __init__(self, weeks: int, replications: int, keep: bool) -> None:
        self.keep = keep
        self.fan = np.zeros((weeks, len(FAN_QUANTILES)))
        self.mean_tension = np.zeros(weeks)
        self.shape = (weeks, replications) if keep else (0, 0)
        self.move: dict[str, np.ndarray] = {}
        self.act: dict[str, np.ndarray] = {}
        self.mask: dict[str, np.ndarray] = {}
        self.payoff: dict[str, np.ndarray] = {}
        self.pressure = np.zeros(self.shape)
        self.tension = np.zeros(self.shape)

    def _side(self, name: str) -> None:
        if name not in self.move:
            self.move[name] = np.zeros(self.shape, dtype=np.int8)
            self.act[name] = np.zeros(self.shape, dtype=np.int8)
            self.mask[name] = np.zeros(self.shape, dtype=np.int16)
            self.payoff[name] = np.zeros(self.shape)

    def record(self, model) -> None:
        """Store week ``model.week``."""
        week, tension = model.week, model.tension
        self.fan[week] = np.quantile(tension, FAN_QUANTILES)
        self.mean_tension[week] = tension.mean()
        if not self.keep:
            return
        for name, side in model.capitals.items():
            self._side(name)
            self.move[name][week] = side.move
            self.act[name][week] = side.act_code
            self.mask[name][week] = side.mask
            self.payoff[name][week] = side.payoff
        self.pressure[week] = model.washington.pressure
        self.tension[week] = tension

    def fan_table(self, dates: list) -> pd.DataFrame:
        """One row per week: date, mean and quantiles of tension across replications."""
        table = pd.DataFrame(self.fan, columns=[f"q{int(q * 100):02d}" for q in FAN_QUANTILES])
        table.insert(0, "week", np.arange(len(self.fan)))
        table.insert(1, "date", pd.to_datetime(dates[: len(self.fan)]))
        table["mean"] = self.mean_tension
        return table

    def table(self, model) -> pd.DataFrame:
        """One row per replication x week x actor, in that order (tidy, long form).

        Columns: replication, week, date, actor, move (cooperate/hold/retaliate, or the patron's
        abstain/engage/press), act (what the move did), in_force (the side's measures in force
        after the week, as a bit mask in its escalation order; missing for the patron),
        top_measure (the last of those in escalation order, ``none`` if none), pressure,
        tension, payoff.
        """
        if not self.keep:
            raise ValueError("trajectories were not kept: run with run.trajectories=true")
        weeks, reps = self.pressure.shape
        sides = list(model.capitals)
        actors = [*sides, model.case.patron]
        n_actors = len(actors)

        def spread(per_actor: list[np.ndarray]) -> np.ndarray:
            # (weeks, R) arrays per actor -> flat array in (replication, week, actor) order
            return np.stack([a.T for a in per_actor], axis=2).reshape(-1)

        move_names = (*MOVE_NAMES, *(m.label for m in US_MOVES))
        us_move = UsMove.of(self.pressure) + len(MOVE_NAMES)
        move = spread([self.move[a].astype(np.int16) for a in sides] + [us_move.astype(np.int16)])
        act = spread([self.act[a].astype(np.int16) for a in sides] + [np.full((weeks, reps), -1)])
        measure_names = [
            "none",
            *dict.fromkeys(i for a in sides for i in model.capitals[a].repertoire.ids),
        ]
        top = [
            self._top_code(model.capitals[a].repertoire.ids, self.mask[a], measure_names)
            for a in sides
        ]
        top.append(np.full((weeks, reps), -1))
        in_force = spread(
            [self.mask[a].astype(np.float64) for a in sides] + [np.full((weeks, reps), np.nan)]
        )
        dates = np.array(model.dates[:weeks], dtype="datetime64[D]")
        return pd.DataFrame(
            {
                "replication": np.repeat(np.arange(reps, dtype=np.int32), weeks * n_actors),
                "week": np.tile(np.repeat(np.arange(weeks, dtype=np.int16), n_actors), reps),
                "date": np.tile(np.repeat(dates, n_actors), reps),
                "actor": pd.Categorical.from_codes(
                    np.tile(np.arange(n_actors), reps * weeks), actors
                ),
                "move": pd.Categorical.from_codes(move, move_names),
                "act": pd.Categorical.from_codes(act, ACT_NAMES),
                "in_force": pd.array(in_force, dtype="Int16"),
                "top_measure": pd.Categorical.from_codes(spread(top), measure_names),
                "pressure": np.repeat(self.pressure.T.reshape(-1), n_actors),
                "tension": np.repeat(self.tension.T.reshape(-1), n_actors),
                "payoff": spread(
                    [self.payoff[a] for a in sides] + [np.full((weeks, reps), np.nan)]
                ),
            }
        )

    @staticmethod
    def _top_code(ids: tuple[str, ...], masks: np.ndarray, names: list[str]) -> np.ndarray:
        """Code (into ``names``) of the last measure in force in each state, 0 for none."""
        lookup = np.array([names.index(i) for i in ids])
        highest = np.zeros(masks.shape, dtype=np.int64)
        for k in range(len(ids)):
            highest = np.where(masks >> k & 1, lookup[k], highest)
        return highest
