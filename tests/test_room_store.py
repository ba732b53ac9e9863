"""Rooms in SQLite, and what a class needs from a room: undo, timer, limits, cap, messages."""

import json
import re
import sqlite3
import time

import pytest

from sim.play.export import class_file, move_rows, room_files, room_from_stored
from sim.play.ratelimit import Limit, RateLimiter
from sim.play.registry import Limits, RoomRegistry
from sim.play.room import BAD_LINK
from sim.play.settings import RoomError, RoomSettings
from sim.play.store import RoomStore

LOOSE = Limits(Limit(10_000, 60.0), Limit(10_000, 3600.0), Limit(10_000, 60.0))


@pytest.fixture
def store(tmp_path):
    return RoomStore(tmp_path / "rooms.sqlite")


@pytest.fixture
def registry(store):
    return RoomRegistry(store=store, limits=LOOSE)


def play_some(room):
    seats = {r: room.claim(r, name=f"team {r}") for r in ("seoul", "tokyo")}
    room.submit(seats["seoul"], "retaliate", note="the court ruled")
    room.submit(seats["tokyo"], "hold")
    room.inject(room.instructor_key, "tokyo", "escalate", "Tokyo hardens")
    room.broadcast(room.instructor_key, "five minutes")
    room.message(seats["seoul"], "tokyo", "talks?")
    room.submit(seats["seoul"], "hold")
    return seats


def test_the_database_is_sqlite_in_wal_mode(store):
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_restarted_server_finds_every_room_where_it_was(registry, store):
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=5))
    seats = play_some(room)
    again = RoomRegistry(store=RoomStore(store.path), limits=LOOSE)
    [back] = again.restore()
    assert back.code == room.code and back.instructor_key == room.instructor_key
    assert [w.moves for w in back.game.timeline] == [w.moves for w in room.game.timeline]
    assert back.game.pending == {"seoul": "hold"}
    assert back.notes == room.notes and back.messages == room.messages
    assert back.seats["tokyo"].name == "team tokyo"
    assert again.seat(room.code, seats["tokyo"]) == (back, "tokyo")
    back.submit(seats["tokyo"], "cooperate")  # the game goes on
    assert back.game.week == 2


def test_a_restored_room_keeps_each_move_its_own_time(registry, store):
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=5))
    play_some(room)
    room.advance(room.instructor_key)  # Tokyo's hold of week 2 is a default, stamped then
    time.sleep(0.05)
    [back] = RoomRegistry(store=RoomStore(store.path), limits=LOOSE).restore()
    times = [m["time"] for m in room.game.moves_log]
    assert len(set(times)) == len(times)  # each stamped when it was made, not all at once
    assert [m["time"] for m in back.game.moves_log] == times
    assert [r["time"] for r in move_rows(back)] == [r["time"] for r in move_rows(room)]
    assert back.game.injections == room.game.injections
    assert back.game.created == room.game.created


def test_undo_takes_back_the_last_week_and_survives_a_restart(registry, store):
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=5))
    play_some(room)
    key = room.instructor_key
    before = room.status().tension
    room.advance(key)
    assert room.game.week == 2
    room.undo(key)
    assert room.game.week == 1 and room.game.pending == {}  # Seoul's hold of week 2 is cleared
    assert room.status().tension == before
    assert len(room.game.injections) == 1  # the event of week 2 stays
    [back] = RoomRegistry(store=RoomStore(store.path), limits=LOOSE).restore()
    assert back.game.week == 1 and back.game.pending == {}


def test_undo_after_every_team_moved_reopens_the_week_for_every_team(registry, store):
    """Undo of a week every team moved in clears its moves: the room waits for the teams
    (before, it waited for nobody, and Advance replayed the same moves)."""
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=5))
    seats = {r: room.claim(r) for r in ("seoul", "tokyo")}
    room.submit(seats["seoul"], "retaliate", note="the court ruled")
    room.submit(seats["tokyo"], "hold")
    assert room.game.week == 1
    room.undo(room.instructor_key)
    assert room.game.week == 0 and room.game.pending == {}
    assert room.status().waiting_for == ["seoul", "tokyo"]
    assert room.notes == [] and room.game.moves_log == []
    assert "every team moves again" in room.log[-1].text
    # what was taken back stays in the log, marked so (the undo used to erase it)
    assert [e.text for e in room.log[-4:-1]] == [
        "Seoul had moved (taken back)",
        "Tokyo had moved (taken back)",
        "week 1 played: every team has moved (taken back)",
    ]
    room.submit(seats["seoul"], "hold")  # a new choice for the same week
    room.submit(seats["tokyo"], "cooperate")
    assert room.game.timeline[0].moves["seoul"] == "hold"
    room.undo(room.instructor_key)  # a second undo of the same week
    [back] = RoomRegistry(store=RoomStore(store.path), limits=LOOSE).restore()
    assert back.game.week == 0 and back.game.pending == {} and back.game.timeline == []


