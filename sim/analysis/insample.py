"""In-sample comparison: the fitted model beside the baselines, with parameter counts.

Every row scores the same real acts: the moves under the model or a baseline, plus the acts
given the moves under the one fitted conduct. Each row states its parameter count k, and the
Akaike and Bayesian information criteria (AIC = 2k - 2 log L, BIC = k log n - 2 log L, n the
number of side-weeks scored). The comparison baseline is the best by the criterion the model
is judged by, AIC; the best by BIC is reported too. Each row's moves are also split into when
to move and which move (`sim.analysis.likelihood.when_to_move`), as the out-of-sample scores
are.
"""

from dataclasses import dataclass

import numpy as np

from sim.analysis.baselines import MoveData, fit_baselines
from sim.analysis.conduct_fit import ConductFit
from sim.analysis.likelihood import when_to_move


@dataclass(frozen=True)
class Row:
    """One fitted model's in-sample score."""

    name: str
    moves: float  # log-likelihood of the moves
    acts: float  # log-likelihood of the acts given the moves (the shared conduct)
    parameters: int
    observations: int
    per_side: dict[str, float]
    when: float = float("nan")  # the moves' when-to-move part (nan: not split)

    @property
    def which(self) -> float:
        """The moves' which-move part: the moves' log-likelihood minus the when part."""
        return self.moves - self.when

    @property
    def loglik(self) -> float:
        """Log-likelihood of the real acts."""
        return self.moves + self.acts

    @property
    def aic(self) -> float:
        """Akaike information criterion."""
        return 2 * self.parameters - 2 * self.loglik

    @property
    def bic(self) -> float:
        """Bayesian information criterion."""
        return self.parameters * np.log(self.observations) - 2 * self.loglik


@dataclass(frozen=True)
class InSample:
    """The model and every baseline on the same data."""

    model: Row
    baselines: tuple[Row, ...]

    def best(self, criterion: str) -> Row:
        """The baseline with the lowest ``criterion`` (``aic`` or ``bic``)."""
        return min(self.baselines, key=lambda row: getattr(row, criterion))

    def margin(self, criterion: str) -> float:
        """How much lower the model's criterion is than the best baseline's (positive: wins)."""
        return getattr(self.best(criterion), criterion) - getattr(self.model, criterion)

    @property
    def rows(self) -> tuple[Row, ...]:
        """The model first, then the baselines."""
        return (self.model, *self.baselines)


def make_row(
    name: str,
    moves: np.ndarray,
    acts: float,
    parameters: int,
    sides: tuple[str, ...],
    when: float = float("nan"),
) -> Row:
    """A row from per-week move log-probabilities (weeks, sides) and the acts' log-likelihood.

    ``when`` is the moves' when-to-move part (`split_when`).
    """
    per_side = dict(zip(sides, map(float, moves.sum(axis=0)), strict=True))
    return Row(name, float(moves.sum()), acts, parameters, moves.size, per_side, when)


def split_when(hold: np.ndarray, data: MoveData) -> float:
    """The when-to-move part of a row's moves, both sides.

    ``hold`` (weeks, sides) is the chance the row's model gave holding each week.
    """
    return float(when_to_move(hold, data.moves[: len(hold)]).sum())


def baseline_rows(
    data: MoveData, train: MoveData, conduct: ConductFit, sides: tuple[str, ...]
) -> tuple[tuple[Row, ...], dict[str, np.ndarray]]:
    """Every baseline fitted on ``train`` and scored on ``data``, with the shared conduct.

    When ``train`` is not ``data`` the baselines are smoothed (half a count), since a move
    unseen in training may occur.
    """
    smoothing = 0.0 if train is data else 0.5
    weeks = np.arange(data.weeks)
    scores = {b.name: (b, *b.scored(data, weeks)) for b in fit_baselines(train, None, smoothing)}
    rows = tuple(
        make_row(
            name,
            values,
            conduct.loglik,
            b.parameters + conduct.parameters,
            sides,
            split_when(hold, data),
        )
        for name, (b, values, hold) in scores.items()
    )
    return rows, {name: values for name, (_, values, _) in scores.items()}
