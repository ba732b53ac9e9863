import json
import re
import threading
import time

import pytest
import yaml

from sim.core.errors import ScenarioError
from sim.core.scenario_yaml import load_scenario
from sim.play.game import DEBRIEF_REPLICATIONS
from sim.play.materials import load_materials
from sim.play.ratelimit import Limit
from sim.play.record import record, replay
from sim.play.registry import CODE_LENGTH, CODE_LETTERS, Limits, RoomRegistry
from sim.play.room import Room
from sim.play.settings import RoomError, RoomSettings

SCENARIO_EVENTS = load_materials("gsomia_2019").injections
LOOSE = Limits(Limit(10_000, 60.0), Limit(10_000, 3600.0), Limit(10_000, 60.0))

ROLES = ("seoul", "tokyo", "washington")
HOLD = {"seoul": "hold", "tokyo": "hold", "washington": "abstain"}


@pytest.fixture
def registry():
    return RoomRegistry(limits=LOOSE)


@pytest.fixture
def room(registry) -> Room:
    return registry.create(RoomSettings(weeks=4))


@pytest.fixture
def seats(room) -> dict[str, str]:
    return {role: room.claim(role) for role in ROLES}


def refused(match: str):
    return pytest.raises(RoomError, match=match)


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
        (RoomSettings(seed=2**40), "type a whole number from 0 to 4294967295 in the Seed box"),
        (RoomSettings(weeks=0), "weeks 0"),
        (RoomSettings(weeks=500), "62 weeks at most"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(registry, settings, reason):
    with refused(reason):
        registry.create(settings)
    assert len(registry) == 0


@pytest.mark.parametrize("seed", ["abc", "", "-1", "99999999999"])
def test_a_bad_seed_in_the_form_says_what_to_type_in_the_form(registry, seed):
    from sim.play.web.forms import default_values, settings_from

    with pytest.raises(RoomError) as refusal:
        registry.create(settings_from({**default_values(), "seed": seed}, solo=True))
    assert "in the Seed box" in str(refusal.value) and "command line" not in str(refusal.value)


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


def test_codes_are_short_unique_and_read_in_any_case(registry):
    rooms = [registry.create(RoomSettings(weeks=2)) for _ in range(12)]
    codes = [r.code for r in rooms]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_LETTERS) for c in codes)
    assert registry.get(f" {codes[0].lower()} ") is rooms[0]
    assert registry.codes() == sorted(codes)
    with refused("there is no room ZZZZ"):
        registry.get("zzzz")
    with refused(r"^type the room code the instructor shows \(five letters\)$"):
        registry.get("")


def test_a_seat_token_gives_its_role_back(room, seats):
    for role, token in seats.items():
        assert room.role_of(token) == role
        assert room.team_view(token).role == role
    with refused("this link does not open a seat"):
        room.role_of("guess")
    with refused("this link does not open a seat"):
        room.role_of(None)


def test_a_taken_role_or_a_role_the_model_plays_cannot_be_claimed(registry):
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=3))
    room.claim("seoul")
    with refused("Seoul is already taken by another team"):
        room.claim("seoul")
    with refused("Washington is played by the model"):
        room.claim("washington")
    with refused(f"Beijing is no role in room {room.code} \\(Japan-South Korea dispute, 2018-2019"):
        room.claim("beijing")


def test_the_instructor_can_free_a_seat(room, seats):
    room.release(room.instructor_key, "seoul")
    # the team whose seat was freed is told why, and how to come back (it was told only
    # "this link does not open a seat or a room")
    freed = "the instructor freed Seoul's seat, so this link no longer opens it: join again "
    with refused(freed + f"with the room code {room.code} on the home page"):
        room.submit(seats["seoul"], "hold")
    token = room.claim("seoul")
    assert room.role_of(token) == "seoul"
    with refused("this link does not open a seat"):
        room.role_of("a-guess")  # a wrong link is told nothing more
    room.replay(room.actions)  # as a restarted server rebuilds the room
    with refused(freed):
        room.role_of(seats["seoul"])


