"""Pieces every classroom page uses: links, refusals, plain text, tables, live updates."""

import contextlib
import html
import logging
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode

import markdown
import solara
import solara.lab

from sim.core.errors import EscalationError
from sim.play.ratelimit import CLIENT_HEADER

log = logging.getLogger(__name__)

#: How often an open page tells the room it is still there (seconds).
HEARTBEAT_SECONDS = 3.0
_threads_lock = threading.Lock()
_threads = 0


def page_threads() -> int:
    """How many page threads are running now (one per open page of a room)."""
    with _threads_lock:
        return _threads


def _count_thread(change: int) -> None:
    global _threads
    with _threads_lock:
        _threads += change


def query(router) -> dict[str, str]:
    """The page's query string as a dict of single values."""
    return {k: v[-1] for k, v in parse_qs(router.search or "").items()}


def link(path: str, **params: str) -> str:
    """A path with its query string."""
    return f"{path}?{urlencode(params)}"


def client_address() -> str:
    """The address of this page's browser (set by `sim.play.server` for every connection)."""
    headers = solara.lab.headers.value or {}
    values = headers.get(CLIENT_HEADER.decode()) or []
    return values[-1] if values else "unknown"


def request_host() -> str | None:
    """The host and port this browser used to reach the server."""
    headers = solara.lab.headers.value or {}
    hosts = headers.get("host") or headers.get("Host") or []
    return hosts[0] if hosts else None


def attempt(action, set_notice, done: str | None = None):
    """Run ``action``; show its refusal (or an unexpected failure) instead of raising."""
    try:
        result = action()
    except EscalationError as problem:
        set_notice(("error", f"Refused: {problem}"))
        return None
    except Exception as problem:  # a bug must not take the page, or the server, down
        log.exception("classroom action failed")
        set_notice(("error", f"Something went wrong on the server: {problem}"))
        return None
    set_notice(("success", done) if done else None)
    return result


@solara.component
def Markdown(text: str):
    """Our own Markdown (never text people typed), rendered on the server without a CDN."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=markdown.markdown(text, extensions=["tables"]),
        classes=["ec-md"],
    )


@solara.component
def Plain(text: str, classes: list[str] | None = None):
    """Text people typed, shown exactly as typed: never a link, an image or markup."""
    solara.HTML(tag="div", unsafe_innerHTML=html.escape(str(text)), classes=classes or ["ec-plain"])


def table_html(head: list[str], rows: list[list[str]], typed: tuple[int, ...] = ()) -> str:
    """An HTML table whose every cell is escaped (safe for text people typed).

    ``typed``: the columns of text people typed, whose long words wrap anywhere (a 150-letter
    word ran off the page and squeezed the other columns); other columns keep their words whole.
    """
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)

    def cell(i: int, text: object) -> str:
        kind = ' class="ec-typed"' if i in typed else ""
        return f"<td{kind}>{html.escape(str(text))}</td>"

    body = "".join(
        "<tr>" + "".join(cell(i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    table = f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="ec-scroll">{table}</div>'


@solara.component
def Table(head: list[str], rows: list[list[str]], wide: bool = False, typed: tuple[int, ...] = ()):
    """A table of plain cells; ``wide``: wider than a phone, which is told to swipe.

    ``typed``: the columns holding text people typed (`table_html`).
    """
    classes = ["ec-md", "ec-wide"] if wide else ["ec-md"]
    solara.HTML(tag="div", unsafe_innerHTML=table_html(head, rows, typed), classes=classes)


@solara.component
def Notice(notice):
    """A refusal or a confirmation, shown until the next action or the next week."""
    if notice is None:
        return
    kind, text = notice
    if kind == "error":
        solara.Error(text, classes=["ec-notice"])
    else:
        solara.Success(text, classes=["ec-notice"])


class Typed:
    """Text being typed in a field: ``value`` for the field, ``current`` for a button's handler.

    A click that follows typing at once can reach the server before the page has redrawn with
    the typed text, so a handler made at the last drawing would see the old text; ``current``
    is updated as each keystroke arrives, so a handler always reads what was typed.
    """

    def __init__(self, value: str, set_value, ref) -> None:
        self.value = value
        self._set = set_value
        self._ref = ref

    @property
    def current(self) -> str:
        """The text as last typed."""
        return self._ref.current

    def set(self, text: str) -> None:
        """Change the text (typing, or clearing it after use)."""
        self._ref.current = text
        self._set(text)


def use_typed(initial: str = "") -> Typed:
    """State for a text field whose value a button's handler reads (see `Typed`)."""
    value, set_value = solara.use_state(initial)
    ref = solara.use_ref(initial)
    return Typed(value, set_value, ref)


