"""The real history: events files, the coding protocol, and the real path on the weekly grid."""

from sim.history.coding import Code, CodedEvent, code_events
from sim.history.events import COLUMNS, DIRECTIONS, US_PRESSURE, Event, load_events
from sim.history.path import RealPath, encode, measure_changes, real_path

__all__ = [
    "COLUMNS",
    "DIRECTIONS",
    "US_PRESSURE",
    "Code",
    "CodedEvent",
    "Event",
    "RealPath",
    "code_events",
    "encode",
    "load_events",
    "measure_changes",
    "real_path",
]