def test_a_team_moves_only_for_its_own_role_and_once_a_week(room, seats):
    with refused("your team plays Tokyo: you cannot move for Seoul"):
        room.submit(seats["tokyo"], "retaliate", role="seoul")
    assert room.submit(seats["seoul"], "r") == "retaliate"
    with refused("Seoul has already moved this week"):
        room.submit(seats["seoul"], "hold")
    with refused("'attack' is not a move for tokyo"):
        room.submit(seats["tokyo"], "attack")
    assert room.status().seats["seoul"].moved
    # a double click sends the same move twice: it counts once and is not refused (the team's
    # screen showed "Refused" in red where it had just said the move was sent)
    sent = len(room.actions)
    assert room.submit(seats["seoul"], "retaliate", week=room.game.week) == "retaliate"
    assert len(room.actions) == sent
    assert room.status().waiting_for == ["tokyo", "washington"]


def test_the_week_is_played_when_every_team_has_moved(room, seats):
    room.submit(seats["seoul"], "retaliate")
    room.submit(seats["tokyo"], "hold")
    assert room.game.week == 0
    room.submit(seats["washington"], "press")
    assert room.game.week == 1
    week = room.status().timeline[0]
    assert week.moves == {"seoul": "retaliate", "tokyo": "hold", "washington": "press"}


def test_a_late_move_is_refused(room, seats):
    shown = room.team_view(seats["tokyo"]).briefing.week
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
            with refused("this link does not open a seat"):
                action(token)
        with refused("this link does not open a seat"):
            room.inject(token, "seoul", "escalate", "a court ruling")
        with refused("this link does not open a seat"):
            room.release(token, "tokyo")
        with refused("this link does not open a seat"):
            room.instructor_view(token)
    with refused("only the instructor can end the game"):
        room.end(seats["tokyo"])


def test_an_injected_event_moves_a_ladder_and_every_team_sees_it(room, seats):
    event = SCENARIO_EVENTS[0]
    assert (event.actor, event.direction) == ("seoul", "escalate")
    assert room.status().tension == 0.0  # nothing in force before the first week
    room.inject(room.instructor_key, event.actor, event.direction, event.text, event.measure)
    # the measure its text names comes into force, not the side's next step (court rulings),
    # which a court ordering a seizure once brought in: its intensity over both sides' total
    scenario = load_scenario("gsomia_2019")
    seoul = scenario.measures["seoul"]
    named = seoul.measures[seoul.index(str(event.measure))]
    assert named.id == "asset_seizure" and seoul.index(named.id) > 0
    total = sum(scenario.measures[side].intensity.sum() for side in scenario.sides)
    assert room.status().tension == pytest.approx(named.intensity / total)
    for token in seats.values():
        view = room.team_view(token)
        assert view.status.injections[-1].text == event.text
        assert view.briefing.in_force["seoul"] == [named.name]
        assert view.briefing.in_force["tokyo"] == []
    for role, token in seats.items():
        room.submit(token, HOLD[role])
    assert room.status().timeline[0].injected == [event.text]


@pytest.mark.parametrize(
    ("actor", "direction", "text", "reason"),
    [
        ("washington", "escalate", "a summit", "events move a side's measures"),
        ("seoul", "explode", "a summit", "direction 'explode'"),
        ("seoul", "escalate", "   ", "needs a description"),
        ("seoul", "escalate", "x" * 281, "at most 280 characters"),
    ],
)
def test_a_bad_event_is_refused(room, actor, direction, text, reason):
    with refused(reason):
        room.inject(room.instructor_key, actor, direction, text)
    assert room.game.injections == []


def test_the_projector_says_a_seat_no_team_has_joined_waits_for_one(registry):
    # It showed "a team ... thinking" for a seat nobody had taken, and the instructor's page "-".
    from sim.play.web.projector import last_moves

    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=3))
    room.claim("seoul", name="Blue House")
    rows = {row[0]: row[1:] for row in last_moves(room.status())}
    assert rows["Seoul"] == ["Blue House", "-", "-", "thinking"]
    assert rows["Tokyo"] == ["-", "-", "-", "waiting for a team"]
    assert rows["Washington"] == ["the model", "-", "-", ""]


