"""Conduct: how a side's weekly move (cooperate, hold, retaliate) becomes a concrete act.

A decision rule chooses the move; conduct turns it into what the events coding records
(docs/model.md, "From moves to acts"):

- **retaliate**: a hostile signal with probability ``signal`` (always, when every measure is
  already in force); otherwise it enacts a measure not yet in force, the k-th still available
  in the escalation order with probability proportional to exp(-order x k), and with
  probability ``burst`` a second one the same week (drawn the same way from the rest);
- **cooperate**: it lifts one of its reversible measures in force (each equally likely) with
  probability ``lift``; otherwise, or when none can be lifted, a conciliatory signal;
- **hold**: nothing.

The same functions draw acts in a free run and give the probability of a real act when the
real sequence is scored, so what is scored is what is simulated. Every draw takes a fixed
number of uniforms per replication whatever the move, so two runs from one seed share their
random numbers (common random numbers) even when their moves differ.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.core.measures import Repertoire
from sim.core.moves import Act, Move

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
UNIFORMS = 4  # per replication and week: signal or not, first pick, burst, second pick


def _vector(value: Any, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (n,))


def enact_weights(repertoire: Repertoire, masks: np.ndarray, order: Any) -> np.ndarray:
    """Probability that each measure is the one enacted, shape (R, size).

    Measures in force get 0; the k-th available one (in escalation order) gets a weight
    exp(-order x k). A row with nothing available is all zeros.
    """
    available = ~repertoire.in_force(masks)
    rank = np.cumsum(available, axis=1) - 1
    order = np.asarray(order, dtype=float)
    weights = np.where(available, np.exp(-(order[..., None] if order.ndim else order) * rank), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


def lift_weights(repertoire: Repertoire, masks: np.ndarray) -> np.ndarray:
    """Probability that each measure is the one lifted, shape (R, size).

    Uniform over the reversible measures in force; a row with none is all zeros.
    """
    liftable = repertoire.in_force(masks) & repertoire.reversible
    total = liftable.sum(axis=1, keepdims=True)
    return np.divide(liftable, total, out=np.zeros(liftable.shape), where=total > 0)


@dataclass
class Options:
    """What a side can do this week in each replication, from its measures in force."""

    enact: np.ndarray  # (R, size): the first enactment's probabilities
    lift: np.ndarray  # (R, size): the lifting's probabilities
    can_enact: np.ndarray  # (R,) bool
    can_lift: np.ndarray  # (R,) bool
    can_burst: np.ndarray  # (R,) bool: at least two measures available

    @classmethod
    def of(cls, repertoire: Repertoire, masks: np.ndarray, order: Any) -> "Options":
        """The options of every replication in the states ``masks``."""
        available = (~repertoire.in_force(masks)).sum(axis=1)
        lift = lift_weights(repertoire, masks)
        return cls(
            enact=enact_weights(repertoire, masks, order),
            lift=lift,
            can_enact=available > 0,
            can_lift=lift.sum(axis=1) > 0,
            can_burst=available > 1,
        )


def _pick(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index drawn from each row of ``weights`` with uniforms ``u`` in [0, 1).

    The cumulative sum is scaled to end at exactly 1, so rounding never picks a measure of
    weight 0; a row of zeros picks 0 (the caller ignores it).
    """
    cumulative = np.cumsum(weights, axis=1)
    end = cumulative[:, -1:]
    cumulative = np.divide(cumulative, end, out=np.ones_like(cumulative), where=end > 0)
    return (u[:, None] >= cumulative).sum(axis=1)


