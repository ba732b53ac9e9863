"""Load on rooms without a browser: 30 threads as clients of one room, five rooms at once.

Each is bounded in time and checked for exactly one move per team per week, a refusal for
every misbehaving client, and a record that replays to the same game.
"""

import threading
import time
from collections import Counter

import pytest

from sim.play.game import GameError
from sim.play.materials import load_materials
from sim.play.ratelimit import Limit
from sim.play.record import record, replay
from sim.play.registry import Limits, RoomRegistry
from sim.play.room import Room
from sim.play.settings import RoomError, RoomSettings

SCENARIO_EVENTS = load_materials("gsomia_2019").injections
LOOSE = Limits(Limit(10_000, 60.0), Limit(10_000, 3600.0), Limit(10_000, 60.0))

ROLES = ("seoul", "tokyo", "washington")
HOLD = {"seoul": "hold", "tokyo": "hold", "washington": "abstain"}


@pytest.fixture
def registry():
    return RoomRegistry(limits=LOOSE)


CHOICES = {"seoul": "rcrh", "tokyo": "hrcr", "washington": ("press", "engage", "abstain")}


def client(room: Room, token: str, index: int, accepted: dict, problems: list) -> None:
    """One browser polling and moving until the game ends; only refusals are expected."""
    choices = CHOICES[room.role_of(token)]
    deadline = time.monotonic() + 60
    try:
        while not room.ended and time.monotonic() < deadline:
            try:
                view = room.team_view(token)
                week = view.briefing.week
                if not view.briefing.moved:
                    choice = choices[(week + index) % len(choices)]
                    move = room.submit(token, choice, week=week)
                    accepted.setdefault((week, view.role), set()).add(move)
                    assert move
            except RoomError:
                pass  # refused: someone else on the team moved first, a late move, a pause...
            room.wait_changed(room.version, 0.005)
    except Exception as problem:  # anything but a refusal is a failure
        problems.append(repr(problem))


def intruder(room: Room, index: int, problems: list) -> None:
    """A misbehaving browser: bad tokens, other roles, bad moves; all must be refused."""
    try:
        while not room.ended:
            for attempt in (
                lambda: room.submit(f"forged-{index}", "retaliate"),
                lambda: room.claim("seoul"),
                lambda: room.advance("not-the-key"),
                lambda: room.team_view(None),
            ):
                try:
                    attempt()
                    problems.append("an intruder's action was accepted")
                except RoomError:
                    pass
            time.sleep(0.002)
    except Exception as problem:
        problems.append(repr(problem))


#: What an event that names a measure is refused for when the teams already moved it.
NO_CHANGE = "so the event would change nothing"


def instructor(room: Room, problems: list) -> None:
    """Starts with the room paused: injects an event, resumes, then pauses and injects again.

    An event naming a measure the teams have already brought in is refused (it would change
    nothing), and the instructor resumes all the same: before, the thread ended there with the
    room paused, and every client waited for a week that never came.
    """
    key = room.instructor_key
    try:
        for event in SCENARIO_EVENTS[:3]:
            time.sleep(0.02)  # the clients hammer the paused room meanwhile
            if not room.paused:
                room.pause(key)
            try:
                room.inject(key, event.actor, event.direction, event.text, event.measure)
            except GameError as refused:  # the game's refusal, passed on by the room
                if NO_CHANGE not in str(refused):
                    raise
            room.resume(key)
    except RoomError as problem:
        if not room.ended:
            problems.append(repr(problem))
    except Exception as problem:
        problems.append(repr(problem))


def run_threads(threads: list[threading.Thread], seconds: float) -> None:
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "clients still running: a deadlock?"


def check_consistent(room: Room, accepted: dict) -> None:
    """Every week has exactly one move per person, and the record replays to the same game."""
    game = room.game
    assert room.ended and game.finished
    assert len(game.timeline) == game.weeks
    logged = Counter((m["week"], m["actor"]) for m in game.moves_log)
    assert logged == Counter({(w, a): 1 for w in range(game.weeks) for a in game.humans})
    # a team's clients may send its move twice (a double click counts once, unrefused), but
    # every move accepted for a week is the one the week played
    played = {(m["week"], m["actor"]): m["move"] for m in game.moves_log}
    assert all(moves == {played[key]} for key, moves in accepted.items())
    replayed = replay(record(game))
    assert [r.moves for r in replayed.timeline] == [r.moves for r in game.timeline]
    assert [r.tension for r in replayed.timeline] == [r.tension for r in game.timeline]


def test_thirty_clients_in_one_room(registry):
    room = registry.create(RoomSettings(weeks=30, seed=3))
    tokens = {role: room.claim(role) for role in ROLES}
    accepted, problems = {}, []
    threads = [
        threading.Thread(
            target=client, args=(room, tokens[ROLES[i % 3]], i, accepted, problems)
        )  # ten browsers per team
        for i in range(27)
    ]
    threads += [threading.Thread(target=intruder, args=(room, i, problems)) for i in range(2)]
    threads.append(threading.Thread(target=instructor, args=(room, problems)))
    room.pause(room.instructor_key)
    started = time.monotonic()
    run_threads(threads, 60)
    assert problems == []
    check_consistent(room, accepted)
    assert room.game.injections[0]["week"] == 0
    assert time.monotonic() - started < 60
    views = []
    readers = [
        threading.Thread(target=lambda: views.append(room.debrief(replications=300)))
        for _ in range(10)
    ]
    run_threads(readers, 30)
    assert len(views) == 10 and all(v is views[0] for v in views)


def test_five_rooms_at_once(registry):
    rooms, problems = [], []

    def open_room(seed: int) -> None:
        try:
            rooms.append(registry.create(RoomSettings(weeks=10, seed=seed)))
        except Exception as problem:
            problems.append(repr(problem))

    run_threads([threading.Thread(target=open_room, args=(s,)) for s in range(5)], 60)
    assert problems == [] and len(rooms) == 5
    assert len({r.code for r in rooms}) == 5
    counters: dict[str, dict] = {room.code: {} for room in rooms}
    threads = []
    for room in rooms:
        for i, role in enumerate(ROLES * 2):  # two browsers per team
            token = room.claim(role) if i < 3 else room.seats[role].token
            threads.append(
                threading.Thread(
                    target=client, args=(room, token, i, counters[room.code], problems)
                )
            )
        threads.append(threading.Thread(target=instructor, args=(room, problems)))
        room.pause(room.instructor_key)
    run_threads(threads, 60)
    assert problems == []
    for room in rooms:
        check_consistent(room, counters[room.code])
        assert room.game.injections[0]["week"] == 0
        assert {s for (_w, s) in counters[room.code]} == set(ROLES)