def test_a_class_room_plays_another_case_with_its_sides(registry):
    # The classroom played 2019 only; THAAD's room has Seoul, Beijing and Washington as roles
    # everywhere a role shows: seats, the status, the timeline, the projector and the events.
    from sim.figures.classroom import make_tension_chart_data, plot_tension_chart
    from sim.play.export import result_rows
    from sim.play.web.projector import last_moves
    from sim.play.web.team import preview_text
    from sim.play.web.widgets import timeline_rows
    from sim.reports.labels import pressure_aimed

    room = registry.create(RoomSettings(scenario="thaad_2016", weeks=3))
    seats = {role: room.claim(role) for role in ("seoul", "beijing", "washington")}
    with refused(
        f"Tokyo is no role in room {room.code} \\(China-South Korea dispute over THAAD, "
        "2016-2017\\): teams play Seoul, Beijing, Washington$"
    ):
        room.claim("tokyo")
    with refused("events move a side's measures: choose seoul or beijing"):
        room.inject(room.instructor_key, "tokyo", "escalate", "a summit")
    room.inject(room.instructor_key, "beijing", "escalate", "Beijing bans group tours")
    room.submit(seats["seoul"], "hold")
    room.submit(seats["beijing"], "retaliate")
    room.submit(seats["washington"], "press")
    status = room.status()
    assert status.roles == ["seoul", "beijing", "washington"] and status.week == 1
    week = status.timeline[0]
    assert week.moves["beijing"] == "retaliate" and week.injected == ["Beijing bans group tours"]
    row = timeline_rows(status)[0]
    assert row[2:5] == [week.described[r] for r in ("seoul", "beijing", "washington")]
    assert row[3].startswith("Beijing ")
    assert [r[0] for r in last_moves(status)] == ["Seoul", "Beijing", "Washington"]
    briefing = room.team_view(seats["seoul"]).briefing
    assert set(briefing.in_force) == {"seoul", "beijing"}
    assert " this week if Beijing holds (" in preview_text(briefing, "hold")
    # the case and its years, where every page said 2018-2019
    assert status.title == "China-South Korea dispute over THAAD, 2016-2017"
    assert status.years == "2016-2017"
    chart = make_tension_chart_data(status, show_real=True)
    legend = plot_tension_chart(chart).axes[0].get_legend_handles_labels()[1]
    assert "2016-2017 as it happened" in legend
    assert pressure_aimed(room.game.scenario) == "Beijing alone"  # the patron presses Beijing
    room.end(room.instructor_key)
    assert {row["outcome"] for row in result_rows([room])} == {""}  # no notice, no outcome


def test_thaad_s_ready_made_events_move_beijing_s_measures_and_its_prompts_follow(registry):
    room = registry.create(RoomSettings(scenario="thaad_2016", humans=("beijing",), weeks=2))
    token = room.claim("beijing")
    offered = [e.text for e in room.ready_events()]
    what_if = "What if: Beijing lets travel agencies sell group tours to South Korea again"
    assert len(offered) == 3 and what_if not in offered  # nothing to lift yet
    tours = next(e for e in room.ready_events() if "group tours" in e.text)
    room.inject(room.instructor_key, tours.actor, tours.direction, tours.text, tours.measure)
    room.submit(token, "hold")
    in_force = room.game.in_force("beijing")
    assert in_force == ["Beijing bans group tours to South Korea"], in_force
    assert what_if in [e.text for e in room.ready_events()]
    assert tours.text not in [e.text for e in room.ready_events()]  # would change nothing now
    materials = room.game.materials
    taken = frozenset({"beijing.group_tour_ban"})
    asked = materials.prompts_for("beijing", injected=True, taken=taken)
    assert any("Lotte Mart or banning group tours" in p for p in asked)
    assert not any("Lotte Mart" in p for p in materials.prompts_for("beijing", taken=frozenset()))


