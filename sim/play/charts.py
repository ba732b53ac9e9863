"""Charts of a room as PNG bytes, drawn once per room and week and shared by every page.

Pages show a chart by its address (``/classroom-files/chart/...``, served by
`sim.play.server`), which names the room and its ``chart_version``: the first page to ask
draws it, every other page of the room (and every later reload) gets the same bytes, so a
class of 30 pages costs one drawing per week rather than 30.
"""

import io
import threading
from collections import OrderedDict

from matplotlib.figure import Figure

from sim.figures.classroom import make_tension_chart_data, plot_tension_chart
from sim.figures.debrief import plot_debrief
from sim.play.debrief import debrief_data
from sim.play.room import Room

CACHE_SIZE = 512
DPI = 100
DEBRIEF_DPI = 160  # the debrief chart is projected full width: drawn sharper, once per room

_cache: OrderedDict[tuple, bytes] = OrderedDict()
_draw = threading.Lock()  # matplotlib draws one figure at a time; a page waits for the first
drawings = 0  # how many charts were drawn (the load tests read it)


def png(figure: Figure, dpi: int = DPI) -> bytes:
    """A figure as PNG bytes."""
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def _cached(key: tuple, draw, dpi: int = DPI) -> bytes:
    global drawings
    with _draw:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        data = png(draw(), dpi)
        drawings += 1
        _cache[key] = data
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
        return data


def tension_png(room: Room, show_real: bool = False) -> bytes:
    """The live tension chart of a room as it is now."""
    status = room.status()
    key = (room.code, id(room), "tension", status.chart_version, show_real)
    return _cached(key, lambda: plot_tension_chart(make_tension_chart_data(status, show_real)))


def debrief_png(room: Room, role: str | None) -> bytes:
    """A finished room's debrief chart (the same for every role: the roles differ in text)."""
    debrief = room.debrief()
    data = debrief_data(room.game, debrief, role)
    if data is None:
        raise ValueError("no week was played: there is no debrief chart")
    key = (room.code, id(room), "debrief", room.chart_version)
    return _cached(key, lambda: plot_debrief(data), DEBRIEF_DPI)
