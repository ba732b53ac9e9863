import threading
import time
from collections import Counter

import pytest

from sim.play.game import Game
from sim.play.rooms import (
    CODE_LENGTH,
    CODE_LETTERS,
    SCENARIO_EVENTS,
    Room,
    RoomError,
    RoomRegistry,
    RoomSettings,
)

ROLES = ("seoul", "tokyo", "washington")
HOLD = {"seoul": "hold", "tokyo": "hold", "washington": "abstain"}


@pytest.fixture
def registry():
    return RoomRegistry()


@pytest.fixture
def room(registry) -> Room:
    return registry.create(RoomSettings(weeks=4))


@pytest.fixture
def seats(room) -> dict[str, str]:
    return {role: room.claim(role) for role in ROLES}


def refused(match: str):
    return pytest.raises(RoomError, match=match)


# -- settings ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        (RoomSettings(humans=()), "at least one role"),
        (RoomSettings(humans=("seoul", "beijing")), "no such role beijing"),
        (RoomSettings(solo=True), "exactly one role"),
        (RoomSettings(payoffs="harmony"), "payoffs 'harmony': choose one of"),
        (RoomSettings(scenario="cuba_1962"), "scenario 'cuba_1962'"),
        (RoomSettings(us_policy="isolationist"), "US policy 'isolationist'"),
        (RoomSettings(us_pressure=1.5), "between 0 and 1"),
        (RoomSettings(seed=-1), "seed -1"),
        (RoomSettings(weeks=0), "weeks 0"),
        (RoomSettings(weeks=500), "62 weeks at most"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(registry, settings, reason):
    with refused(reason):
        registry.create(settings)
    assert len(registry) == 0


def test_settings_reach_the_game(registry):
    settings = RoomSettings(
        payoffs="chicken", us_policy="constant", us_pressure=0.25, humans=("tokyo",), seed=7
    )
    game = registry.create(settings).game
    assert game.config.payoffs.name == "chicken"
    assert (game.config.us.policy, game.config.us.pressure) == ("constant", 0.25)
    assert game.humans == ("tokyo",)
    assert game.seed == 7
    assert game.weeks == game.scenario.weeks == 62


# -- codes and seats -----------------------------------------------------------------------
@pytest.mark.slow
def test_codes_are_short_unique_and_read_in_any_case(registry):
    rooms = [registry.create(RoomSettings(weeks=2)) for _ in range(12)]
    codes = [r.code for r in rooms]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_LETTERS) for c in codes)
    assert registry.get(f" {codes[0].lower()} ") is rooms[0]
    assert registry.codes() == sorted(codes)
    with refused("there is no room ZZZZ"):
        registry.get("zzzz")
    with refused(r"no room \(empty\)"):
        registry.get("")


def test_a_seat_token_gives_its_role_back(room, seats):
    for role, token in seats.items():
        assert room.role_of(token) == role
        assert room.briefing(token)["role"] == role
    with refused("does not hold a role"):
        room.role_of("guess")
    with refused("does not hold a role"):
        room.role_of(None)


def test_a_taken_role_or_a_role_the_model_plays_cannot_be_claimed(registry):
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=3))
    room.claim("seoul")
    with refused("Seoul is already taken by another team"):
        room.claim("seoul")
    with refused("Washington is played by the model"):
        room.claim("washington")
    with refused("no such role 'beijing'"):
        room.claim("beijing")


def test_the_instructor_can_free_a_seat(room, seats):
    room.release(room.instructor_key, "seoul")
    with refused("does not hold a role"):
        room.submit(seats["seoul"], "hold")
    token = room.claim("seoul")
    assert room.role_of(token) == "seoul"


# -- moves ---------------------------------------------------------------------------------
def test_a_team_moves_only_for_its_own_role_and_once_a_week(room, seats):
    with refused("your team plays Tokyo: you cannot move for Seoul"):
        room.submit(seats["tokyo"], "retaliate", role="seoul")
    assert room.submit(seats["seoul"], "r") == "retaliate"
    with refused("seoul has already moved this week"):
        room.submit(seats["seoul"], "hold")
    with refused("'attack' is not a move for tokyo"):
        room.submit(seats["tokyo"], "attack")
    assert room.status()["seats"]["seoul"]["moved"]
    assert room.status()["waiting_for"] == ["tokyo", "washington"]


def test_the_week_is_played_when_every_team_has_moved(room, seats):
    room.submit(seats["seoul"], "retaliate")
    room.submit(seats["tokyo"], "hold")
    assert room.game.week == 0
    room.submit(seats["washington"], "press")
    assert room.game.week == 1
    week = room.status()["timeline"][0]
    assert week["moves"] == {"seoul": "retaliate", "tokyo": "hold", "washington": "press"}