def test_the_settings_form_offers_the_chosen_case_s_roles():
    from sim.play.web.forms import default_values, humans_of, settings_from

    values = {**default_values(), "scenario": "senkaku_2010", "role": "Seoul", "weeks": 5}
    assert humans_of(values, solo=False) == ("tokyo", "beijing", "washington")
    assert humans_of({**values, "human_beijing": False}, solo=False) == ("tokyo", "washington")
    assert humans_of(values, solo=True) == ("tokyo",)  # Seoul is not a side of this case
    assert humans_of({**values, "role": "Beijing"}, solo=True) == ("beijing",)
    settings = settings_from({**values, "human_washington": False}, solo=False).validated()
    assert settings.scenario == "senkaku_2010" and settings.humans == ("tokyo", "beijing")
    # the slider reads at most the case's weeks, and so do the settings: 62 were sent for a
    # case of 20 and refused while the slider read 20
    assert settings_from({**values, "weeks": 62}, solo=False).weeks == 20


def test_the_game_ends_after_its_last_week_and_refuses_more(room, seats):
    for _ in range(4):
        for role, token in seats.items():
            room.submit(token, HOLD[role])
    assert room.ended and room.game.finished
    assert room.status().waiting_for == []
    with refused("the game is over"):
        room.submit(seats["seoul"], "hold")
    with refused("the game is over"):
        room.advance(room.instructor_key)
    with refused(
        f"takes no more teams; its debrief is on the projector view, /projector\\?room={room.code}"
    ):
        room.claim("seoul")
    debrief = room.debrief(replications=200)
    assert debrief.weeks_played == 4
    assert room.debrief() is debrief  # computed once, shared by every page


def test_the_instructor_ends_early_and_the_debrief_opens(room, seats):
    with refused("opens when the game is over"):
        room.debrief()
    room.submit(seats["seoul"], "retaliate")
    room.advance(room.instructor_key)
    room.end(room.instructor_key)
    assert room.debrief(replications=100).weeks_played == 1
    with refused("the game is over"):
        room.end(room.instructor_key)


def test_a_rooms_record_replays_to_the_debrief_the_room_showed(room, seats):
    """The downloaded record held the room's config with run.replications=1 (the game is one
    run), so `escalation play --replay` set the replayed game beside one model run where the
    room had shown 1,000: "100.0% of its 1 runs end this way"."""
    room.submit(seats["seoul"], "retaliate")
    room.advance(room.instructor_key)
    room.submit(seats["tokyo"], "retaliate")
    room.advance(room.instructor_key)
    room.end(room.instructor_key)
    shown = room.debrief()
    assert shown.replications == DEBRIEF_REPLICATIONS
    data = json.loads(json.dumps(record(room.game)))  # as the room's record.json holds it
    assert data["config"]["run"]["replications"] == DEBRIEF_REPLICATIONS
    game = replay(data)
    assert game.debrief(game.config.run.replications) == shown  # what --replay shows


def test_a_single_player_may_end_their_own_game(registry):
    room = registry.create(RoomSettings(humans=("tokyo",), solo=True, weeks=5))
    token = room.claim("tokyo")
    room.submit(token, "retaliate")  # alone: the week is played at once
    assert room.game.week == 1
    room.end(token)
    assert room.ended


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
    assert view.status.seats["seoul"].connected and not view.status.seats["tokyo"].connected
    assert room.touch(seats["tokyo"]) == "tokyo"
    assert room.status().seats["tokyo"].connected
    assert set(view.seat_tokens) == set(ROLES)


def test_rooms_are_isolated(registry):
    a = registry.create(RoomSettings(humans=("seoul",), weeks=5, seed=1))
    b = registry.create(RoomSettings(humans=("seoul",), weeks=5, seed=1))
    token_a, token_b = a.claim("seoul"), b.claim("seoul")
    a.submit(token_a, "retaliate")
    assert (a.game.week, b.game.week) == (1, 0)
    assert b.status().timeline == []
    with refused("this link does not open a seat"):
        b.submit(token_a, "hold")
    with refused("this link does not open a seat"):
        b.advance(a.instructor_key)
    b.submit(token_b, "cooperate")
    assert a.game.timeline[0].moves["seoul"] != b.game.timeline[0].moves["seoul"]


