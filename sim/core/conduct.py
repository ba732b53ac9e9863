"""Conduct: how a side's weekly move (cooperate, hold, retaliate) becomes a concrete act.

A decision rule chooses the move; conduct turns it into what the events coding records
(docs/model.md, "From moves to acts"):

- **retaliate**: a hostile signal with probability ``signal`` (always, when every measure is
  already in force); otherwise it enacts a measure not yet in force, the k-th still available
  in the escalation order with probability proportional to exp(-order x k), and after each
  enactment, with probability ``burst``, another the same week (drawn the same way from the
  rest, while any remains);
- **cooperate**: it lifts one of its reversible measures in force with probability ``lift``
  (each equally likely, except that a running notice is lifted first:
  `Repertoire.lifted_first`), and after each lifting, with probability ``burst``, another;
  otherwise, or when none can be lifted, a conciliatory signal;
- **hold**: nothing.

A measure can be ``locked`` in force in some replications: a notice that has lapsed (the
agreement it threatened has ended, `spent_notice`) can no longer be lifted, so every lifting
is worked out from the measures in force less the locked ones.

The same functions draw acts in a free run and give the probability of a real act when the
real sequence is scored, so what is scored is what is simulated. Every draw takes a fixed
number of uniforms per replication whatever the move, so two runs from one seed share their
random numbers (common random numbers) even when their moves differ.
"""

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.core.measures import Repertoire
from sim.core.moves import Act, Move

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE


def vector(value: Any, n: int) -> np.ndarray:
    """``value`` as a float array of shape (n,), to read, not to write.

    A read-only view of it when it is one already (the fits' case), otherwise a read-only
    broadcast.
    """
    array = np.asarray(value, dtype=float)
    if array.shape != (n,):
        return np.broadcast_to(array, (n,))
    view = array.view()  # the parameter's own values, guarded
    view.flags.writeable = False
    return view


def decay(order: Any, size: int) -> np.ndarray:
    """exp(-order x k) for each rank k = 0 .. size - 1 in the escalation order.

    Shape (size,) for one ``order``, (R, size) for one per replication: worked out once per run,
    so that the weekly enactment weights are a lookup, not an exponential.
    """
    order = np.asarray(order, dtype=float)
    return np.exp(-(order[..., None] if order.ndim else order) * np.arange(size))


def enact_weights(
    repertoire: Repertoire, masks: np.ndarray, order: Any, factors: np.ndarray | None = None
) -> np.ndarray:
    """Probability that each measure is the one enacted, shape (R, size).

    Measures in force get 0; the k-th available one (in escalation order) gets a weight
    exp(-order x k). A row with nothing available is all zeros. ``factors`` is `decay` of
    ``order`` for these rows, when already known.
    """
    if factors is None:
        factors = decay(order, repertoire.size)
    available = repertoire.free_by_state[masks]
    rank = repertoire.rank_by_state[masks]
    if factors.ndim == 1:
        by_rank = factors[rank]
    else:  # each row's factors at that row's ranks (one row of factors serves every row)
        rows = np.arange(rank.shape[0])[:, None] if factors.shape[0] > 1 else 0
        by_rank = factors[rows, rank]
    weights = np.where(available, by_rank, 0.0)
    total = weights.sum(axis=1, keepdims=True)
    return weights / np.where(total > 0, total, 1.0)  # a row of zeros stays zeros


def lift_weights(repertoire: Repertoire, masks: np.ndarray) -> np.ndarray:
    """Probability that each measure is the one lifted, shape (R, size).

    Uniform over the reversible measures in force (a running notice first); a row with none is
    all zeros.
    """
    return repertoire.lift_by_state[masks]