def test_a_late_move_is_refused(room, seats):
    shown = room.briefing(seats["tokyo"])["week"]
    room.advance(room.instructor_key)
    with refused("too late: week 1 is over, it is now week 2"):
        room.submit(seats["tokyo"], "retaliate", week=shown)


def test_the_instructor_advances_and_missing_moves_hold(room, seats):
    room.submit(seats["seoul"], "retaliate")
    report = room.advance(room.instructor_key)
    assert report.moves["tokyo"] in ("cooperate", "hold", "retaliate")
    assert report.moves["tokyo"] == "hold"  # held
    assert any("Tokyo, Washington held" in e.text for e in room.log)


def test_pause_stops_moves_and_advances_until_resume(room, seats):
    key = room.instructor_key
    room.submit(seats["seoul"], "hold")
    room.submit(seats["tokyo"], "hold")
    room.pause(key)
    with refused("paused the game"):
        room.submit(seats["washington"], "press")
    with refused("paused: resume it"):
        room.advance(key)
    with refused("already paused"):
        room.pause(key)
    room.resume(key)
    with refused("not paused"):
        room.resume(key)
    room.submit(seats["washington"], "press")
    assert room.game.week == 1


def test_only_the_instructor_runs_the_game(room, seats):
    for token in (seats["seoul"], "guess", None):
        for action in (room.advance, room.pause, room.resume):
            with refused("only the instructor"):
                action(token)
        with refused("only the instructor"):
            room.inject(token, "seoul", "escalate", "a court ruling")
        with refused("only the instructor"):
            room.release(token, "tokyo")
        with refused("only the instructor"):
            room.instructor_view(token)
    with refused("only the instructor can end the game"):
        room.end(seats["tokyo"])


def test_an_injected_event_moves_a_ladder_and_every_team_sees_it(room, seats):
    event = SCENARIO_EVENTS[0]
    before = room.status()["tension"]
    room.inject(room.instructor_key, event.actor, event.direction, event.text)
    assert room.status()["tension"] > before
    for token in seats.values():
        brief = room.briefing(token)
        assert brief["injections"][-1]["text"] == event.text
        assert brief["in_force"]["seoul"]
    for role, token in seats.items():
        room.submit(token, HOLD[role])
    assert room.status()["timeline"][0]["injected"] == [event.text]


@pytest.mark.parametrize(
    ("actor", "direction", "text", "reason"),
    [
        ("washington", "escalate", "a summit", "events move an ally's ladder"),
        ("seoul", "explode", "a summit", "direction 'explode'"),
        ("seoul", "escalate", "   ", "needs a description"),
        ("seoul", "escalate", "x" * 201, "under 200 characters"),
    ],
)
def test_a_bad_event_is_refused(room, actor, direction, text, reason):
    with refused(reason):
        room.inject(room.instructor_key, actor, direction, text)
    assert room.game.injections == []


# -- the end -------------------------------------------------------------------------------
def test_the_game_ends_after_its_last_week_and_refuses_more(room, seats):
    for _ in range(4):
        for role, token in seats.items():
            room.submit(token, HOLD[role])
    assert room.ended and room.game.finished
    assert room.status()["waiting_for"] == []
    with refused("the game is over"):
        room.submit(seats["seoul"], "hold")
    with refused("the game is over"):
        room.advance(room.instructor_key)
    with refused("the game is over"):
        room.claim("seoul")
    debrief = room.debrief(replications=200)
    assert debrief["weeks_played"] == 4
    assert room.debrief() is debrief  # computed once, shared by every page


def test_the_instructor_ends_early_and_the_debrief_opens(room, seats):
    with refused("opens when the game is over"):
        room.debrief()
    room.submit(seats["seoul"], "retaliate")
    room.advance(room.instructor_key)
    room.end(room.instructor_key)
    assert room.debrief(replications=100)["weeks_played"] == 1
    with refused("the game is over"):
        room.end(room.instructor_key)


def test_a_single_player_may_end_their_own_game(registry):
    room = registry.create(RoomSettings(humans=("tokyo",), solo=True, weeks=5))
    token = room.claim("tokyo")
    room.submit(token, "retaliate")  # alone: the week is played at once
    assert room.game.week == 1
    room.end(token)
    assert room.ended