def test_the_registry_is_bounded_and_forgets_idle_rooms():
    registry = RoomRegistry(max_rooms=2, limits=LOOSE)
    first = registry.create(RoomSettings(weeks=2))
    registry.create(RoomSettings(weeks=2))
    with refused("already runs 2 games"):
        registry.create(RoomSettings(weeks=2))
    first.last_activity -= registry.idle_seconds + 1
    registry.create(RoomSettings(weeks=2))
    with refused("there is no room"):
        registry.get(first.code)


def test_the_room_log_names_teams_alike_and_counts_weeks_in_words(registry):
    from sim.play.web.widgets import status_line

    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=3))
    seats = {r: room.claim(r) for r in ("seoul", "tokyo")}
    room.submit(seats["seoul"], "hold")
    room.message(seats["seoul"], "tokyo", "talks?")
    room.broadcast(room.instructor_key, "five minutes")
    room.inject(room.instructor_key, "tokyo", "escalate", "Tokyo hardens")
    room.set_timer(room.instructor_key, 0)
    room.advance(room.instructor_key)
    room.end(room.instructor_key)
    texts = [entry.text for entry in room.log]
    assert "Seoul has moved" in texts and "Seoul wrote to Tokyo" in texts
    assert "the instructor wrote to everyone" in texts
    # which event was injected ("event (Tokyo)" said neither), and no timer as such
    assert "event (Tokyo, escalate: Tokyo hardens)" in texts and "no timer" in texts
    assert texts[-1] == "the game is over: ended after 1 week"
    assert status_line(room.status()) == "Game over after 1 week."


def test_two_teams_cannot_take_the_same_name(room):
    seoul = room.claim("seoul", "Blue House")
    with refused(r"^the Seoul team is already called 'blue house': choose another name$"):
        room.claim("tokyo", "blue house")
    tokyo = room.claim("tokyo", "Kantei")
    with refused("the Seoul team is already called 'Blue House'"):
        room.rename(tokyo, "Blue House")
    assert room.seats["tokyo"].name == "Kantei"
    assert room.rename(seoul, "Blue House") == "Blue House"  # its own name again is fine


def test_typed_text_keeps_no_control_or_invisible_format_characters(room):
    # a right-to-left override turned a team's name, and its page's heading, backwards; a
    # bell and a zero-width space went into moves.csv
    seoul = room.claim("seoul", "\u202eoykoT <i>x</i> \U0001f1ef\U0001f1f5")
    assert room.seats["seoul"].name == "oykoT <i>x</i> \U0001f1ef\U0001f1f5"
    family = "\U0001f468\u200d\U0001f469"  # the joiner of an emoji sequence stays
    assert room.rename(seoul, f"Blue\tHouse\u200b\x07 {family}") == f"Blue House {family}"


def test_the_prompt_about_injected_events_comes_only_after_an_injection():
    materials = load_materials("gsomia_2019")
    about = [p for p in materials.prompts_for("seoul", injected=True) if "injected" in p]
    assert about, "the 2019 material has a prompt about injected events"
    assert not [p for p in materials.prompts_for("seoul") if "injected" in p]
    assert set(materials.prompts_for("seoul")) < set(materials.prompts_for("seoul", injected=True))


def one_week(default, role: str, measure: str | None = None):
    """A one-week game of ``role``, with ``role``'s ``measure`` brought in by an event first."""
    from sim.play.game import Game

    game = Game(default, [role], seed=1)
    if measure:
        game.inject(role, "escalate", measure, measure=measure)
    game.advance()
    return game