def test_two_undos_log_what_they_took_back_in_the_weeks_it_came(registry):
    """The taken-back lines were dated by the rebuilt game, which skips the weeks taken back:
    two undos read "took back week 1" twice, and a move of week 3 showed in week 1."""
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=5))
    seats = {r: room.claim(r) for r in ("seoul", "tokyo")}
    key = room.instructor_key
    room.submit(seats["tokyo"], "hold")
    room.advance(key)
    room.submit(seats["seoul"], "retaliate")
    room.advance(key)
    room.submit(seats["seoul"], "hold")  # a move of week 3
    room.undo(key)
    room.undo(key)
    lines = [(e.week, e.text.split(":")[0]) for e in room.log if e.kind != "joined"][1:]
    assert lines == [
        (0, "Tokyo had moved (taken back)"),
        (1, "week 1 played"),
        (1, "Seoul had moved (taken back)"),
        (2, "week 2 played"),
        (2, "Seoul had moved (taken back)"),
        (1, "the instructor took back week 2"),
        (0, "the instructor took back week 1"),
    ]
    assert room.game.week == 0


def test_a_room_saved_before_undo_reopened_the_week_replays_as_it_was_played(registry, store):
    """An undo stored without ``reopen`` kept the week's moves: replayed so, the room resumes
    with the game the class saw, not with that week's moves gone."""
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=5))
    seats = {r: room.claim(r) for r in ("seoul", "tokyo")}
    room.submit(seats["seoul"], "retaliate")
    room.submit(seats["tokyo"], "hold")  # every team moved: week 1 is played
    room.undo(room.instructor_key)
    with sqlite3.connect(store.path) as db:  # as a room saved before 2026-12-04 holds it
        [(data,)] = db.execute("SELECT data FROM actions WHERE kind = 'undo'").fetchall()
        old = {k: v for k, v in json.loads(data).items() if k != "reopen"}
        db.execute("UPDATE actions SET data = ? WHERE kind = 'undo'", (json.dumps(old),))
    [back] = RoomRegistry(store=RoomStore(store.path), limits=LOOSE).restore()
    assert back.game.week == 0
    assert back.game.pending == {"seoul": "retaliate", "tokyo": "hold"}  # the moves stand
    assert back.status().waiting_for == []
    assert "its moves stand" in back.log[-1].text
    assert room.game.pending == {}  # the live room, undone today, reopened the week


def test_links_use_the_address_the_server_stored_or_ask_for_host(registry, store, capsys):
    from sim.play.server import ServerError, links_main

    room = registry.create(RoomSettings(humans=("seoul",), weeks=2))
    with pytest.raises(ServerError, match="give --host HOST:PORT"):
        links_main(["--db", str(store.path)])  # no server has said where it answers
    store.remember_address("127.0.0.1:8799")
    links_main(["--db", str(store.path)])
    assert f"http://127.0.0.1:8799/instructor?room={room.code}&key=" in capsys.readouterr().out
    links_main(["--db", str(store.path), "--host", "class.example:80"])
    assert f"http://class.example:80/instructor?room={room.code}" in capsys.readouterr().out


def test_links_say_when_no_room_is_open(store, capsys):
    from sim.play.server import links_main

    store.remember_address("127.0.0.1:8799")
    assert links_main(["--db", str(store.path)]) == 0  # printed nothing before
    assert capsys.readouterr().out == (
        f"no open class rooms in {store.path}; open one at http://127.0.0.1:8799/\n"
    )


