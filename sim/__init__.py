"""Agent-based simulator of escalation between Seoul, Tokyo and Washington."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("escalation-sim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