def test_seoul_is_asked_about_the_notice_only_when_it_gave_one(default):
    """The GSOMIA prompt follows the game's outcome: one question if given, another if not."""
    from sim.play.debrief import debrief_data

    asked = "Did the GSOMIA notice buy you anything"
    never = "You never gave the GSOMIA notice"
    texts = {}
    for noticed in (False, True):
        game = one_week(default, "seoul", "gsomia_notice" if noticed else None)
        debrief = game.debrief(20)
        assert (debrief.outcome != "never_noticed") is noticed
        data = debrief_data(game, debrief, "seoul")
        assert data is not None
        texts[noticed] = " ".join(data.prompts)
    assert asked in texts[True] and never not in texts[True]
    assert never in texts[False] and asked not in texts[False]


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ({"text": "Why?", "outcomes": ["lapsed"]}, "prompt 'Why?': unknown outcomes ['lapsed']"),
        ({"text": "Why?"}, "a prompt is a text, or a mapping with text and outcomes"),
    ],
)
def test_a_malformed_prompt_is_one_line_naming_the_file(tmp_path, entry, said):
    (tmp_path / "classroom.yaml").write_text(yaml.safe_dump({"prompts": {"seoul": [entry]}}))
    with pytest.raises(ScenarioError, match=re.escape(f"{tmp_path / 'classroom.yaml'}: {said}")):
        load_materials(tmp_path)


def test_a_broadcast_shows_the_week_it_is_sent_and_the_next_then_leaves(room, seats):
    from sim.play.web.widgets import recent_broadcasts

    room.broadcast(room.instructor_key, "ten minutes left in this phase")
    shown = []
    for _ in range(3):
        shown.append([m.text for m in recent_broadcasts(room.status())])
        room.advance(room.instructor_key)
        time.sleep(0.01)
    assert shown == [["ten minutes left in this phase"]] * 2 + [[]]
    assert [m.text for m in room.status().broadcasts] == ["ten minutes left in this phase"]


def test_a_broadcast_after_the_end_is_dated_by_the_last_week_played(room, seats):
    """It was dated week 5 of a game of 4 weeks (and to 2018-11-26 in messages.csv)."""
    from sim.play.web.widgets import recent_broadcasts

    room.advance(room.instructor_key)
    room.advance(room.instructor_key)
    room.end(room.instructor_key)  # after 2 of 4 weeks
    room.broadcast(room.instructor_key, "debrief now")
    assert [(m.text, m.week) for m in room.status().broadcasts] == [("debrief now", 1)]
    assert [m.text for m in recent_broadcasts(room.status())] == ["debrief now"]


def test_every_screen_of_a_seat_says_which_move_its_team_sent(room, seats):
    assert room.game.briefing("seoul").chosen is None
    room.submit(seats["seoul"], "retaliate")
    assert room.game.briefing("seoul").chosen == "retaliate"
    assert room.game.briefing("tokyo").chosen is None


def test_the_round_timer_counts_down_in_the_browser_from_the_seconds_left(room):
    from sim.play.web.widgets import timer_html

    room.set_timer(room.instructor_key, 120)
    html = timer_html(101.6, room.status())
    assert 'data-left="102"' in html and "from { --ec-left: 102; }" in html
    assert "animation-duration:101.6s" in html
    assert "Round ends in" in html and "Round ends at" not in html  # no server clock time


def test_solaras_lax_cookie_warning_is_kept_out_of_the_servers_terminal():
    import warnings

    from sim.play import server

    server._solara()  # imports Solara (whose imports warn of their own) and sets the filter
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        server._solara()
        warnings.warn(f"{server.LAX_COOKIE_WARNING}, but the scheme is http", stacklevel=1)
        warnings.warn("another warning", stacklevel=1)
    assert [str(w.message) for w in caught] == ["another warning"]


@pytest.mark.parametrize(
    ("measure", "direction", "message"),
    [
        ("embargo", "escalate", "tokyo has no measure 'embargo'"),
        ("export_controls", "sideways", "injection direction 'sideways'"),
    ],
)
def test_a_ready_made_event_must_name_a_measure_of_its_side(tmp_path, measure, direction, message):
    import shutil

    from sim.core.errors import ScenarioError
    from sim.core.folders import scenarios_root

    folder = tmp_path / "gsomia_2019"  # a scenario's name is its folder's
    shutil.copytree(scenarios_root() / "gsomia_2019", folder)
    event = f'{{text: "x", actor: tokyo, direction: {direction}, measure: {measure}}}'
    (folder / "classroom.yaml").write_text(f"injections:\n  - {event}\n")
    with pytest.raises(ScenarioError, match=message):
        load_materials(folder)