# -- changes, rooms apart ------------------------------------------------------------------
def test_a_waiting_page_wakes_when_the_room_changes(room, seats):
    version = room.version
    woke = []
    waiter = threading.Thread(target=lambda: woke.append(room.wait_changed(version, 5.0)))
    waiter.start()
    time.sleep(0.05)
    room.submit(seats["seoul"], "hold")
    waiter.join(2.0)
    assert woke == [version + 1]
    assert room.wait_changed(room.version, 0.01) == room.version  # times out quietly


def test_connected_seats_and_the_log_for_the_instructor(room, seats):
    room.seats["tokyo"].seen = 0.0  # a page that went away
    view = room.instructor_view(room.instructor_key)
    assert view["seats"]["seoul"]["connected"] and not view["seats"]["tokyo"]["connected"]
    assert room.touch(seats["tokyo"]) == "tokyo"
    assert room.status()["seats"]["tokyo"]["connected"]
    assert room.log[-1].kind == "rejoined"
    assert set(view["seat_tokens"]) == set(ROLES)


def test_rooms_are_isolated(registry):
    a = registry.create(RoomSettings(humans=("seoul",), weeks=5, seed=1))
    b = registry.create(RoomSettings(humans=("seoul",), weeks=5, seed=1))
    token_a, token_b = a.claim("seoul"), b.claim("seoul")
    a.submit(token_a, "retaliate")
    assert (a.game.week, b.game.week) == (1, 0)
    assert b.status()["timeline"] == []
    with refused(f"does not hold a role in room {b.code}"):
        b.submit(token_a, "hold")
    with refused("only the instructor"):
        b.advance(a.instructor_key)
    b.submit(token_b, "cooperate")
    assert a.game.timeline[0].moves["seoul"] != b.game.timeline[0].moves["seoul"]


def test_the_registry_is_bounded_and_forgets_idle_rooms():
    registry = RoomRegistry(max_rooms=2)
    first = registry.create(RoomSettings(weeks=2))
    registry.create(RoomSettings(weeks=2))
    with refused("already holds 2 rooms"):
        registry.create(RoomSettings(weeks=2))
    first.last_activity -= registry.idle_seconds + 1
    registry.create(RoomSettings(weeks=2))
    with refused("there is no room"):
        registry.get(first.code)


# -- load: many clients, many rooms, bounded in time ---------------------------------------
CHOICES = {"seoul": "rcrh", "tokyo": "hrcr", "washington": ("press", "engage", "abstain")}


def client(room: Room, token: str, index: int, accepted: Counter, problems: list) -> None:
    """One browser polling and moving until the game ends; only refusals are expected."""
    choices = CHOICES[room.role_of(token)]
    deadline = time.monotonic() + 60
    try:
        while not room.ended and time.monotonic() < deadline:
            try:
                brief = room.briefing(token)
                week = brief["week"]
                if not brief["moved"]:
                    choice = choices[(week + index) % len(choices)]
                    move = room.submit(token, choice, week=week)
                    accepted[(week, brief["role"])] += 1
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
                lambda: room.briefing(None),
            ):
                try:
                    attempt()
                    problems.append("an intruder's action was accepted")
                except RoomError:
                    pass
            time.sleep(0.002)
    except Exception as problem:
        problems.append(repr(problem))


def instructor(room: Room, problems: list) -> None:
    """Starts with the room paused: injects an event, resumes, then pauses and injects again."""
    key = room.instructor_key
    try:
        for event in SCENARIO_EVENTS[:3]:
            time.sleep(0.02)  # the clients hammer the paused room meanwhile
            if not room.paused:
                room.pause(key)
            room.inject(key, event.actor, event.direction, event.text)
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


def check_consistent(room: Room, accepted: Counter) -> None:
    """Every week has exactly one move per person, and the record replays to the same game."""
    game = room.game
    assert room.ended and game.finished
    assert len(game.timeline) == game.weeks
    logged = Counter((m["week"], m["actor"]) for m in game.moves_log)
    assert logged == Counter({(w, a): 1 for w in range(game.weeks) for a in game.humans})
    assert all(n == 1 for n in accepted.values())
    replayed = Game.replay(game.record())
    assert [r.moves for r in replayed.timeline] == [r.moves for r in game.timeline]
    assert [r.tension for r in replayed.timeline] == [r.tension for r in game.timeline]


def test_thirty_clients_in_one_room(registry):
    room = registry.create(RoomSettings(weeks=30, seed=3))
    tokens = {role: room.claim(role) for role in ROLES}
    accepted, problems = Counter(), []
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


@pytest.mark.slow
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
    counters = {room.code: Counter() for room in rooms}
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