@dataclass
class Options:
    """What a side can do this week in each replication, from its measures in force."""

    enact: np.ndarray  # (R, size): the first enactment's probabilities
    lift: np.ndarray  # (R, size): the lifting's probabilities
    can_enact: np.ndarray  # (R,) bool
    can_lift: np.ndarray  # (R,) bool

    @classmethod
    def of(
        cls,
        repertoire: Repertoire,
        masks: np.ndarray,
        order: Any,
        factors: np.ndarray | None = None,
        locked: np.ndarray | None = None,
    ) -> "Options":
        """The options of every replication in the states ``masks``.

        With one ``order`` for all replications the options depend on the state alone, so they
        are worked out once for every state and looked up (a side has at most 2^size states);
        with an order per replication, row by row. ``factors``: `decay` of ``order``, if known.
        ``locked``: measures in force that cannot be lifted (`spent_notice`), per replication.
        """
        if factors is None:
            factors = decay(order, repertoire.size)
        if factors.ndim == 1:
            options = state_options(repertoire, factors.tobytes()).take(masks)
        else:
            options = cls(
                enact=enact_weights(repertoire, masks, order, factors),
                lift=lift_weights(repertoire, masks),
                can_enact=repertoire.available_by_state[masks] > 0,
                can_lift=repertoire.can_lift_by_state[masks],
            )
        if locked is not None and locked.any():
            free = _free(masks, locked)
            options.lift = lift_weights(repertoire, free)
            options.can_lift = repertoire.can_lift_by_state[free]
        return options

    def take(self, rows: np.ndarray) -> "Options":
        """The options of the given rows."""
        return Options(self.enact[rows], self.lift[rows], self.can_enact[rows], self.can_lift[rows])


@functools.lru_cache(maxsize=64)
def state_options(repertoire: Repertoire, factors: bytes) -> Options:
    """The options in every state of ``repertoire`` for one order, given as its `decay` bytes.

    Cached: a run with one order asks for the same table every week.
    """
    every = np.arange(repertoire.states)
    return Options(
        enact=enact_weights(repertoire, every, None, np.frombuffer(factors)),
        lift=lift_weights(repertoire, every),
        can_enact=repertoire.available_by_state > 0,
        can_lift=repertoire.can_lift_by_state,
    )


def spent_notice(age: np.ndarray, lapse_weeks: int, bit: int) -> np.ndarray:
    """The notice's bit where it has lapsed, else 0, (R,): ``locked`` for the functions here.

    ``age`` is the weeks the notice has been in force before this week. It can still be lifted
    in its ``lapse_weeks``-th week (the week it would lapse); from the next, the agreement has
    ended and lifting the notice would save nothing.
    """
    return np.where(age > lapse_weeks, bit, 0).astype(np.int16)


def _free(masks: np.ndarray, locked: np.ndarray | None) -> np.ndarray:
    """The measures in force that may be lifted: ``masks`` less the ``locked`` ones."""
    return masks if locked is None else (masks & ~locked).astype(np.int16)