def test_a_ready_made_event_for_a_side_the_case_lacks_is_one_line(tmp_path):
    import shutil

    from sim.core.errors import ScenarioError
    from sim.core.folders import scenarios_root

    folder = tmp_path / "thaad_2016"
    shutil.copytree(scenarios_root() / "thaad_2016", folder)  # Seoul and Beijing: no Tokyo
    event = '{text: "x", actor: tokyo, direction: escalate, measure: export_controls}'
    (folder / "classroom.yaml").write_text(f"injections:\n  - {event}\n")
    with pytest.raises(ScenarioError, match="injection actor 'tokyo': use seoul or beijing"):
        load_materials(folder)


def test_prompts_about_a_measure_follow_the_game_and_the_class_gets_its_own(default):
    """Tokyo was asked who paid more for export controls it never enacted; the projector's
    class debrief asked "what did your side do", as if it spoke to one team."""
    from sim.play.debrief import debrief_data, debrief_text, measures_taken

    asked = "Export controls cost both sides in the model"
    texts = {}
    for enacted in (False, True):
        game = one_week(default, "tokyo", "export_controls" if enacted else None)
        assert ("tokyo.export_controls" in measures_taken(game, 1)) is enacted
        data = debrief_data(game, game.debrief(20), "tokyo")
        assert data is not None
        texts[enacted] = " ".join(data.prompts)
        whole = debrief_data(game, game.debrief(20), None)
        assert whole is not None
        assert "What did each side do that week" in " ".join(whole.prompts)
        assert "What did your side do" not in " ".join(whole.prompts)
        text = debrief_text(whole)
        assert "- The game: **" in text and "(this game) |" in text and "Your game" not in text
        assert "docs/model.md" not in text  # a student in the browser cannot open it
    assert asked in texts[True] and asked not in texts[False]
    assert "What did your side do that week" in texts[False]  # a team's own debrief


def test_a_prompt_kept_for_a_measure_the_case_lacks_is_one_line(tmp_path):
    import shutil

    from sim.core.folders import scenarios_root

    folder = tmp_path / "gsomia_2019"  # a scenario's name is its folder's
    shutil.copytree(scenarios_root() / "gsomia_2019", folder)
    prompts = {"prompts": {"tokyo": [{"text": "Why?", "measures": ["tokyo.tariffs"]}]}}
    (folder / "classroom.yaml").write_text(yaml.safe_dump(prompts))
    with pytest.raises(ScenarioError, match=r"kept for 'tokyo.tariffs', which is no measure"):
        load_materials(folder)


def test_the_join_form_offers_the_roles_teams_play_in_the_room_typed(registry):
    room = registry.create(RoomSettings(humans=("seoul", "tokyo"), weeks=3))
    assert registry.roles_to_join(room.code) == ("seoul", "tokyo")  # Washington: the model's
    assert registry.roles_to_join(room.code.lower()) == ("seoul", "tokyo")
    assert registry.roles_to_join("") == ("seoul", "tokyo", "washington")  # none named yet
    assert registry.roles_to_join("QQQQQ") == ("seoul", "tokyo", "washington")


def test_the_event_menu_offers_only_events_that_would_change_something(room):
    # after an injection the menu still offered, selected, an event now refused as changing
    # nothing
    texts = [e.text for e in room.ready_events()]
    removal = next(e for e in room.game.materials.injections if e.measure == "whitelist_removal")
    easing = next(e for e in room.game.materials.injections if e.measure == "export_controls")
    assert removal.text in texts and easing.text not in texts  # nothing to ease yet
    key = room.instructor_key
    room.inject(key, removal.actor, removal.direction, removal.text, removal.measure)
    assert removal.text not in [e.text for e in room.ready_events()]
    room.inject(key, "tokyo", "escalate", "controls", "export_controls")
    assert easing.text in [e.text for e in room.ready_events()]