def test_links_count_single_player_games_without_an_instructor_link(registry, store, capsys):
    """A single player's game has no instructor: its key is nobody's, so it is not printed."""
    from sim.play.server import links_main, print_links

    solo = [registry.create(RoomSettings(humans=("seoul",), weeks=2, solo=True)) for _ in "ab"]
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=2))
    done = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=2))
    solo[0].end(solo[0].instructor_key)
    done.end(done.instructor_key)
    store.remember_address("127.0.0.1:8799")
    links_main(["--db", str(store.path)])
    out = capsys.readouterr().out
    said = "2 single-player games, 1 in play and 1 ended: each player keeps their own link"
    assert said in out
    assert f"room={room.code}&key={room.instructor_key}" in out
    assert f"room {room.code} (class {room.class_id}, opened " in out
    assert f", week 1 of 2): http://127.0.0.1:8799/instructor?room={room.code}&" in out
    assert f", ended): http://127.0.0.1:8799/instructor?room={done.code}&" in out
    assert not any(game.code in out for game in solo)
    print_links([*solo, room, done], "127.0.0.1", 8799)
    out = capsys.readouterr().out
    assert f"room {room.code} (week 1 of 2): instructor link" in out
    assert "  2 single-player games (each player keeps their own link)" in out
    assert not any(game.instructor_key in out for game in solo)


@pytest.mark.parametrize(
    ("host", "fragment"),
    [
        ("0.0.0.0", "give the address and port the server answers, HOST:PORT"),  # port dropped
        ("class.example:http", "give the address and port the server answers"),
        ("0.0.0.0:8765", "0.0.0.0 is where a server listens, not an address a browser opens"),
        ("[::]:8765", "[::] is where a server listens"),
    ],
)
def test_links_refuse_a_host_a_browser_cannot_open(store, host, fragment):
    from sim.play.server import ServerError, links_main

    with pytest.raises(ServerError, match=re.escape(fragment)):
        links_main(["--db", str(store.path), "--host", host])


def test_advance_for_a_week_already_played_does_nothing(registry):
    room = registry.create(RoomSettings(humans=("seoul",), weeks=5))
    key = room.instructor_key
    assert room.advance(key, week=0) is not None
    assert room.advance(key, week=0) is None  # the second click
    assert room.advance(key, week=1) is None  # within the guard after the week began
    assert room.game.week == 1


def test_the_round_timer_waits_for_the_first_team(registry):
    # A room opened before the class played a week a minute with nobody in it, and ended empty.
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=3, round_seconds=30))
    assert room.deadline() is None and not room.tick(now=room.week_started + 3600)
    assert room.game.week == 0
    room.claim("seoul", name="late")
    assert room.deadline() == pytest.approx(room.first_joined + 30)
    assert room.first_joined > room.week_started  # the round runs from the join
    room.claim("tokyo", name="later")  # a second team does not restart it
    assert room.deadline() == pytest.approx(room.first_joined + 30)


def test_a_room_whose_every_seat_is_freed_waits_for_a_team_again(registry):
    # Freeing the only team's seat left its clock running: the empty room played a week a
    # minute of holds until a team joined again.
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=5, round_seconds=30))
    room.claim("seoul", name="wrong room")
    room.claim("tokyo", name="right room")
    room.release(room.instructor_key, "seoul")
    assert room.deadline() == pytest.approx(room.first_joined + 30)  # a team is still seated
    room.release(room.instructor_key, "tokyo")
    assert room.deadline() is None and not room.tick(now=room.week_started + 3600)
    assert room.game.week == 0
    room.claim("seoul", name="back")
    assert room.deadline() == pytest.approx(room.first_joined + 30)
    restored = RoomRegistry(store=RoomStore(registry.store.path), limits=LOOSE).restore()
    again = next(r for r in restored if r.code == room.code)
    assert again.first_joined == pytest.approx(room.first_joined)  # replayed from the store


def test_the_round_timer_plays_the_week_when_it_runs_out(registry):
    room = registry.create(RoomSettings(humans=("seoul",), weeks=5, round_seconds=30))
    room.claim("seoul", name="team")
    room.week_started = room.first_joined  # as if the team had joined as the room opened
    assert room.deadline() == pytest.approx(room.week_started + 30)
    assert not room.tick(now=room.week_started + 29)
    assert room.tick(now=room.week_started + 31)
    assert room.game.week == 1 and "round timer ran out" in room.log[-1].text
    room.pause(room.instructor_key)
    assert room.deadline() is None


def test_finished_rooms_do_not_count_toward_the_cap_and_expire(store):
    registry = RoomRegistry(max_rooms=1, store=store, limits=LOOSE, finished_hours=0.0)
    first = registry.create(RoomSettings(humans=("seoul",), weeks=2))
    with pytest.raises(RoomError, match="already runs 1 games"):
        registry.create(RoomSettings(humans=("seoul",), weeks=2))
    first.end(first.instructor_key)
    registry.create(RoomSettings(humans=("seoul",), weeks=2))
    time.sleep(0.01)
    registry.tick()
    assert first.code not in registry.codes()
    assert store.room(first.code).closed is not None  # kept on disk for the exports
    again = RoomRegistry(store=RoomStore(store.path), limits=LOOSE)
    assert [room.code for room in again.restore()] == [registry.codes()[0]]  # not the expired


