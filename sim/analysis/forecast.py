"""Out-of-sample skill: rolling-origin forecasts of the real moves.

For each origin week o (from a chosen week on), the model and every baseline are fitted on the
weeks before o only, then score the real move of week o (one week ahead) and of week o + 3
(four weeks ahead: what was known before week o predicts week o + 3). The model's one-week
forecast is its probability with the real history up to o fed in; its four-week forecast is the
share of simulated runs (the history forced up to o, free from o on, the patron on its policy)
making the real move in week o + 3, with half a run added to each move so none has probability
zero. Baselines forecast with their own dynamics (`sim.analysis.baselines`), smoothed by half a
count. Moves only: the acts given the moves are scored by one shared conduct for all.
"""

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.analysis.baselines import MoveData, fit_baselines
from sim.analysis.fit import MLFit, fit_ml
from sim.analysis.likelihood import Episode, forcing
from sim.analysis.space import Space
from sim.core.model import EscalationModel
from sim.core.moves import N_MOVES
from sim.core.params import ModelParams

HORIZONS = (1, 4)
SMOOTHING = 0.5


def _truncated(episode: Episode, weeks: int):
    full = forcing(episode.real)
    return dataclasses.replace(
        full,
        acts={a: v[:weeks] for a, v in full.acts.items()},
        enacted={a: v[:weeks] for a, v in full.enacted.items()},
        lifted={a: v[:weeks] for a, v in full.lifted.items()},
        pressure=full.pressure[:weeks],
    )


def simulated_moves(
    params: ModelParams, episode: Episode, origin: int, week: int, replications: int, seed: int
) -> np.ndarray:
    """Each side's move probabilities in ``week`` from free runs after ``origin``: (sides, 3)."""
    model = EscalationModel(
        episode.scenario,
        params,
        replications=replications,
        weeks=week + 1,
        keep_trajectories=False,
        track=False,
        forcing=_truncated(episode, origin),
        rng=seed,
    )
    model.run()
    counts = np.stack(
        [np.bincount(c.move, minlength=N_MOVES) for c in model.capitals.values()]
    ).astype(float)
    counts += SMOOTHING
    return counts / counts.sum(axis=1, keepdims=True)


def _model_rows(
    fit: MLFit, space: Space, episode: Episode, origin: int, replications: int, seed: int
) -> dict[int, np.ndarray]:
    """The model's log-probability of each side's real move at each horizon."""
    params = space.apply(fit.coordinates)
    params = fit.conduct.apply(params)
    moves = np.stack([episode.real.moves[s] for s in episode.scenario.sides], axis=1)
    out = {1: Episode(episode.scenario, episode.real, origin + 1).score(params).moves[origin, 0]}
    target = origin + 3
    if target < episode.scenario.weeks:
        probs = simulated_moves(params, episode, origin, target, replications, seed)
        out[4] = np.log(probs[np.arange(len(probs)), moves[target]])
    return out


def rolling_origin(
    space: Space,
    episode: Episode,
    first: int,
    seed: int = 0,
    replications: int = 2000,
    popsize: int = 10,
    maxiter: int = 150,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Forecast every week from ``first`` on; one row per origin, horizon and side.

    Columns: origin, horizon, week (the week scored), side, model, and one column per
    baseline, each the log-probability of the real move.
    """
    data = MoveData.of(episode.real, episode.scenario)
    sides = episode.scenario.sides
    rows, previous = [], None
    origins = list(range(first, episode.scenario.weeks))
    for n, origin in enumerate(origins):
        init = None
        if previous is not None:
            rng = np.random.default_rng(seed + origin)
            spread = 0.05 * (space.high - space.low)
            members = previous + spread * rng.standard_normal((popsize * len(space), len(space)))
            init = np.vstack([previous, members])
        fit = fit_ml(
            space, (Episode(episode.scenario, episode.real, origin),), seed, popsize, maxiter, init
        )
        previous = fit.coordinates
        model = _model_rows(fit, space, episode, origin, replications, seed + origin)
        baselines = fit_baselines(data, origin, SMOOTHING)
        for horizon, values in model.items():
            week = origin + horizon - 1
            scored = {
                b.name: b.log_probabilities(data, np.array([week]), horizon)[0] for b in baselines
            }
            for i, side in enumerate(sides):
                row = {"origin": origin, "horizon": horizon, "week": week, "side": side}
                row["model"] = float(values[i])
                row |= {name: float(v[i]) for name, v in scored.items()}
                rows.append(row)
        if progress is not None:
            progress(n + 1, len(origins))
    return pd.DataFrame(rows)


def forecast_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean log score per side-week by horizon, for the model and each baseline."""
    columns = [c for c in table.columns if c not in ("origin", "horizon", "week", "side")]
    return table.groupby("horizon")[columns].mean()