def test_a_why_note_keeps_the_team_name_it_was_written_under(room, seats):
    # the debrief's table named week 1's team by the name it took later
    room.rename(seats["seoul"], "Blue House")
    room.submit(seats["seoul"], "retaliate", note="the court has ruled")
    room.rename(seats["seoul"], "Moon's office")
    [note] = room.notes
    assert (note.team, note.text) == ("Blue House", "the court has ruled")
    room.replay(room.actions)  # as a restarted server rebuilds it
    assert room.notes[0].team == "Blue House"


def test_a_double_clicked_move_that_ended_the_week_is_not_refused(registry):
    # With one team, its move plays the week: the second click came for a week already over.
    room = registry.create(RoomSettings(humans=("seoul",), weeks=4))
    seat = room.claim("seoul", name="solo")
    assert room.submit(seat, "hold", week=0) == "hold"
    assert room.game.week == 1
    assert room.submit(seat, "hold", week=0) == "hold"  # the second click of the same move
    assert room.game.week == 1 and len(room.game.timeline) == 1
    with refused("too late: week 1 is over, it is now week 2"):
        room.submit(seat, "retaliate", week=0)  # another move for that week is still refused


def test_the_dashboard_names_a_running_notice_in_plain_words():
    # It read "outcome so far: pending", the model's word for a notice still running.
    from sim.core.metrics import OUTCOMES
    from sim.reports.labels import standing

    assert standing("pending") == "notice running"
    assert all("_" not in standing(o) and o not in standing(o) for o in OUTCOMES)


def test_the_status_and_the_dashboard_count_a_running_notice_down(registry):
    # the projector and the dashboard showed no clock: "GSOMIA: notice running" and no weeks
    from sim.play.web.projector import so_far

    room = registry.create(RoomSettings(humans=("seoul",), weeks=20))
    seat = room.claim("seoul", name="solo")
    assert room.status().notice is None and so_far(room, None) == "GSOMIA: no notice given"
    for week in range(7):  # rulings, seizure, boycott, WTO case, drills, white list, notice
        room.submit(seat, "retaliate", week=week)
    clock = room.status().notice
    assert (clock.actor, clock.given_week, clock.weeks_left) == ("seoul", 6, 13)
    assert so_far(room, clock) == "GSOMIA: notice running, 13 weeks to its lapse"
    room.submit(seat, "hold", week=7)
    assert so_far(room, room.status().notice) == "GSOMIA: notice running, 12 weeks to its lapse"


def test_senkaku_s_ready_made_events_hold_and_free_the_captain_and_its_prompts_follow(registry):
    room = registry.create(RoomSettings(scenario="senkaku_2010", humans=("tokyo",), weeks=3))
    token = room.claim("tokyo")
    release = "Okinawa prosecutors release the captain, citing relations with China"
    offered = [e.text for e in room.ready_events()]
    assert len(offered) == 3 and release not in offered  # no captain held yet, no halt to lift
    arrest = next(e for e in room.ready_events() if "arrests the trawler's captain" in e.text)
    room.inject(room.instructor_key, arrest.actor, arrest.direction, arrest.text, arrest.measure)
    room.submit(token, "hold")
    assert room.game.in_force("tokyo") == ["Tokyo keeps the Chinese captain in custody"]
    assert release in [e.text for e in room.ready_events()]
    freed = next(e for e in room.ready_events() if e.text == release)
    room.inject(room.instructor_key, freed.actor, freed.direction, freed.text, freed.measure)
    room.submit(token, "hold")
    assert room.game.in_force("tokyo") == []
    materials = room.game.materials
    held = materials.prompts_for("tokyo", taken=frozenset({"tokyo.captain_custody"}))
    assert any("released the captain 16 days after his arrest" in p for p in held)
    assert not any("16 days" in p for p in materials.prompts_for("tokyo", taken=frozenset()))
