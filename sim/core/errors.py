"""Project exceptions: each says what was wrong, where, and what is allowed."""


class EscalationError(ValueError):
    """Base class of the errors the command line prints without a traceback."""


class ConfigError(EscalationError):
    """A configuration value is missing, mistyped or out of range.

    ``advice`` (how to put it right on the command line) is kept apart from ``problem`` so a
    caller whose configuration does not come from the command line, such as a game record's
    replay, can give its own.
    """

    def __init__(self, problem: str, advice: str | None = None) -> None:
        super().__init__(f"{problem}; {advice}" if advice else problem)
        self.problem = problem
        self.advice = advice


class ScenarioError(EscalationError):
    """A scenario folder is missing or its data is inconsistent."""


class EventsFileError(EscalationError):
    """An events file is malformed; the message names the line."""


class InvalidMoveError(EscalationError):
    """A player chose a move that is not cooperate, hold or retaliate."""
