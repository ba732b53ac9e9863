"""Baselines for the likelihood of a real move sequence: base rates and a first-order Markov chain.

Each baseline is fitted per actor by maximum likelihood to a sequence of weekly moves (0, 1, 2
for cooperate, hold, retaliate) and scores a sequence week by week. In sample the fit is the
plain MLE (a move never seen gets probability 0, which cannot happen in the fitting sample
itself); out of sample (the hold-out check) add-one (Laplace) smoothing keeps every move
possible. The Markov chain scores its first week with the base rate, since no move precedes it.
"""

import numpy as np

from sim.core.moves import N_MOVES

#: Free parameters per actor: 2 for the base rates; 6 transition probabilities plus the 2 base
#: rates that score the first week for the Markov chain.
PARAMETERS = {"base_rates": 2, "markov": 8}


def move_counts(moves: np.ndarray) -> np.ndarray:
    """How often each move occurs, shape (3,)."""
    return np.bincount(np.asarray(moves, dtype=np.int64), minlength=N_MOVES).astype(float)


def transition_counts(moves: np.ndarray) -> np.ndarray:
    """How often each move follows each move, shape (3, 3): rows last week, columns this week."""
    moves = np.asarray(moves, dtype=np.int64)
    counts = np.zeros((N_MOVES, N_MOVES))
    np.add.at(counts, (moves[:-1], moves[1:]), 1.0)
    return counts


def base_rates(moves: np.ndarray, smoothing: float = 0.0) -> np.ndarray:
    """Probability of each move, shape (3,): (count + smoothing) / (weeks + 3 smoothing)."""
    counts = move_counts(moves) + smoothing
    return counts / counts.sum()


def transition_matrix(moves: np.ndarray, smoothing: float = 0.0) -> np.ndarray:
    """First-order Markov transition probabilities, shape (3, 3), rows summing to 1.

    A row whose move never occurs before the last week has no data; it takes the base rates.
    """
    counts = transition_counts(moves) + smoothing
    totals = counts.sum(axis=1, keepdims=True)
    fallback = base_rates(moves, smoothing)
    return np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), fallback)


def _log(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(p)


def base_rate_log_probabilities(
    moves: np.ndarray, train: np.ndarray | None = None, smoothing: float = 0.0
) -> np.ndarray:
    """Log-probability of each week's move under base rates fitted to ``train`` (or itself)."""
    moves = np.asarray(moves, dtype=np.int64)
    rates = base_rates(moves if train is None else train, smoothing)
    return _log(rates[moves])


def markov_log_probabilities(
    moves: np.ndarray,
    train: np.ndarray | None = None,
    smoothing: float = 0.0,
    previous: int | None = None,
) -> np.ndarray:
    """Log-probability of each week's move under a Markov chain fitted to ``train``.

    ``previous`` is the move of the week before the first (known when ``moves`` continue the
    training weeks); without it the first week is scored with the base rates of ``train``.
    """
    moves = np.asarray(moves, dtype=np.int64)
    fit = moves if train is None else np.asarray(train, dtype=np.int64)
    matrix = transition_matrix(fit, smoothing)
    probabilities = np.empty(len(moves))
    if len(moves):
        first = base_rates(fit, smoothing) if previous is None else matrix[previous]
        probabilities[0] = first[moves[0]]
        probabilities[1:] = matrix[moves[:-1], moves[1:]]
    return _log(probabilities)