def situation(room) -> tuple | None:
    """Where a room stands: its week, when that week last (re)started, paused, ended.

    The start changes with every advance, undo, resume and new timer, so a week reopened by an
    undo is a new situation, though its number is an old one.
    """
    if room is None:
        return None
    with room.lock:
        return (room.game.week, room.week_started, room.paused, room.ended)


def use_situation_notice(room):
    """A notice shown only while the room stands where it stood when the notice was given.

    ``set_notice(notice, at=None)`` stamps the notice with the room's situation now (or with
    ``at``). A refusal ("the instructor has paused the game") goes once the room moves on (a
    resume, the next week, an undo); a move's confirmation stamped with the situation before
    the move ("You chose Hold for week 1.") goes when that move completed the week.
    """
    stamped, set_stamped = solara.use_state((None, None))

    def set_notice(notice, at: tuple | None = None) -> None:
        set_stamped((situation(room) if at is None else at, notice))

    made_in, notice = stamped
    return (notice if made_in == situation(room) else None), set_notice


def _connected(context) -> bool:
    """Whether this page's browser is still connected (its websocket is open)."""
    from solara.server.kernel_context import PageStatus

    return context is None or PageStatus.CONNECTED in tuple(context.page_status.values())


def use_room_updates(room, token: str | None = None) -> int:
    """Redraw when the room changes; beat while the browser is connected; nothing else.

    A page's thread sleeps on the room's condition and wakes on a change or every
    `HEARTBEAT_SECONDS` to tell the room (and the team's seat) it is still open. A page whose
    browser is gone stops beating at once, and Solara closes it (ending the thread) after its
    cull timeout.
    """
    from solara.server import kernel_context

    tick, set_tick = solara.use_state(0)
    try:
        context = kernel_context.get_current_context()
    except Exception:  # no kernel (a test rendering the component directly)
        context = None

    def redraw(value: int, cancel: threading.Event) -> None:
        # under the page's lock, which Solara holds while it handles the page's messages (and
        # closes it): redrawn from this thread without it, a week's buttons could be taken
        # down while a click on one of them was being handled (a KeyError in the server's log)
        with context.lock if context is not None else contextlib.nullcontext():
            if not cancel.is_set():  # closed while this thread waited for the lock
                set_tick(value)

    def poll(cancel: threading.Event) -> None:
        if room is None:
            return
        _count_thread(+1)
        try:
            _beat_until_cancelled(cancel)
        finally:
            _count_thread(-1)

    def _beat_until_cancelled(cancel: threading.Event) -> None:
        page = secrets.token_hex(6)
        seen = room.version
        beat = 0.0
        while not cancel.is_set():
            now = time.monotonic()
            if now - beat >= HEARTBEAT_SECONDS and _connected(context):
                room.heartbeat(page)
                if token is not None:
                    try:
                        room.touch(token)
                    except EscalationError:  # the seat was freed: redraw with the reason
                        redraw(-1, cancel)
                        return
                beat = now
            version = room.wait_changed(seen, HEARTBEAT_SECONDS)
            if cancel.is_set():
                return
            if version != seen:
                seen = version
                redraw(version, cancel)

    def start():
        # a plain thread, not solara.use_thread, whose own state changes (running, finished)
        # would redraw the page from this thread without the lock
        cancel = threading.Event()
        threading.Thread(target=poll, args=(cancel,), daemon=True).start()
        return cancel.set

    solara.use_effect(start, [room.code if room else None, id(room), token])
    return tick
