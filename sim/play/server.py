"""The classroom server: Solara's app for the pages, plus charts and exports over plain HTTP.

`app` is an ASGI app in front of Solara's (`solara.server.starlette.app`, which serves
`sim.play.web`): paths under ``/classroom-files/`` are the shared chart images, the
instructor's downloads and ``health`` (rooms in memory, games running, open page
threads); everything else goes to Solara, with the client's address put in an
``x-classroom-client`` header (replacing any the client sent) so that the pages can limit
what one address does. `main` is ``escalation classroom``: it restores the stored rooms,
prints their instructor links (the way back to a lost one), and runs uvicorn.
"""

import json
import os
import secrets
import signal
import sys
import warnings
from pathlib import Path
from urllib.parse import parse_qs

from sim.console import OneLineParser
from sim.core.errors import EscalationError
from sim.play.ratelimit import CLIENT_HEADER
from sim.play.store import DEFAULT_DB, RoomStore, StoredRoom

PREFIX = "/classroom-files/"
#: Changes at each start, so a browser never shows a chart cached from an earlier run.
BOOT = secrets.token_hex(3)
os.environ.setdefault("SOLARA_APP", "sim.play.web")
os.environ.setdefault("SOLARA_MODE", "production")
#: A page whose browser is gone is closed (its thread ends) after this long.
os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "30s")
#: Solara's "This website runs on Solara" banner is fixed over the page's last line (a phone's
#: last timeline row, the instructor's log).
os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
#: A page whose session the server no longer has (it was restarted) reloads itself, instead of
#: asking its reader to: the address holds the seat, and the room is in the database.
os.environ.setdefault("SOLARA_THEME_FORCE_REFRESH", "true")


class ServerError(EscalationError):
    """The classroom server cannot start: the message says what to change."""


def chart_path(code: str, version: int, real: bool) -> str:
    """The address of a room's live chart at a chart version."""
    return f"{PREFIX}chart/{code}/{BOOT}-{version}-{int(real)}.png"


def debrief_path(code: str, version: int) -> str:
    """The address of a finished room's debrief chart."""
    return f"{PREFIX}debrief/{code}/{BOOT}-{version}.png"


def export_path(code: str, name: str, key: str) -> str:
    """The address of one of a room's export files (``name`` like ``moves.csv``)."""
    return f"{PREFIX}export/{code}/{name}?key={key}"


def seat_export_path(code: str, name: str, seat: str) -> str:
    """The address of one of a single-player game's files, opened by the player's seat link."""
    return f"{PREFIX}seat-export/{code}/{name}?seat={seat}"


def class_export_path(class_id: str, code: str, key: str) -> str:
    """The address of a class's results file (any room's instructor key of the class opens it)."""
    return f"{PREFIX}class/{class_id}/results.csv?room={code}&key={key}"


