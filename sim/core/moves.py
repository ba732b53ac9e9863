"""The moves, actors and domains every other module speaks in."""

from enum import Enum, IntEnum

import numpy as np

from sim.core.errors import InvalidMoveError


class Move(IntEnum):
    """A capital's weekly move; the integer is its column in probability arrays."""

    COOPERATE = 0
    HOLD = 1
    RETALIATE = 2

    @classmethod
    def parse(cls, text: str) -> "Move":
        """Read a move from its name or first letter (``c``, ``h``, ``r``)."""
        key = text.strip().lower()
        for move in cls:
            if key in (move.name.lower(), move.name[0].lower()):
                return move
        allowed = ", ".join(m.name.lower() for m in cls)
        raise InvalidMoveError(f"unknown move {text!r}: choose one of {allowed}")


class Act(IntEnum):
    """What a side did in a week, as the events coding and the model both see it.

    A week with a measure change is an enactment or a lifting (a week that enacts one and lifts
    another counts as an enactment); otherwise a hostile signal (a protest, a statement, a
    rejection), a conciliatory one (a proposal, a meeting, talks), or nothing.
    """

    NOTHING = 0
    HOSTILE_SIGNAL = 1
    CONCILIATORY_SIGNAL = 2
    ENACT = 3
    LIFT = 4

    @property
    def label(self) -> str:
        """The act's name in lower case, as tables write it."""
        return self.name.lower()

    @property
    def stance(self) -> "Move":
        """The move the act expresses: retaliate, cooperate or hold."""
        return STANCE_OF_ACT[self]


#: The move each act expresses, indexed by `Act`.
STANCE_OF_ACT = np.array(
    [Move.HOLD, Move.RETALIATE, Move.COOPERATE, Move.RETALIATE, Move.COOPERATE], dtype=np.int8
)
ACT_NAMES = tuple(a.name.lower() for a in Act)


class UsMove(Enum):
    """Washington's weekly move, named by the pressure level it stands for.

    A person playing Washington picks one of these levels; a real week's US events are coded
    to one of them (`sim.history`); a simulated pressure level is named by `UsMove.of`.
    """

    ABSTAIN = 0.0
    ENGAGE = 0.3
    PRESS = 1.0

    @property
    def label(self) -> str:
        """The move's name in lower case, as tables and records write it."""
        return self.name.lower()

    @property
    def verb(self) -> str:
        """What Washington does, as a sentence's verb phrase (pressing both its allies)."""
        return self.verb_on("its allies")

    def verb_on(self, whom: str) -> str:
        """What Washington does to ``whom``, as a sentence's verb phrase.

        ``whom`` is "its allies", or "Beijing" in a case where it presses Beijing alone.
        """
        return {"ABSTAIN": "abstains", "ENGAGE": f"engages {whom}"}.get(
            self.name, f"presses {whom}"
        )

    @classmethod
    def parse(cls, text: str) -> "UsMove":
        """Read a move from its name or first letter (``a``, ``e``, ``p``)."""
        key = text.strip().lower()
        for move in cls:
            if key in (move.label, move.label[0]):
                return move
        allowed = ", ".join(m.label for m in cls)
        raise InvalidMoveError(f"{text!r} is not a move for Washington: choose one of {allowed}")

    @staticmethod
    def of(pressure: np.ndarray) -> np.ndarray:
        """Index into `US_MOVES` of each pressure level.

        Abstain at 0 or below, engage below `PRESS_THRESHOLD`, press at or above it.
        """
        pressure = np.asarray(pressure)
        return np.select([pressure <= 0, pressure < PRESS_THRESHOLD], [0, 1], 2)


#: Pressure from which Washington's move counts as pressing rather than engaging.
PRESS_THRESHOLD = 0.5
US_MOVES = tuple(UsMove)

N_MOVES = len(Move)
MOVE_NAMES = tuple(m.name.lower() for m in Move)

ALLIES = ("seoul", "tokyo")
ACTORS = (*ALLIES, "washington")
DOMAINS = ("legal", "trade", "security", "diplomatic", "society")
ECONOMIC_DOMAINS = ("trade", "society")
