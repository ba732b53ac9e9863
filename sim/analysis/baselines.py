"""Baselines for the real moves: four statistical models fitted on the same data as the model.

Each baseline predicts a side's weekly move (cooperate, hold, retaliate) from what was known
before the week, is fitted per side by maximum likelihood, and states its parameter count:

- `BaseRates`: a constant probability of each move (2 parameters per side);
- `Markov`: a first-order Markov chain, the first week scored by the base rates (8);
- `RegimeBreak`: base rates that change once, at a fitted week (5: two sets of rates and the
  break);
- `Logit`: a multinomial logit (statsmodels' `MNLogit`) on the covariates the model sees: the
  side's and the other's move last week, the patron's pressure last week and the share of the
  side's measures in force (14).

The acts given the moves are scored for every baseline by the same fitted conduct as the model
(`sim.analysis.conduct_fit`), so totals compare like with like. Out of sample (rolling origins)
the count baselines add half a count to every cell (Jeffreys), and the logit adds one pseudo-row
per move at the training means and an L1 penalty on its slopes, so that a move not yet seen
keeps a probability and a few separating weeks do not make it certain.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np

from sim.core.moves import N_MOVES, Move
from sim.core.scenario import Scenario
from sim.history import RealPath

LOG_FLOOR = float(np.log(np.finfo(float).tiny))
#: The L1 weight of the logit's coefficients out of sample (`Logit.fit_side`).
PENALTY = 1.0


@dataclass(frozen=True)
class MoveData:
    """The real moves of both sides, shape (weeks, sides), and the covariates the model sees.

    ``covariates`` has shape (weeks, sides, 6): own last move was cooperate / retaliate, the
    other's last move was cooperate / retaliate, the patron's pressure last week (0 for a side
    the patron does not press, as in the model's payoffs), the share of the side's measures in
    force at the start of the week.
    """

    moves: np.ndarray
    covariates: np.ndarray

    @property
    def weeks(self) -> int:
        """Number of weeks."""
        return self.moves.shape[0]

    @classmethod
    def of(cls, real: RealPath, scenario: Scenario) -> "MoveData":
        """The data of a real path."""
        moves = np.stack([real.moves[s] for s in scenario.sides], axis=1).astype(np.int64)
        weeks, sides = moves.shape
        last = np.vstack([np.full((1, sides), Move.HOLD), moves[:-1]])
        pressure = np.concatenate([[0.0], real.pressure[:-1]])
        covariates = np.zeros((weeks, sides, 6))
        for i, side in enumerate(scenario.sides):
            other = last[:, 1 - i]
            repertoire = scenario.measures[side]
            before = np.concatenate([[scenario.initial.get(side, 0)], real.masks[side][:-1]])
            covariates[:, i] = np.column_stack(
                [
                    last[:, i] == Move.COOPERATE,
                    last[:, i] == Move.RETALIATE,
                    other == Move.COOPERATE,
                    other == Move.RETALIATE,
                    pressure if scenario.feels_pressure(side) else np.zeros(weeks),
                    repertoire.in_force(before).sum(axis=1) / repertoire.size,
                ]
            )
        return cls(moves, covariates)


def _counts(moves: np.ndarray, smoothing: float) -> np.ndarray:
    return np.bincount(moves, minlength=N_MOVES).astype(float) + smoothing


def _log(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), LOG_FLOOR)


@dataclass
class Baseline:
    """A baseline fitted per side; subclasses implement `fit_side` and `predict_side`."""

    name: str = ""
    smoothing: float = 0.0
    per_side: int = 0
    fitted: list = field(default_factory=list)

    @property
    def parameters(self) -> int:
        """Free parameters over both sides."""
        return self.per_side * len(self.fitted)

    def fit(self, data: MoveData, weeks: int | None = None) -> "Baseline":
        """Fit on the first ``weeks`` weeks (default: all)."""
        span = slice(0, weeks)
        self.fitted = [
            self.fit_side(data.moves[span, i], data.covariates[span, i])
            for i in range(data.moves.shape[1])
        ]
        return self

    def probabilities(self, data: MoveData, weeks: np.ndarray, horizon: int = 1) -> np.ndarray:
        """Each side's move probabilities in ``weeks``, shape (len(weeks), sides, 3).

        ``horizon`` h: the prediction for week t uses what was known before week t - h + 1.
        """
        return np.stack(
            [
                self.predict_side(state, data.moves[:, i], data.covariates[:, i], weeks, horizon)
                for i, state in enumerate(self.fitted)
            ],
            axis=1,
        )

    def log_probabilities(self, data: MoveData, weeks: np.ndarray, horizon: int = 1) -> np.ndarray:
        """Log-probability of each real move in ``weeks``, shape (len(weeks), sides)."""
        return self.scored(data, weeks, horizon)[0]

    def scored(
        self, data: MoveData, weeks: np.ndarray, horizon: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """From one forecast: each real move's log-probability and the chance of holding.

        Both of shape (len(weeks), sides); the second splits the first into when to move and
        which move (`sim.analysis.likelihood.when_to_move`).
        """
        probs = self.probabilities(data, weeks, horizon)
        picked = np.take_along_axis(probs, data.moves[weeks][..., None], axis=-1)[..., 0]
        return _log(picked), probs[..., Move.HOLD]

    def fit_side(self, moves: np.ndarray, covariates: np.ndarray):
        """Fit one side; return its fitted state."""
        raise NotImplementedError

    def predict_side(self, state, moves, covariates, weeks, horizon) -> np.ndarray:
        """Probabilities (len(weeks), 3) for one side."""
        raise NotImplementedError


@dataclass
class BaseRates(Baseline):
    """A constant probability of each move."""

    name: str = "base_rates"
    per_side: int = 2

    def fit_side(self, moves, covariates):
        """The share of each move."""
        counts = _counts(moves, self.smoothing)
        return counts / counts.sum()

    def predict_side(self, state, moves, covariates, weeks, horizon):
        """The same shares every week."""
        return np.broadcast_to(state, (len(weeks), N_MOVES))


@dataclass
class Markov(Baseline):
    """A first-order Markov chain; the first week takes the base rates."""

    name: str = "markov"
    per_side: int = 8

    def fit_side(self, moves, covariates):
        """Transition shares (rows: last week's move) and the base rates."""
        counts = np.full((N_MOVES, N_MOVES), self.smoothing)
        np.add.at(counts, (moves[:-1], moves[1:]), 1.0)
        rates = _counts(moves, self.smoothing)
        rates = rates / rates.sum()
        totals = counts.sum(axis=1, keepdims=True)
        matrix = np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), rates)
        return matrix, rates

    def predict_side(self, state, moves, covariates, weeks, horizon):
        """The row of the move ``horizon`` weeks before, through ``horizon`` steps."""
        matrix, rates = state
        steps = np.linalg.matrix_power(matrix, horizon)
        out = np.empty((len(weeks), N_MOVES))
        for n, week in enumerate(weeks):
            known = week - horizon
            out[n] = rates if known < 0 else steps[moves[known]]
        return out


