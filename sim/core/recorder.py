"""Per-week records: the tension fan (always) and the full trajectories (when kept)."""

import numpy as np
import pandas as pd

from sim.core.moves import ACTORS, ALLIES, MOVE_NAMES, US_MOVES, UsMove

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class Recorder:
    """Arrays of shape (weeks, R) for each recorded quantity, filled one week at a time."""

    def __init__(self, weeks: int, replications: int, keep: bool) -> None:
        self.keep = keep
        self.fan = np.zeros((weeks, len(FAN_QUANTILES)))
        self.mean_tension = np.zeros(weeks)
        shape = (weeks, replications) if keep else (0, 0)
        self.move = {a: np.zeros(shape, dtype=np.int8) for a in ALLIES}
        self.rung = {a: np.zeros(shape, dtype=np.int16) for a in ALLIES}
        self.payoff = {a: np.zeros(shape) for a in ALLIES}
        self.pressure = np.zeros(shape)
        self.tension = np.zeros(shape)

    def record(self, model) -> None:
        """Store week ``model.week``."""
        week, tension = model.week, model.tension
        self.fan[week] = np.quantile(tension, FAN_QUANTILES)
        self.mean_tension[week] = tension.mean()
        if not self.keep:
            return
        for ally in model.allies:
            self.move[ally.name][week] = ally.move
            self.rung[ally.name][week] = ally.rung
            self.payoff[ally.name][week] = ally.payoff
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
        """One row per replication x week x actor, in that order (tidy, long form)."""
        if not self.keep:
            raise ValueError("trajectories were not kept: run with run.trajectories=true")
        weeks, reps = self.pressure.shape
        n_actors = len(ACTORS)

        def spread(per_actor: list[np.ndarray]) -> np.ndarray:
            # (weeks, R) arrays per actor -> flat array in (replication, week, actor) order
            return np.stack([a.T for a in per_actor], axis=2).reshape(-1)

        move_names = (*MOVE_NAMES, *(m.label for m in US_MOVES))
        us_move = UsMove.of(self.pressure) + len(MOVE_NAMES)
        move = spread([self.move[a].astype(np.int16) for a in ALLIES] + [us_move.astype(np.int16)])
        rung_names = ["none", *dict.fromkeys(i for a in ALLIES for i in model.ladders[a].ids)]
        rung_code = []
        for a in ALLIES:
            lookup = np.array([rung_names.index(i) for i in ("none", *model.ladders[a].ids)])
            rung_code.append(lookup[self.rung[a]])
        rung_code.append(np.full((weeks, reps), -1))
        rung = spread(
            [self.rung[a].astype(np.float64) for a in ALLIES] + [np.full((weeks, reps), np.nan)]
        )
        dates = np.array(model.dates[:weeks], dtype="datetime64[D]")
        return pd.DataFrame(
            {
                "replication": np.repeat(np.arange(reps, dtype=np.int32), weeks * n_actors),
                "week": np.tile(np.repeat(np.arange(weeks, dtype=np.int16), n_actors), reps),
                "date": np.tile(np.repeat(dates, n_actors), reps),
                "actor": pd.Categorical.from_codes(
                    np.tile(np.arange(n_actors), reps * weeks), ACTORS
                ),
                "move": pd.Categorical.from_codes(move, move_names),
                "rung": pd.array(rung, dtype="Int16"),
                "rung_name": pd.Categorical.from_codes(spread(rung_code), rung_names),
                "pressure": np.repeat(self.pressure.T.reshape(-1), n_actors),
                "tension": np.repeat(self.tension.T.reshape(-1), n_actors),
                "payoff": spread(
                    [self.payoff[a] for a in ALLIES] + [np.full((weeks, reps), np.nan)]
                ),
            }
        )