def test_a_restored_room_keeps_its_seed_and_the_models_moves(registry, store):
    # A room played with seed 7 must come back with it: with another seed the model's side
    # would have made other moves in the weeks already played.
    room = registry.create(RoomSettings(humans=("seoul",), weeks=12, seed=7))
    seat = room.claim("seoul", name="team seoul")
    for move in ["hold", "retaliate", "hold", "hold", "cooperate", "hold", "retaliate", "hold"]:
        room.submit(seat, move)
    [back] = RoomRegistry(store=RoomStore(store.path), limits=LOOSE).restore()
    assert back.game.seed == 7
    assert [w.moves for w in back.game.timeline] == [w.moves for w in room.game.timeline]
    assert [w.tension for w in back.game.timeline] == [w.tension for w in room.game.timeline]


def test_a_move_the_database_could_not_save_is_taken_back(registry, store):
    # The class was told "try again" while the move stayed applied: a restart would drop it.
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=5))
    seat = room.claim("seoul", name="team seoul")
    actions = list(room.actions)
    store._db.close()
    with pytest.raises(RoomError, match="could not save this, try again"):
        room.submit(seat, "retaliate")
    assert room.game.pending == {} and room.actions == actions


def test_an_undo_keeps_every_team_connected(registry):
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=5))
    play_some(room)
    room.advance(room.instructor_key)
    connected = {role: seat.connected for role, seat in room.status().seats.items()}
    room.undo(room.instructor_key)
    assert {role: seat.connected for role, seat in room.status().seats.items()} == connected
    assert all(connected.values())


def test_opening_and_joining_are_limited_per_client():
    limiter = RateLimiter(Limit(2, 60.0))
    assert limiter.allow("a", now=0) == 0 and limiter.allow("a", now=1) == 0
    assert limiter.allow("a", now=2) == pytest.approx(58)
    assert limiter.allow("b", now=2) == 0
    assert limiter.allow("a", now=61) == 0
    registry = RoomRegistry(limits=Limits(Limit(1, 60.0), Limit(10, 3600.0), Limit(10, 60.0)))
    registry.create(RoomSettings(humans=("seoul",), weeks=2), client="10.0.0.1")
    with pytest.raises(RoomError, match="too many rooms opened from this address"):
        registry.create(RoomSettings(humans=("seoul",), weeks=2), client="10.0.0.1")
    registry.create(RoomSettings(humans=("seoul",), weeks=2), client="10.0.0.2")


def test_a_wrong_link_gets_the_same_answer_whether_or_not_the_room_exists(registry):
    room = registry.create(RoomSettings(humans=("seoul",), weeks=2))
    answers = set()
    for code, token in ((room.code, "guess"), ("ZZZZZ", "guess"), (room.code, None)):
        with pytest.raises(RoomError) as refusal:
            registry.seat(code, token)
        answers.add(str(refusal.value))
    with pytest.raises(RoomError) as refusal:
        registry.instructor(room.code, "guess")
    answers.add(str(refusal.value))
    assert answers == {BAD_LINK}
    assert len(room.claim("seoul")) >= 20  # 128 random bits, URL-safe


def test_moves_csv_names_each_team_as_it_was_called_that_week(registry, store):
    # the export named every row by the team's last name, as the why table once did
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=3))
    seats = {r: room.claim(r, name=f"team {r}") for r in ("seoul", "tokyo")}
    room.submit(seats["seoul"], "retaliate")
    room.advance(room.instructor_key)  # Tokyo holds by default, as "team tokyo"
    room.rename(seats["seoul"], "Blue House")
    room.rename(seats["tokyo"], "Kantei")
    room.submit(seats["seoul"], "hold")
    room.submit(seats["tokyo"], "hold")
    rebuilt = room_from_stored(store.room(room.code))  # as the export command reads it
    for played in (room, rebuilt):
        assert [(r["week"], r["role"], r["team"]) for r in move_rows(played)] == [
            (1, "seoul", "team seoul"),
            (1, "tokyo", "team tokyo"),
            (2, "seoul", "Blue House"),
            (2, "tokyo", "Kantei"),
        ]