async def _send(send, status: int, body: bytes, kind: str, cache: str, name: str = "") -> None:
    headers = [(b"content-type", kind.encode()), (b"cache-control", cache.encode())]
    if name:
        headers.append((b"content-disposition", f'attachment; filename="{name}"'.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _answer(path: str, query: dict[str, str]) -> tuple[bytes, str, str, str]:
    """Body, content type, cache policy and download name for a file address."""
    from sim.play import charts, export
    from sim.play.web.state import REGISTRY

    parts = path[len(PREFIX) :].split("/")
    match parts:
        case ["health"]:
            from sim.play.web.common import page_threads

            health = {
                "rooms": len(REGISTRY),
                "running": REGISTRY.running(),
                "page_threads": page_threads(),
            }
            return json.dumps(health).encode(), "application/json", "no-store", ""
        case ["chart", code, name]:
            real = name.endswith("-1.png")
            png = charts.tension_png(REGISTRY.get(code), real)
            return png, "image/png", "public, max-age=31536000, immutable", ""
        case ["debrief", code, _name]:
            png = charts.debrief_png(REGISTRY.get(code), None)
            return png, "image/png", "public, max-age=31536000, immutable", ""
        case ["export", code, name]:
            return _room_file(REGISTRY.instructor(code, query.get("key")), name)
        case ["seat-export", code, name]:
            room, _role = REGISTRY.seat(code, query.get("seat"))
            if not room.settings.solo:  # a team of a class would see the others' notes
                raise ServerError("a class's files are on the instructor's page")
            return _room_file(room, name)
        case ["class", class_id, "results.csv"]:
            room = REGISTRY.instructor(query.get("room"), query.get("key"))
            if room.class_id != class_id:
                raise ServerError("this link does not open that class")
            file = export.class_file(class_id, REGISTRY.of_class(class_id))
            return file.data, "text/csv", "no-store", file.name
        case _:
            raise ServerError("no such file")


def _room_file(room, name: str) -> tuple[bytes, str, str, str]:
    from sim.play import export

    files = {f.name: f for f in export.room_files(room)}
    file = files.get(f"{room.code}_{name}")
    if file is None:
        raise ServerError(f"no export {name} for this room")
    kind = "text/csv" if name.endswith(".csv") else "application/octet-stream"
    return file.data, kind, "no-store", file.name


async def files(scope, receive, send) -> None:
    """Serve a chart or an export; anything wrong is a plain 404 with the reason."""
    import anyio

    query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
    try:
        body, kind, cache, name = await anyio.to_thread.run_sync(_answer, scope["path"], query)
    except (EscalationError, ValueError) as problem:
        await _send(send, 404, str(problem).encode(), "text/plain; charset=utf-8", "no-store")
        return
    await _send(send, 200, body, kind, cache, name)


#: Solara warns at every page served over plain http from a host other than "localhost"
#: that it falls back to SameSite=lax session cookies. That fallback is right here (the pages
#: are never embedded in another site's frame), and the multi-line warning buried the
#: instructor's links in the server's terminal.
LAX_COOKIE_WARNING = "Cookies with samesite=none require https"


def _solara():
    import solara.server.starlette

    warnings.filterwarnings("ignore", message=LAX_COOKIE_WARNING)
    return solara.server.starlette.app


async def app(scope, receive, send) -> None:
    """The classroom's ASGI app: our files, else Solara with the client's address attached."""
    if scope["type"] == "http" and scope["path"].startswith(PREFIX):
        await files(scope, receive, send)
        return
    if scope["type"] in ("http", "websocket"):
        client = (scope.get("client") or ("unknown", 0))[0]
        headers = [(k, v) for k, v in scope.get("headers", []) if k != CLIENT_HEADER]
        scope = {**scope, "headers": [*headers, (CLIENT_HEADER, client.encode())]}
    await _solara()(scope, receive, send)


def print_links(rooms, host: str, port: int) -> None:
    """Each class room's instructor link (the person who started the server can give it back).

    A single player's game has no instructor: its player holds its only link, so it is counted,
    not linked.
    """
    solo = 0
    for room in rooms:
        if room.settings.solo:
            solo += 1
            continue
        print(
            f"  room {room.code} ({state_of(room)}): instructor link "
            f"http://{host}:{port}/instructor?room={room.code}&key={room.instructor_key}",
            flush=True,
        )
    if solo:
        print(f"  {single_games(solo)} (each player keeps their own link)", flush=True)


def single_games(count: int) -> str:
    """``1 single-player game`` / ``3 single-player games``."""
    return f"{count} single-player game{'s' if count != 1 else ''}"


def main(argv: list[str]) -> int:
    """``escalation classroom [--host H] [--port P] [--db PATH]``: serve the classroom."""
    import importlib.util

    parser = OneLineParser(
        prog="escalation classroom",
        description="Serve the classroom page: rooms, seats and games kept in a database.",
        epilog=(
            "Also: `escalation classroom links [--db PATH] [--host HOST:PORT]` prints the open "
            "rooms' instructor links; `escalation classroom export [--room CODE | --class ID]` "
            "writes rooms' moves, records, debriefs and class results (each has --help)."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on")
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"rooms database ({DEFAULT_DB})")
    options = parser.parse_args(argv)
    if not 1 <= options.port <= 65535:
        raise ServerError(f"--port {options.port}: choose a port from 1 to 65535")
    missing = [m for m in ("solara", "solara_assets") if importlib.util.find_spec(m) is None]
    if missing:
        raise ServerError(
            f"the classroom needs the web extra ({', '.join(missing)} missing): "
            "run scripts/setup.sh web, or pip install -e '.[web]'"
        )
    check_free(options.host, options.port)
    RoomStore(options.db).close()  # one line now if it cannot be a database, not a traceback
    os.environ["ESCALATION_CLASSROOM_DB"] = str(Path(options.db))
    shown = "127.0.0.1" if options.host in ("0.0.0.0", "::") else options.host
    from sim.play.web.state import REGISTRY

    if REGISTRY.store is not None:  # `escalation classroom links` prints links to this address
        REGISTRY.store.remember_address(f"{shown}:{options.port}")
    rooms = [REGISTRY.get(code) for code in REGISTRY.codes()]
    print(f"Escalation classroom: open http://{shown}:{options.port}/ in a browser", flush=True)
    ended = sum(room.ended for room in rooms)
    restored = f"{len(rooms) - ended} room(s) in play and {ended} ended restored"
    print(f"Rooms are kept in {options.db}; {restored}.", flush=True)
    print_links(rooms, shown, options.port)
    if shown != options.host:
        print(f"Other machines on the network: http://{network_address()}:{options.port}/")
    print("Stop the server with Ctrl+C; `escalation classroom links` lists the rooms.", flush=True)
    stop = serve(options.host, options.port)
    print(f"The classroom stopped ({stop}); its rooms are kept in {options.db}.", file=sys.stderr)
    return 0


def serve(host: str, port: int) -> str:
    """Serve until Ctrl+C or SIGTERM, and say which stopped the server.

    Either is the server's normal end, not an error: uvicorn shuts down cleanly and then
    raises the signal again, which would otherwise reach the command line's handlers as an
    interruption. Here it is only noted.
    """
    import uvicorn

    stops: list[int] = []
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda number, frame: stops.append(number)) for s in handled}
    try:
        uvicorn.run(
            "sim.play.server:app",
            host=host,
            port=port,
            workers=1,
            ws_ping_interval=5.0,
            ws_ping_timeout=10.0,
            log_level="warning",
        )
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return "SIGTERM" if signal.SIGTERM in stops else "Ctrl+C"


def check_free(host: str, port: int) -> None:
    """Raise `ServerError` when ``host:port`` cannot be listened on (say, already in use)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except socket.gaierror:
            raise ServerError(
                f"--host {host} is not an address of this machine; give e.g. 127.0.0.1 (this "
                "machine only) or 0.0.0.0 (every network it is on)"
            ) from None
        except OSError as problem:
            raise ServerError(
                f"cannot listen on {host}:{port} ({problem.strerror or problem}); "
                "choose another --port, or stop the program using it"
            ) from None


def network_address() -> str:
    """This machine's address on its network (a UDP "connect" sends nothing)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return "THIS-MACHINE'S-ADDRESS"


def links_main(argv: list[str]) -> int:
    """``escalation classroom links [--db PATH] [--host HOST:PORT]``: open rooms' instructor links.

    The links use the address the server last started on with this database (it stores it), so
    a server on another port gets links that work; ``--host`` overrides it, and a database no
    server has stored an address in (an older version's) needs ``--host``.
    """
    parser = OneLineParser(prog="escalation classroom links")
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"rooms database ({DEFAULT_DB})")
    parser.add_argument(
        "--host",
        help="host:port the server answers (default: the one it last started on with this --db)",
    )
    options = parser.parse_args(argv)
    if options.host is not None:
        check_link_host(options.host)
    if not Path(options.db).is_file():
        raise ServerError(f"no rooms database at {options.db}: give --db PATH")
    store = RoomStore(options.db)
    host = options.host or store.address()
    if host is None:
        raise ServerError(
            f"{options.db} does not say where its server answers (no server of this version "
            "has started with it): give --host HOST:PORT, e.g. --host 127.0.0.1:8765"
        )
    rooms = list(store.rooms(open_only=True))
    solo = [stored for stored in rooms if stored.settings.get("solo")]
    rooms = [stored for stored in rooms if not stored.settings.get("solo")]
    if not rooms:
        print(f"no open class rooms in {options.db}; open one at http://{host}/")
    if solo:
        ended = sum(room_state(stored) == "ended" for stored in solo)
        print(
            f"{single_games(len(solo))}, {len(solo) - ended} in play and {ended} ended: each "
            "player keeps their own link"
        )
    for stored in rooms:
        print(
            f"room {stored.code} (class {stored.class_id}, opened {stored.created[:16]}, "
            f"{room_state(stored)}): "
            f"http://{host}/instructor?room={stored.code}&key={stored.instructor_key}"
        )
    return 0


