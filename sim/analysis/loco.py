"""Leave one case out: fit on the other real cases, score the one left out.

Each case is a scenario folder with its own sides, measures and events; the model's parameters
are tied to the side slots (the first side, the patron's ally, is configured as ``seoul``; the
second as ``tokyo``), so one parameter set applies to every case. For each case left out, the
model (its keys and its conduct) and the baselines are fitted on the other cases pooled, then
score the left-out case's moves. The regime-break baseline is left out here: its break is a
week of one case and has no meaning in another. Pooled Markov chains count each case's
transitions separately (`_pooled`), so no transition runs across two cases.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.baselines import BaseRates, Logit, Markov, MoveData
from sim.analysis.fit import fit_ml
from sim.analysis.likelihood import Episode
from sim.analysis.space import Space

LOCO_BASELINES = (BaseRates, Markov, Logit)


@dataclass(frozen=True)
class _Pooled:
    """Several cases' data, scored one case at a time by a baseline fitted on all of them."""

    parts: tuple[MoveData, ...]

    def fit(self, cls, smoothing: float):
        """A baseline fitted on every part: count baselines add the parts' counts."""
        moves = np.concatenate([p.moves for p in self.parts])
        covariates = np.concatenate([p.covariates for p in self.parts])
        baseline = cls(smoothing=smoothing).fit(MoveData(moves, covariates))
        if cls is Markov:
            baseline.fitted = [self._markov_side(baseline, i, smoothing) for i in range(2)]
        return baseline

    def _markov_side(self, baseline, i: int, smoothing: float):
        counts = np.full((3, 3), smoothing)
        for part in self.parts:
            np.add.at(counts, (part.moves[:-1, i], part.moves[1:, i]), 1.0)
        rates = baseline.fitted[i][1]
        totals = counts.sum(axis=1, keepdims=True)
        return np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), rates), rates


def leave_one_case_out(
    space: Space, episodes: dict[str, Episode], seed: int = 0, popsize: int = 15, maxiter: int = 300
) -> pd.DataFrame:
    """One row per case left out and side: the log-likelihood of its moves, model and baselines.

    Columns: case, side, weeks, model, base_rates, markov, logit.
    """
    rows = []
    for name, left_out in episodes.items():
        training = tuple(e for n, e in episodes.items() if n != name)
        fit = fit_ml(space, training, seed, popsize, maxiter)
        params = fit.conduct.apply(space.apply(fit.coordinates))
        model = left_out.score(params).moves[:, 0].sum(axis=0)
        data = MoveData.of(left_out.real, left_out.scenario)
        pooled = _Pooled(tuple(MoveData.of(e.real, e.scenario) for e in training))
        weeks = np.arange(data.weeks)
        scored = {
            cls().name: pooled.fit(cls, 0.5).log_probabilities(data, weeks).sum(axis=0)
            for cls in LOCO_BASELINES
        }
        for i, side in enumerate(left_out.scenario.sides):
            row = {"case": name, "side": side, "weeks": data.weeks, "model": float(model[i])}
            rows.append(row | {k: float(v[i]) for k, v in scored.items()})
    return pd.DataFrame(rows)