def draw(
    repertoire: Repertoire,
    masks: np.ndarray,
    options: Options,
    moves: np.ndarray,
    signal: Any,
    lift: Any,
    order: Any,
    burst: Any,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn each replication's move into an act: returns (act, enacted mask, lifted mask)."""
    n = masks.shape[0]
    u = rng.random((UNIFORMS, n))
    signal, lift, burst = _vector(signal, n), _vector(lift, n), _vector(burst, n)
    act = np.full(n, Act.NOTHING, dtype=np.int8)
    enacted = np.zeros(n, dtype=np.int16)
    lifted = np.zeros(n, dtype=np.int16)

    hostile = moves == R
    enacts = hostile & options.can_enact & (u[0] >= signal)
    act[hostile] = Act.HOSTILE_SIGNAL
    act[enacts] = Act.ENACT
    first = repertoire.bits[_pick(options.enact, u[1])]
    enacted = np.where(enacts, first, 0).astype(np.int16)
    second_mask = masks | enacted
    second = repertoire.bits[_pick(enact_weights(repertoire, second_mask, order), u[3])]
    doubles = enacts & options.can_burst & (u[2] < burst)
    enacted = np.where(doubles, enacted | second, enacted).astype(np.int16)

    friendly = moves == C
    lifts = friendly & options.can_lift & (u[0] < lift)
    act[friendly] = Act.CONCILIATORY_SIGNAL
    act[lifts] = Act.LIFT
    lifted = np.where(lifts, repertoire.bits[_pick(options.lift, u[1])], 0).astype(np.int16)
    return act, enacted, lifted


def log_probability(
    repertoire: Repertoire,
    masks: np.ndarray,
    options: Options,
    act: int,
    enacted: int,
    lifted: int,
    signal: Any,
    lift: Any,
    order: Any,
    burst: Any,
) -> np.ndarray:
    """Log-probability of a real act given its move, in each replication's state, shape (R,).

    ``enacted`` and ``lifted`` are the masks of the measures the act brought into force or
    lifted. An act the conduct cannot produce (three enactments in a week, two liftings, a
    measure already in force) gets -inf; the likelihood floors it.
    """
    n = masks.shape[0]
    signal, lift, burst = _vector(signal, n), _vector(lift, n), _vector(burst, n)
    with np.errstate(divide="ignore"):
        match Act(act):
            case Act.NOTHING:
                return np.zeros(n)
            case Act.HOSTILE_SIGNAL:
                return np.where(options.can_enact, np.log(signal), 0.0)
            case Act.CONCILIATORY_SIGNAL:
                return np.where(options.can_lift, np.log1p(-lift), 0.0)
            case Act.ENACT:
                return np.log1p(-signal) + np.log(
                    _enactment(repertoire, masks, enacted, options, order, burst)
                )
            case Act.LIFT:
                picked = repertoire.in_force(np.array([lifted]))[0]
                if picked.sum() != 1:
                    return np.full(n, -np.inf)
                return np.log(lift) + np.log(options.lift[:, picked.argmax()])
            case other:
                raise ValueError(f"unknown act {other!r}")


def _enactment(
    repertoire: Repertoire,
    masks: np.ndarray,
    enacted: int,
    options: Options,
    order: Any,
    burst: np.ndarray,
) -> np.ndarray:
    """Probability of enacting exactly the measures in ``enacted`` (one or two), shape (R,)."""
    picked = np.flatnonzero(repertoire.in_force(np.array([enacted]))[0])
    single = np.where(options.can_burst, 1 - burst, 1.0)
    if len(picked) == 1:
        return options.enact[:, picked[0]] * single
    if len(picked) != 2:
        return np.zeros(masks.shape[0])
    total = np.zeros(masks.shape[0])
    for first, second in (picked, picked[::-1]):
        after = enact_weights(repertoire, masks | repertoire.bits[first], order)
        total += options.enact[:, first] * after[:, second]
    return burst * total


def expected_after(
    repertoire: Repertoire,
    masks: np.ndarray,
    options: Options,
    signal: Any,
    lift: Any,
    burst: Any,
    per_measure: np.ndarray,
) -> np.ndarray:
    """Expected total of per-measure quantities in force after each move.

    ``per_measure`` (size,) gives shape (R, 3); (size, q), several quantities at once, gives
    (R, 3, q). It is, e.g., each measure's economic intensity. Used by the payoffs: a rule that
    weighs payoffs expects what its move will most likely do. A burst counts as one more
    enactment like the first (an approximation the docs state).
    """
    n = masks.shape[0]
    matrix = np.asarray(per_measure, dtype=float)
    single = matrix.ndim == 1
    matrix = matrix[:, None] if single else matrix
    signal, lift, burst = _vector(signal, n), _vector(lift, n), _vector(burst, n)
    now = repertoire.in_force(masks) @ matrix
    growth = np.where(
        options.can_enact, (1 - signal) * np.where(options.can_burst, 1 + burst, 1.0), 0.0
    )
    shrink = np.where(options.can_lift, lift, 0.0)
    after = np.empty((n, 3, matrix.shape[1]))
    after[:, H] = now
    after[:, R] = now + growth[:, None] * (options.enact @ matrix)
    after[:, C] = now - shrink[:, None] * (options.lift @ matrix)
    return after[..., 0] if single else after


def weigh(shares: np.ndarray, per_measure: np.ndarray) -> np.ndarray:
    """Row sums of ``shares`` (R, size) weighted by ``per_measure`` (size,) or (R, size)."""
    return (shares * per_measure).sum(axis=1)