def room_state(stored: StoredRoom) -> str:
    """`state_of` a stored room, replayed as a restarted server replays it."""
    from sim.play.room import Room
    from sim.play.settings import RoomSettings

    room = Room(stored.code, RoomSettings.from_dict(stored.settings), stored.class_id)
    room.replay(stored.actions)
    return state_of(room)


def state_of(room) -> str:
    """``ended``, or the week it is at: ``week 4 of 6``."""
    return "ended" if room.ended else f"week {room.game.week + 1} of {room.game.weeks}"


def check_link_host(text: str) -> None:
    """Raise `ServerError` unless ``text`` is HOST:PORT that a browser can open."""
    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ServerError(
            f"--host {text}: give the address and port the server answers, HOST:PORT "
            "(e.g. --host 127.0.0.1:8765)"
        )
    if host.strip("[]") in ("0.0.0.0", "::"):
        raise ServerError(
            f"--host {text}: {host} is where a server listens, not an address a browser opens; "
            f"give 127.0.0.1:{port} on this machine, or this machine's network address"
        )


def classroom_main(argv: list[str]) -> int:
    """``escalation classroom [serve options] | links ... | export ...``."""
    match argv[:1]:
        case ["export"]:
            from sim.play.export import export_main

            return export_main(argv[1:])
        case ["links"]:
            return links_main(argv[1:])
        case _:
            return main(argv)
