"""Project exceptions: each says what was wrong, where, and what is allowed."""


class EscalationError(ValueError):
    """Base class of the errors the command line prints without a traceback."""


class ConfigError(EscalationError):
    """A configuration value is missing, mistyped or out of range."""


class ScenarioError(EscalationError):
    """A scenario folder is missing or its data is inconsistent."""


class EventsFileError(EscalationError):
    """An events file is malformed; the message names the line."""


class InvalidMoveError(EscalationError):
    """A player chose a move that is not cooperate, hold or retaliate."""