def test_private_messages_reach_only_the_two_teams(registry):
    room = registry.create(RoomSettings(weeks=3))
    seats = {r: room.claim(r) for r in ("seoul", "tokyo", "washington")}
    room.message(seats["seoul"], "tokyo", "talks?")
    assert [m.text for m in room.team_view(seats["tokyo"]).messages] == ["talks?"]
    assert room.team_view(seats["washington"]).messages == []
    assert room.instructor_view(room.instructor_key).messages[0].text == "talks?"
    with pytest.raises(RoomError, match="write to another team"):
        room.message(seats["seoul"], "seoul", "me")


def test_exports_hold_moves_team_names_notes_and_class_results(registry, store):
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=3))
    play_some(room)
    room.end(room.instructor_key)
    rebuilt = room_from_stored(store.room(room.code))
    rows = move_rows(rebuilt)
    assert [(r["week"], r["role"], r["move"]) for r in rows[:2]] == [
        (1, "seoul", "retaliate"),
        (1, "tokyo", "hold"),
    ]
    assert rows[0]["note"] == "the court ruled" and rows[0]["team"] == "team seoul"
    names = [f.name for f in room_files(rebuilt, figure=False)]
    assert f"{room.code}_moves.csv" in names and f"{room.code}_debrief.md" in names
    # the messages, which leave the pages, are kept (docs/classroom.md promised it; no file did)
    files = {f.name: f.data for f in room_files(rebuilt, figure=False)}
    sent = files[f"{room.code}_messages.csv"].decode().splitlines()
    assert [line.split(",")[2:7] for line in sent] == [
        ["week", "date", "from", "to", "text"],
        ["2", "2018-11-05", "instructor", "everyone", "five minutes"],  # sent in week 2
        ["2", "2018-11-05", "seoul", "tokyo", "talks?"],
    ]
    results = class_file(room.class_id, [rebuilt]).data.decode().splitlines()
    assert len(results) == 3 and results[1].split(",")[2] == "seoul"


def test_the_json_exports_say_their_weeks_count_from_0_and_still_replay(registry):
    """record.json and debrief.json keep the model's 0-based weeks (old records replay as
    before) and say so in a key; moves.csv counts from 1 like the pages."""
    import json

    from sim.experiment.store import json_text
    from sim.play.debrief import debrief_json
    from sim.play.record import WEEK_NUMBERING, replay

    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=3))
    play_some(room)
    room.end(room.instructor_key)
    files = {f.name.split("_", 1)[1]: f.data for f in room_files(room, figure=False)}
    saved, debrief = json.loads(files["record.json"]), json.loads(files["debrief.json"])
    assert saved["week_numbering"] == debrief["week_numbering"] == WEEK_NUMBERING
    assert WEEK_NUMBERING.startswith("0-based")
    assert saved["moves"][0]["week"] == 0 and saved["timeline"][0]["week"] == 0
    assert files["moves.csv"].decode().splitlines()[1].split(",")[2] == "1"
    assert debrief["injections"][0]["week"] == 1  # injected in the second week
    old = {k: v for k, v in saved.items() if k != "week_numbering"}  # before the key existed
    for data in (saved, old):
        assert [r.tension for r in replay(data).timeline] == [
            w["tension"] for w in saved["timeline"]
        ]
    # the export's debrief.json is the file `play --replay` writes for its record (it kept 17
    # digits, unindented, where every other JSON file keeps 15)
    again = replay(saved)
    written = json_text(debrief_json(again.debrief(again.config.run.replications)))
    assert files["debrief.json"].decode() == written
    assert files["record.json"].decode() == json_text(saved, exact=True)


def test_a_move_in_the_week_the_game_was_ended_in_counts_nowhere_as_played(registry, store):
    # ended in week 2 after Seoul's move "final week note": the debrief's why table, moves.csv
    # and the class results showed a week the game never played
    from sim.play.export import result_rows
    from sim.play.record import record, replay

    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=3))
    seats = {r: room.claim(r, name=f"team {r}") for r in ("seoul", "tokyo")}
    room.submit(seats["seoul"], "retaliate", note="the court ruled")
    room.submit(seats["tokyo"], "hold")
    room.submit(seats["seoul"], "hold", note="final week note")
    room.end(room.instructor_key)
    rebuilt = room_from_stored(store.room(room.code))
    for played in (room, rebuilt):
        assert [n.text for n in played.status().notes] == ["the court ruled"]
        assert {r["week"] for r in move_rows(played)} == {1}
        seoul = next(r for r in result_rows([played]) if r["role"] == "seoul")
        assert (seoul["weeks_played"], seoul["notes"]) == (1, 1)
    saved = record(room.game)  # the record keeps the move, and still replays
    assert [m["week"] for m in saved["moves"]] == [0, 0, 1]
    assert len(replay(saved).timeline) == 1