def _pick(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index drawn from each row of ``weights`` with uniforms ``u`` in [0, 1).

    The cumulative sum is scaled to end at exactly 1, so rounding never picks a measure of
    weight 0; a row of zeros picks 0 (the caller ignores it).
    """
    cumulative = np.cumsum(weights, axis=1)
    end = cumulative[:, -1:]
    cumulative = np.divide(cumulative, end, out=np.ones_like(cumulative), where=end > 0)
    return (u[:, None] >= cumulative).sum(axis=1)


def _available(repertoire: Repertoire, masks: np.ndarray) -> np.ndarray:
    """How many measures are not in force, per replication."""
    return repertoire.available_by_state[masks]


def uniforms(repertoire: Repertoire) -> int:
    """Uniforms one draw takes per replication: the signal, then a pick and a go-on per measure."""
    return 1 + 2 * repertoire.size


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
    factors: np.ndarray | None = None,
    locked: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn each replication's move into an act: returns (act, enacted mask, lifted mask).

    Takes `uniforms` uniforms per replication, whatever the moves. ``factors``: `decay` of
    ``order``, if known; ``locked``: measures that cannot be lifted (`Options.of`).
    """
    n = masks.shape[0]
    free = _free(masks, locked)
    u = rng.random((uniforms(repertoire), n))
    signal, lift, burst = vector(signal, n), vector(lift, n), vector(burst, n)
    act = np.full(n, Act.NOTHING, dtype=np.int8)
    hostile = moves == R
    enacts = hostile & options.can_enact & (u[0] >= signal)
    act[hostile] = Act.HOSTILE_SIGNAL
    act[enacts] = Act.ENACT
    friendly = moves == C
    lifts = friendly & options.can_lift & (u[0] < lift)
    act[friendly] = Act.CONCILIATORY_SIGNAL
    act[lifts] = Act.LIFT

    enacted = np.zeros(n, dtype=np.int16)
    lifted = np.zeros(n, dtype=np.int16)
    if factors is None:
        factors = decay(order, repertoire.size)
    up, down = np.flatnonzero(enacts), np.flatnonzero(lifts)  # rows still picking
    for step in range(repertoire.size):
        if up.size == 0 and down.size == 0:
            break
        pick, more = u[1 + 2 * step], u[2 + 2 * step]
        if up.size:
            state = masks[up] | enacted[up]
            rows = factors if factors.ndim == 1 else factors[up]
            weights = enact_weights(repertoire, state, order, rows)
            enacted[up] |= repertoire.bits[_pick(weights, pick[up])]
            still = _available(repertoire, masks[up] | enacted[up]) > 0
            up = up[still & (more[up] < burst[up])]
        if down.size:
            left = lift_weights(repertoire, free[down] & ~lifted[down])
            lifted[down] |= repertoire.bits[_pick(left, pick[down])]
            still = repertoire.can_lift_by_state[free[down] & ~lifted[down]]
            down = down[still & (more[down] < burst[down])]
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
    locked: np.ndarray | None = None,
) -> np.ndarray:
    """Log-probability of a real act given its move, in each replication's state, shape (R,).

    ``enacted`` and ``lifted`` are the masks of the measures the act brought into force or
    lifted. An act the conduct cannot produce (enacting a measure already in force, lifting one
    not in force, irreversible or ``locked``) gets -inf; the likelihood floors it.
    """
    n = masks.shape[0]
    if act == Act.NOTHING:  # the commonest week, answered before any other work
        return np.zeros(n)
    signal, lift, burst = vector(signal, n), vector(lift, n), vector(burst, n)

    def enact(state: np.ndarray) -> np.ndarray:
        return enact_weights(repertoire, state, order)

    def unlift(state: np.ndarray) -> np.ndarray:
        return lift_weights(repertoire, state)

    with np.errstate(divide="ignore"):
        match Act(act):
            case Act.HOSTILE_SIGNAL:
                return np.where(options.can_enact, np.log(signal), 0.0)
            case Act.CONCILIATORY_SIGNAL:
                return np.where(options.can_lift, np.log1p(-lift), 0.0)
            case Act.ENACT:
                chosen = _sequence(repertoire, masks, enacted, burst, enact, up=True)
                return np.log1p(-signal) + np.log(chosen)
            case Act.LIFT:
                chosen = _sequence(
                    repertoire, _free(masks, locked), lifted, burst, unlift, up=False
                )
                return np.log(lift) + np.log(chosen)
            case other:
                raise ValueError(f"unknown act {other!r}")


def _sequence(
    repertoire: Repertoire,
    masks: np.ndarray,
    changed: int,
    burst: np.ndarray,
    weights_of: Callable[[np.ndarray], np.ndarray],
    up: bool,
) -> np.ndarray:
    """Probability that one week's picks change exactly the measures in ``changed``, (R,).

    The picks come one at a time (each from ``weights_of`` the state so far), each followed by
    another with probability ``burst`` while one remains possible; the set's probability sums
    over the orders in which it could have been picked.
    """
    picked = np.flatnonzero(repertoire.in_force(np.array([changed]))[0])
    total = np.zeros(masks.shape[0])
    if picked.size == 0:  # an enactment or lifting must change something
        return total
    for sequence in itertools.permutations(picked):
        state = masks.copy()
        probability = np.ones(masks.shape[0])
        for step, k in enumerate(sequence):
            if step:
                probability = probability * burst
            probability = probability * weights_of(state)[:, k]
            bit = repertoire.bits[k]
            state = (state | bit) if up else (state & ~bit)
        more = weights_of(state).sum(axis=1) > 0
        total += probability * np.where(more, 1 - burst, 1.0)
    return total


