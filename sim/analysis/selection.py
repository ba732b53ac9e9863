"""Backward selection of the keys to fit, by an information criterion, with drops and ties.

The committed fit's keys (conf/calibrate.yaml's ``params``) came from this search
(`benchmarks/select_keys.py`, docs/comparison.md section 7.2). A key is a ``params`` entry
(``name[:low:high[:log]]``, `sim.analysis.space`). Each round tries every step from the current
set (dropping one key, or with ``ties`` tying a Seoul key to its Tokyo twin, one value for both)
and takes the step that lowers the criterion most; the search stops when no step lowers it.
The criterion is a callable, so the search is the same whatever is fitted and however.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

SIDES = ("seoul", "tokyo")


@dataclass(frozen=True)
class Scored:
    """A key set's criterion (lower is better), log-likelihood and parameter count."""

    criterion: float
    loglik: float
    parameters: int


@dataclass(frozen=True)
class Round:
    """One round of the search: every step tried, best first, and whether the best was taken."""

    parameters: int  # of the set the round starts from
    trials: tuple[tuple[str, tuple[str, ...], Scored], ...]
    taken: bool


@dataclass(frozen=True)
class Selection:
    """Where the search stopped: the keys, their score, and the rounds that led there."""

    keys: tuple[str, ...]
    scored: Scored
    start: Scored
    rounds: tuple[Round, ...]


def key_name(key: str) -> str:
    """The config key of a ``params`` entry, without its range."""
    return key.split(":")[0]


def twin(key: str) -> str | None:
    """The other side's name of a one-side key (``seoul.x`` and ``tokyo.x``), else None."""
    if "+" in key:
        return None
    parts = key_name(key).split(".")
    for side, other in (SIDES, SIDES[::-1]):
        if side in parts:
            return ".".join(other if p == side else p for p in parts)
    return None


def tie(first: str, second: str) -> str:
    """The entry fitting one value for both keys, with the first key's range."""
    key, _, bounds = first.partition(":")
    return f"{key}+{key_name(second)}" + (f":{bounds}" if bounds else "")


def steps(keys: Sequence[str], ties: bool) -> list[tuple[str, tuple[str, ...]]]:
    """Each step a round may take from ``keys``: (label, the keys after it)."""
    keys = tuple(keys)
    out = [(f"drop {key_name(d)}", tuple(x for x in keys if x != d)) for d in keys]
    if ties:
        names = {key_name(x): x for x in keys}
        for first in keys:
            second = names.get(twin(first) or "")
            if second is not None and SIDES[0] in key_name(first).split("."):
                tied = tie(first, second)
                after = tuple(tied if x == first else x for x in keys if x != second)
                out.append((f"tie {key_name(tied)}", after))
    return out


def backward_select(
    keys: Sequence[str],
    score: Callable[[tuple[str, ...]], Scored],
    ties: bool = False,
    score_all: Callable[[list[tuple[str, ...]]], list[Scored]] | None = None,
) -> Selection:
    """Backward selection from ``keys`` by ``score`` (lower is better).

    ``score_all`` scores a round's candidate sets together (for example in parallel); by
    default each is scored in turn with ``score``. Ties between candidates go to the step
    listed first (drops before ties, in the keys' order), so the search is deterministic.
    """
    score_all = score_all or (lambda sets: [score(s) for s in sets])
    current = tuple(keys)
    best = start = score(current)
    rounds: list[Round] = []
    while len(current) > 1:
        trials = steps(current, ties)
        scores = score_all([after for _, after in trials])
        ranked = sorted(
            zip(trials, scores, strict=True), key=lambda row: row[1].criterion
        )  # stable: the first-listed step wins a tie
        (_, after), top = ranked[0]
        taken = top.criterion < best.criterion
        rounds.append(Round(best.parameters, tuple((lb, k, s) for (lb, k), s in ranked), taken))
        if not taken:
            break
        current, best = after, top
    return Selection(current, best, start, tuple(rounds))
