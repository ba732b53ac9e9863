"""The moves, actors and domains every other module speaks in."""

from enum import IntEnum

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


N_MOVES = len(Move)
MOVE_NAMES = tuple(m.name.lower() for m in Move)

ALLIES = ("seoul", "tokyo")
ACTORS = (*ALLIES, "washington")
DOMAINS = ("legal", "trade", "security", "diplomatic", "society")
ECONOMIC_DOMAINS = ("trade", "society")
