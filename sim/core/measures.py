"""Measures: the lasting steps of coercion a side has in force, as a set.

Each side of a case has a `Repertoire`: its measures in their documented escalation order,
mildest first (for Seoul in 2019: court rulings, asset seizure, boycott, WTO case, Dokdo
drills, white-list removal, GSOMIA notice). Each measure is in force or not, so the state of a
side is a set, held as a bit mask per replication (bit k: the k-th measure in force). Any
reversible measure can be lifted on its own: in 2019 Seoul suspended its GSOMIA notice while
its drills and WTO case stayed.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sim.core.errors import ScenarioError
from sim.core.moves import DOMAINS, ECONOMIC_DOMAINS

#: Most measures a side can have: masks are int16 with one bit per measure.
MAX_MEASURES = 12


@dataclass(frozen=True)
class Measure:
    """One named measure, with its domain and intensity in (0, 1].

    ``events`` are the move ids (in an events file) that bring it into force, ``lifted_by``
    those that lift it; ``undo`` describes the lift in words.
    """

    id: str
    name: str
    domain: str
    intensity: float
    reversible: bool = True
    undo: str = ""
    events: tuple[str, ...] = ()
    lifted_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise ScenarioError(
                f"measure {self.id!r}: domain {self.domain!r} is not one of {', '.join(DOMAINS)}"
            )
        if not 0 < self.intensity <= 1:
            raise ScenarioError(f"measure {self.id!r}: intensity {self.intensity} is not in (0, 1]")


@dataclass(frozen=True)
class Repertoire:
    """A side's measures in escalation order, and how its signals read in words.

    State arrays are bit masks: ``mask & (1 << k)`` is set when measure k is in force.
    ``lifted_first``: a measure that, while in force, is the one a lifting lifts (the case's
    notice: while a notice runs, it is what a concession gives up first); None: every
    reversible measure in force is equally likely.
    """

    actor: str
    measures: tuple[Measure, ...]
    gesture: str = "proposes talks"
    signal: str = "protests"
    lifted_first: str | None = None
    ids: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not self.measures:
            raise ScenarioError(f"{self.actor} has no measures")
        if len(self.measures) > MAX_MEASURES:
            raise ScenarioError(f"{self.actor} has more than {MAX_MEASURES} measures")
        ids = tuple(m.id for m in self.measures)
        if len(set(ids)) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise ScenarioError(
                f"{self.actor} lists the measure id {', '.join(twice)} more than once"
            )
        object.__setattr__(self, "ids", ids)
        self._check_move_ids()

    def _check_move_ids(self) -> None:
        """Refuse a move id that two measures name: an event would change only the first."""
        named: dict[str, str] = {}
        for measure in self.measures:
            for move in dict.fromkeys((*measure.events, *measure.lifted_by)):
                if move in named:
                    raise ScenarioError(
                        f"{self.actor}: the move id {move!r} is named by measures "
                        f"{named[move]!r} and {measure.id!r}; an event changes one measure, "
                        "so name it under one"
                    )
                named[move] = measure.id

    @property
    def size(self) -> int:
        """Number of measures."""
        return len(self.measures)

    @property
    def states(self) -> int:
        """Number of possible sets of measures in force (2 ** size)."""
        return 1 << self.size

    def index(self, measure_id: str) -> int:
        """Position (0-based) of a measure in the escalation order."""
        if measure_id not in self.ids:
            raise ScenarioError(
                f"{self.actor} has no measure {measure_id!r}; its measures are: "
                f"{', '.join(self.ids)}"
            )
        return self.ids.index(measure_id)

    def bit(self, measure_id: str) -> int:
        """The mask bit of a measure."""
        return 1 << self.index(measure_id)

    def mask(self, measure_ids: list[str] | tuple[str, ...]) -> int:
        """The mask with the named measures in force."""
        total = 0
        for measure_id in measure_ids:
            total |= self.bit(measure_id)
        return total

    def names_in_force(self, mask: int) -> list[str]:
        """Names of the measures in force in one state."""
        return [m.name for k, m in enumerate(self.measures) if mask >> k & 1]

    def ids_in_force(self, mask: int) -> list[str]:
        """Ids of the measures in force in one state."""
        return [m.id for k, m in enumerate(self.measures) if mask >> k & 1]

    @cached_property
    def bits(self) -> np.ndarray:
        """Each measure's bit, shape (size,)."""
        return (1 << np.arange(self.size)).astype(np.int16)

    @cached_property
    def intensity(self) -> np.ndarray:
        """Each measure's intensity, shape (size,)."""
        return np.array([m.intensity for m in self.measures])

    @cached_property
    def domain(self) -> np.ndarray:
        """Each measure's domain as an index into `DOMAINS`, shape (size,)."""
        return np.array([DOMAINS.index(m.domain) for m in self.measures])

    @cached_property
    def reversible(self) -> np.ndarray:
        """Whether each measure can be lifted by its side, shape (size,)."""
        return np.array([m.reversible for m in self.measures])

    @cached_property
    def profile(self) -> np.ndarray:
        """Each measure's total, economic and security intensity, shape (size, 3)."""
        return np.column_stack([self.intensity, self.economic, self.security])

    @cached_property
    def economic(self) -> np.ndarray:
        """Intensity of each measure counted as economic (trade, society), shape (size,)."""
        return np.where(
            np.isin(self.domain, [DOMAINS.index(d) for d in ECONOMIC_DOMAINS]), self.intensity, 0.0
        )

    @cached_property
    def security(self) -> np.ndarray:
        """Intensity of each measure counted as security, shape (size,)."""
        return np.where(self.domain == DOMAINS.index("security"), self.intensity, 0.0)

    def in_force(self, masks: np.ndarray) -> np.ndarray:
        """Which measures are in force in each state: booleans of shape (R, size)."""
        return (np.asarray(masks)[..., None] & self.bits) != 0

    @cached_property
    def in_force_by_state(self) -> np.ndarray:
        """Which measures are in force in every state, as 0/1, shape (states, size)."""
        return self.in_force(np.arange(self.states)).astype(float)

    @cached_property
    def profile_by_state(self) -> np.ndarray:
        """Total, economic and security intensity in force in every state, (states, 3)."""
        return self.in_force_by_state @ self.profile

    @cached_property
    def free_by_state(self) -> np.ndarray:
        """Which measures are not in force in every state, booleans of shape (states, size)."""
        return ~self.in_force(np.arange(self.states))

    @cached_property
    def rank_by_state(self) -> np.ndarray:
        """Each measure's rank among those not in force (0 for the mildest), (states, size).

        Measures in force have the rank of the last free one before them (-1 if none): only
        the ranks of free measures are read.
        """
        return np.cumsum(self.free_by_state, axis=1) - 1

    @cached_property
    def lift_by_state(self) -> np.ndarray:
        """Probability that each measure is the one lifted in every state, (states, size).

        Uniform over the reversible measures in force, except that ``lifted_first``, when in
        force, is the one lifted; a state with none is all zeros.
        """
        liftable = self.in_force(np.arange(self.states)) & self.reversible
        if self.lifted_first is not None:
            first = self.index(self.lifted_first)
            running = liftable[:, first]
            liftable[running] = np.arange(self.size) == first
        total = liftable.sum(axis=1, keepdims=True)
        return np.divide(liftable, total, out=np.zeros(liftable.shape), where=total > 0)

    @cached_property
    def can_lift_by_state(self) -> np.ndarray:
        """Whether any reversible measure is in force, in every state, shape (states,)."""
        return self.liftable_by_state > 0

    @cached_property
    def available_by_state(self) -> np.ndarray:
        """How many measures are not in force in every state, shape (states,)."""
        return self.size - self.in_force_by_state.sum(axis=1).astype(np.int64)

    @cached_property
    def liftable_by_state(self) -> np.ndarray:
        """How many reversible measures are in force in every state, shape (states,)."""
        return (self.in_force(np.arange(self.states)) & self.reversible).sum(axis=1)

    @cached_property
    def total_by_state(self) -> np.ndarray:
        """Total intensity in force in every state, shape (states,)."""
        return self.in_force(np.arange(self.states)) @ self.intensity

    @cached_property
    def economic_by_state(self) -> np.ndarray:
        """Economic intensity in force in every state, shape (states,)."""
        return self.in_force(np.arange(self.states)) @ self.economic

    @cached_property
    def security_by_state(self) -> np.ndarray:
        """Security intensity in force in every state, shape (states,)."""
        return self.in_force(np.arange(self.states)) @ self.security

    def in_domains_by_state(self, domains: tuple[str, ...]) -> np.ndarray:
        """Whether a measure of one of ``domains`` is in force in every state, shape (states,)."""
        chosen = np.isin(self.domain, [DOMAINS.index(d) for d in domains]).astype(float)
        return self.in_force(np.arange(self.states)) @ chosen > 0

    @property
    def full(self) -> float:
        """Total intensity of every measure in force."""
        return float(self.intensity.sum())

    def next_available(self, mask: int) -> int | None:
        """The mildest measure not in force (its index), or None when all are."""
        for k in range(self.size):
            if not mask >> k & 1:
                return k
        return None

    def last_liftable(self, mask: int) -> int | None:
        """The last reversible measure in force in escalation order (its index), or None."""
        for k in reversed(range(self.size)):
            if mask >> k & 1 and self.measures[k].reversible:
                return k
        return None

    def to_lift(self, mask: int) -> int | None:
        """The measure a person's cooperation lifts (its index), or None when none can be.

        ``lifted_first`` when it is in force (a running notice goes first, as in the model's
        conduct), otherwise the last reversible measure in force in escalation order.
        """
        if self.lifted_first is not None:
            first = self.index(self.lifted_first)
            if mask >> first & 1 and self.measures[first].reversible:
                return first
        return self.last_liftable(mask)

    def event_step(self, mask: int, escalate: bool, measure: str | None = None) -> int | None:
        """The measure an outside event brings in (``escalate``) or lifts, from ``mask``.

        Without ``measure``, the side's next step (`next_available`, `to_lift`; None when it
        has none). A named ``measure`` is that one, and an event that would change nothing is
        refused with `ScenarioError`: already in force, not in force, or not liftable.
        """
        if measure is None:
            return self.next_available(mask) if escalate else self.to_lift(mask)
        k = self.index(measure)
        in_force, name = bool(mask >> k & 1), self.measures[k].name
        if escalate and in_force:
            raise ScenarioError(
                f"the measure it brings in is already in force, so the event would change "
                f"nothing ({name})"
            )
        if not escalate and not in_force:
            raise ScenarioError(
                f"the measure it lifts is not in force, so the event would change nothing ({name})"
            )
        if not escalate and not self.measures[k].reversible:
            raise ScenarioError(f"cannot be lifted: {name}")
        return k

    def describe_act(self, act: int, enacted: int, lifted: int) -> str:
        """What an act did, in words: the measures it enacted or lifted, or its signal."""
        if act == 3:  # enact
            return "; ".join(self.names_in_force(enacted))
        if act == 4:  # lift
            undone = [
                m.undo or f"{self.actor.title()} lifts {m.id}"
                for m in self.measures
                if lifted & (1 << self.index(m.id))
            ]
            return "; ".join(undone)
        if act == 1:
            return self.signal
        if act == 2:
            return self.gesture
        return f"{self.actor.title()} holds its position"

    def describe(self, mask: int, move: int, locked: int = 0) -> str:
        """The concrete step a move is most likely to be from state ``mask``, in words.

        Retaliating enacts the mildest measure not yet in force (a hostile signal when all
        are); cooperating lifts a running notice, or else the last reversible measure in force
        (`to_lift`, leaving out the ``locked`` ones; a gesture when none is); holding changes
        nothing.
        """
        if move == 2:  # retaliate
            k = self.next_available(mask)
            return self.signal if k is None else self.measures[k].name
        if move == 0:  # cooperate
            k = self.to_lift(mask & ~locked)
            if k is None:
                return self.gesture
            measure = self.measures[k]
            return measure.undo or f"{self.actor.title()} lifts {measure.id}"
        return f"{self.actor.title()} holds its position"