def test_a_freed_seat_gives_each_team_that_held_it_its_own_results_row(registry, store):
    # team A wrote notes in weeks 1-3, the instructor freed the seat, team B joined: one row
    # under B said notes=6, crediting B with A's work
    from sim.play.export import result_rows

    room = registry.create(RoomSettings(humans=("washington", "seoul"), weeks=6))
    first = room.claim("washington", name="Team A")
    room.claim("seoul", name="Seoul team")
    for week in range(3):
        room.submit(first, "engage", note=f"A's week {week + 1}")
        room.advance(room.instructor_key)
    room.release(room.instructor_key, "washington")
    room.advance(room.instructor_key)  # week 4 played with the seat free
    second = room.claim("washington", name="Team B")
    for week in (5, 6):
        room.submit(second, "abstain", note=f"B's week {week}")
        room.advance(room.instructor_key)
    rebuilt = room_from_stored(store.room(room.code))
    for played in (room, rebuilt):
        rows = [(r["role"], r["team"], r["team_weeks"], r["notes"]) for r in result_rows([played])]
        assert rows == [
            ("seoul", "Seoul team", "1 2 3 4 5 6", 0),
            ("washington", "Team A", "1 2 3", 3),
            ("washington", "Team B", "5 6", 2),
        ]


def test_debrief_md_has_the_why_table_the_debrief_page_shows(registry):
    # the room's debrief.md and a single player's download lacked the teams' notes
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=3))
    play_some(room)  # Seoul's week-2 note is never played: the game ends in week 2
    room.end(room.instructor_key)
    files = {f.name.split("_", 1)[1]: f.data for f in room_files(room, figure=False)}
    text = files["debrief.md"].decode()
    table = text.split("## Why teams moved as they did\n\n", 1)[1].splitlines()
    assert table[:3] == [
        "| week | team | move | why |",
        "| --- | --- | --- | --- |",
        "| 1 | team seoul | Retaliate | the court ruled |",
    ]
    assert len([line for line in table if line.startswith("| ")]) == 3


def test_the_docs_name_every_key_of_record_json(registry):
    # docs/classroom.md listed a "roles" key; the file has "humans"
    from pathlib import Path

    from sim.play.record import record

    room = registry.create(RoomSettings(humans=("seoul",), weeks=2))
    docs = Path(__file__).parents[1] / "docs" / "classroom.md"
    [row] = [line for line in docs.read_text().splitlines() if line.startswith("| `CODE_record")]
    named = {key.strip() for quoted in re.findall(r"`([^`]*)`", row) for key in quoted.split(",")}
    assert set(record(room.game)) <= named and "roles" not in named


def test_the_log_of_a_finished_game_names_no_week_it_never_had(registry):
    room = registry.create(RoomSettings(humans=("seoul",), weeks=2))
    seat = room.claim("seoul", name="solo")
    room.submit(seat, "hold")
    room.submit(seat, "hold")
    assert room.game.finished
    assert max(entry.week for entry in room.log) == 1  # week 2 of 2, where it read week 3


def test_a_room_the_model_no_longer_replays_is_named_and_the_others_come_back(
    registry, store, capsys
):
    # A room of an earlier version whose instructor withdrew GSOMIA's notice after its lapse,
    # which the model now refuses, stopped the server from starting, and every export.
    kept = registry.create(RoomSettings(humans=("seoul",), weeks=3))
    old = registry.create(RoomSettings(humans=("seoul",), weeks=3))
    action = {"kind": "inject", "time": "2026-12-01T10:00:00+00:00", "seq": len(old.actions)}
    store.append(
        old.code,
        action["seq"],
        action
        | dict(actor="seoul", direction="deescalate", text="Seoul withdraws", measure="embargo"),
    )
    back = RoomRegistry(store=RoomStore(store.path), limits=LOOSE).restore()
    assert [room.code for room in back] == [kept.code]
    said = capsys.readouterr().err.strip()
    assert said.startswith(f"warning: room {old.code} was not brought back: ")
    assert "seoul has no measure 'embargo'" in said and said.endswith(f"stay in {store.path})")
    with pytest.raises(RoomError, match=f"^room {old.code} cannot be replayed: seoul has no"):
        room_from_stored(store.room(old.code))
