"""The rooms this server process holds: one `RoomRegistry` on the database it was given.

``escalation classroom`` sets ``ESCALATION_CLASSROOM_DB`` (default
``results/classroom/rooms.sqlite``; ``:memory:`` keeps nothing) before the app loads; the
registry restores every open room from it and starts its clock (round timers, presence).
``ESCALATION_CLASSROOM_LIMITS`` (``OPEN_PER_MINUTE,OPEN_PER_HOUR,JOIN_PER_MINUTE``) changes the
per-address limits, e.g. for a load test from one machine.
"""

import os

from sim.play.ratelimit import Limit
from sim.play.registry import Limits, RoomRegistry
from sim.play.store import DEFAULT_DB, RoomStore


def limits_from_env() -> Limits:
    """Per-address limits from ``ESCALATION_CLASSROOM_LIMITS``, else the defaults."""
    text = os.environ.get("ESCALATION_CLASSROOM_LIMITS")
    if not text:
        return Limits()
    per_minute, per_hour, joins = (int(v) for v in text.split(","))
    return Limits(Limit(per_minute, 60.0), Limit(per_hour, 3600.0), Limit(joins, 60.0))


def open_registry() -> RoomRegistry:
    """The registry on the configured database, with its rooms restored and its clock going."""
    registry = RoomRegistry(
        store=RoomStore(os.environ.get("ESCALATION_CLASSROOM_DB", str(DEFAULT_DB))),
        limits=limits_from_env(),
    )
    registry.restore()
    registry.start_clock()
    return registry


REGISTRY = open_registry()
