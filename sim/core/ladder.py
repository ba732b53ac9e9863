"""Escalation ladders: the named rungs a capital climbs when it retaliates.

A ladder state is an integer rung index per replication: 0 means nothing in force, k means
rungs 1..k are in force. Retaliating climbs one rung (at the top it repeats the top move);
cooperating steps down one rung when the top rung in force is reversible, and is otherwise a
gesture that changes nothing in force.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sim.core.errors import ScenarioError
from sim.core.moves import DOMAINS, ECONOMIC_DOMAINS, N_MOVES, Move


@dataclass(frozen=True)
class Rung:
    """One named measure on a ladder, with its domain and intensity in (0, 1]."""

    id: str
    name: str
    domain: str
    intensity: float
    reversible: bool = True
    undo: str = ""
    events: tuple[str, ...] = ()
    undone_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise ScenarioError(
                f"rung {self.id!r}: domain {self.domain!r} is not one of {', '.join(DOMAINS)}"
            )
        if not 0 < self.intensity <= 1:
            raise ScenarioError(f"rung {self.id!r}: intensity {self.intensity} is not in (0, 1]")


@dataclass(frozen=True)
class Ladder:
    """An actor's rungs from the mildest to the harshest, plus its default gesture."""

    actor: str
    rungs: tuple[Rung, ...]
    gesture: str = "proposes talks"
    ids: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not self.rungs:
            raise ScenarioError(f"the ladder of {self.actor} has no rungs")
        ids = tuple(r.id for r in self.rungs)
        if len(set(ids)) != len(ids):
            raise ScenarioError(f"the ladder of {self.actor} repeats a rung id: {ids}")
        object.__setattr__(self, "ids", ids)

    @property
    def top(self) -> int:
        """Index of the harshest rung."""
        return len(self.rungs)

    def index(self, rung_id: str) -> int:
        """Rung index (1-based) of a rung id; ``"none"`` is 0."""
        if rung_id == "none":
            return 0
        if rung_id not in self.ids:
            raise ScenarioError(
                f"{self.actor} has no rung {rung_id!r}; its rungs are: none, {', '.join(self.ids)}"
            )
        return self.ids.index(rung_id) + 1

    def rung_name(self, index: int) -> str:
        """Id of the top rung in force at ``index`` (``"none"`` at 0)."""
        return "none" if index == 0 else self.ids[index - 1]

    @cached_property
    def next_rung(self) -> np.ndarray:
        """Transition table, shape (top + 1, 3): the rung after each move from each rung."""
        table = np.empty((self.top + 1, N_MOVES), dtype=np.int16)
        for r in range(self.top + 1):
            down = r - 1 if r > 0 and self.rungs[r - 1].reversible else r
            table[r, Move.COOPERATE] = down
            table[r, Move.HOLD] = r
            table[r, Move.RETALIATE] = min(r + 1, self.top)
        return table

    def _cumulative(self, domains: tuple[str, ...]) -> np.ndarray:
        weights = [r.intensity if r.domain in domains else 0.0 for r in self.rungs]
        return np.concatenate([[0.0], np.cumsum(weights)])

    @cached_property
    def weight(self) -> np.ndarray:
        """Total intensity in force at each rung index, shape (top + 1,)."""
        return self._cumulative(DOMAINS)

    @cached_property
    def economic(self) -> np.ndarray:
        """Intensity of trade and society measures in force at each rung index."""
        return self._cumulative(ECONOMIC_DOMAINS)

    @cached_property
    def security(self) -> np.ndarray:
        """Intensity of security measures in force at each rung index."""
        return self._cumulative(("security",))

    @cached_property
    def climb_domain(self) -> np.ndarray:
        """Domain index (into ``DOMAINS``) of the rung a retaliation from each index reaches."""
        return np.array(
            [DOMAINS.index(self.rungs[min(r, self.top - 1)].domain) for r in range(self.top + 1)]
        )

    def describe(self, index: int, move: Move) -> str:
        """The concrete move a capital makes from rung ``index``, e.g. the rung it climbs to."""
        match move:
            case Move.RETALIATE:
                return self.rungs[min(index, self.top - 1)].name
            case Move.COOPERATE:
                if index > 0 and self.rungs[index - 1].reversible:
                    rung = self.rungs[index - 1]
                    return rung.undo or f"steps back from {rung.id}"
                return self.gesture
            case Move.HOLD:
                return f"{self.actor.title()} holds its position"
            case _:
                raise ValueError(f"unknown move {move!r}")