def expected_after(
    repertoire: Repertoire,
    masks: np.ndarray,
    options: Options,
    signal: Any,
    lift: Any,
    burst: Any,
    per_measure: np.ndarray | None = None,
    locked: np.ndarray | None = None,
) -> np.ndarray:
    """Expected total of per-measure quantities in force after each move.

    ``per_measure`` (size,) gives shape (R, 3); (size, q), several quantities at once, gives
    (R, 3, q). It is, e.g., each measure's economic intensity; None is the repertoire's
    `Repertoire.profile`, whose totals in every state are worked out once. Used by the payoffs:
    a rule that weighs payoffs expects what its move will most likely do. The expected number
    of picks counts the burst; each pick is valued like the first (an approximation the docs
    state). ``locked``: measures that cannot be lifted (`Options.of`).
    """
    n = masks.shape[0]
    single = per_measure is not None and np.ndim(per_measure) == 1
    if per_measure is None:
        matrix, by_state = repertoire.profile, repertoire.profile_by_state
    else:
        matrix = np.asarray(per_measure, dtype=float)
        matrix = matrix[:, None] if single else matrix
        by_state = repertoire.in_force_by_state @ matrix
    signal, lift = vector(signal, n), vector(lift, n)
    now = by_state[masks]
    growth = (1 - signal) * _picks(burst, repertoire.available_by_state[masks], repertoire.size)
    liftable = repertoire.liftable_by_state[_free(masks, locked)]
    shrink = lift * _picks(burst, liftable, repertoire.size)
    # Stored quantity-major, so that each quantity's (3, R) block is contiguous for the payoffs.
    after = np.empty((matrix.shape[1], 3, n)).transpose(2, 1, 0)
    after[:, H] = now
    after[:, R] = now + growth[:, None] * (options.enact @ matrix)
    after[:, C] = now - shrink[:, None] * (options.lift @ matrix)
    return after[..., 0] if single else after


#: Bursts of more values than this (one per replication of a large run) are not cached:
#: hashing them each week costs about what the table saves, and the table would be large.
CACHED_BURST_VALUES = 4096


def _picks(burst: Any, possible: np.ndarray, size: int) -> np.ndarray:
    """`_expected_count` of each replication's ``possible`` picks, (R,), from a cached table.

    ``burst`` is a number or one per replication, (R,); ``size`` the most picks possible.
    """
    burst = np.asarray(burst, dtype=float)
    if burst.size not in (1, possible.shape[0]):
        raise ValueError(f"{burst.size} values of burst for {possible.shape[0]} replications")
    if burst.size > CACHED_BURST_VALUES:
        return _expected_count(vector(burst, possible.shape[0]), possible)
    table = _count_table(burst.tobytes(), size)
    # one value, however it is shaped, serves every replication
    return table[possible, 0 if burst.size == 1 else np.arange(possible.shape[0])]


@functools.lru_cache(maxsize=16)
def _count_table(burst: bytes, size: int) -> np.ndarray:
    """`_expected_count` for every number of possible picks 0 .. size, (size + 1, values).

    ``burst`` is the bytes of its values (one, or one per replication). Cached and read-only:
    the burst is fixed for a run, so every week of it reads one table instead of working out
    powers. The powers are worked out over arrays, never on a lone number: numpy may round
    ``x**k`` of a 0-d array differently, in the last bit, from the same power in an array.
    """
    values = np.frombuffer(burst)
    if values.size == 1:
        table = _expected_count(np.full(size + 1, values[0]), np.arange(size + 1))[:, None]
    else:
        table = np.stack(
            [_expected_count(values, np.full(values.shape, k)) for k in range(size + 1)]
        )
    table.flags.writeable = False
    return table


def _expected_count(burst: np.ndarray, possible: np.ndarray) -> np.ndarray:
    """Expected number of picks in a week: 1 + burst + ... + burst^(possible - 1)."""
    geometric = np.divide(
        1 - burst**possible, 1 - burst, out=possible.astype(float), where=burst < 1
    )
    return np.where(possible > 0, geometric, 0.0)


def weigh(shares: np.ndarray, per_measure: np.ndarray) -> np.ndarray:
    """Row sums of ``shares`` (R, size) weighted by ``per_measure`` (size,) or (R, size)."""
    return (shares * per_measure).sum(axis=1)