@dataclass
class RegimeBreak(Baseline):
    """Base rates that change once, at the week that fits best (the break is a parameter)."""

    name: str = "regime_break"
    per_side: int = 5

    def fit_side(self, moves, covariates):
        """The best break and the rates on each side of it."""

        def rates(part):
            counts = _counts(part, self.smoothing)
            return counts / counts.sum()

        def loglik(b):
            return sum(
                float((_counts(p, 0.0) * _log(rates(p))).sum()) for p in (moves[:b], moves[b:])
            )

        if len(moves) < 4:
            return len(moves), rates(moves), rates(moves)
        best = max(range(2, len(moves) - 1), key=loglik)
        return best, rates(moves[:best]), rates(moves[best:])

    def predict_side(self, state, moves, covariates, weeks, horizon):
        """The rates of the regime each week falls in (after the fitted span: the last)."""
        break_week, early, late = state
        return np.stack([early if w < break_week else late for w in weeks])


@dataclass
class Logit(Baseline):
    """A multinomial logit of the move on the model's covariates (statsmodels `MNLogit`).

    A covariate that never varies in the fitting weeks (the pressure of a side its patron does
    not press) says nothing the intercept does not: it is left out of that side's design, and
    out of its parameter count. So are the slopes of a move the side never made in them
    (Beijing never cooperates in 2020-2021): no data bear on them and none is estimated; its
    share, 0, counts once, as the base rates count theirs.
    """

    name: str = "logit"
    per_side: int = 14  # with every covariate varying

    @property
    def parameters(self) -> int:
        """Over both sides: (1 + covariates that vary) per move made but the first, 1 per other.

        With every move made that is (1 + covariates) x 2, the coefficients statsmodels fits.
        """
        return sum(
            (1 + int(kept.sum())) * (len(present) - 1) + N_MOVES - len(present)
            for present, _, kept in self.fitted
        )

    def _design(self, covariates: np.ndarray, kept: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones(len(covariates)), covariates[:, kept]])

    def fit_side(self, moves, covariates):
        """Maximum-likelihood coefficients (in sample).

        Out of sample (with smoothing): one pseudo-row per move first and an L1 penalty (weight
        `PENALTY`), so that a few training weeks that separate the moves do not give infinite
        coefficients.
        """
        from statsmodels.discrete.discrete_model import MNLogit

        kept = np.ptp(covariates, axis=0) > 0 if len(covariates) else np.zeros(0, bool)
        x, y = self._design(covariates, kept), moves
        if self.smoothing:
            means = np.tile(x.mean(axis=0), (N_MOVES, 1))
            x, y = np.vstack([x, means]), np.concatenate([y, np.arange(N_MOVES)])
        present = np.unique(y)
        if present.size == 1:  # one move only: the likelihood is maximal at certainty
            return present, None, kept
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = MNLogit(y, x)
            if self.smoothing:
                alpha = np.full((x.shape[1], len(present) - 1), PENALTY)
                alpha[0] = 0.0  # the intercepts are not shrunk
                alpha = alpha.ravel(order="F")  # statsmodels' order: one class after another
                result = model.fit_regularized(method="l1", alpha=alpha, disp=False)
            else:
                result = model.fit(method="bfgs", maxiter=2000, disp=False)
        return present, result, kept

    def _lagged(self, covariates, weeks, horizon, kept) -> np.ndarray:
        rows = np.asarray(weeks) - (horizon - 1)
        return self._design(covariates[np.clip(rows, 0, None)], kept)

    def predict_side(self, state, moves, covariates, weeks, horizon):
        """The fitted logit's probabilities; moves never seen in fitting get none.

        Computed with a stable softmax: on a few weeks of training data a covariate can
        separate the moves, the coefficients grow large and `MNLogit.predict` overflows to NaN.
        """
        from scipy.special import softmax

        present, result, kept = state
        if result is None:
            return np.tile(np.eye(N_MOVES)[present[0]], (len(weeks), 1))
        linear = self._lagged(covariates, weeks, horizon, kept) @ np.asarray(result.params)
        probs = np.zeros((len(weeks), N_MOVES))
        probs[:, present] = softmax(np.column_stack([np.zeros(len(linear)), linear]), axis=1)
        return probs


BASELINES = (BaseRates, Markov, RegimeBreak, Logit)


def fit_baselines(data: MoveData, weeks: int | None = None, smoothing: float = 0.0) -> list:
    """Every baseline, fitted on the first ``weeks`` weeks of ``data``."""
    return [cls(smoothing=smoothing).fit(data, weeks) for cls in BASELINES]
