"""The classroom in a real browser: Debian's headless Chromium, driven by Playwright.

The server is the real one (`escalation classroom` on a free loopback port). Each team, and
the instructor, is its own browser context (its own cookies and storage, as separate
machines would be). Screenshots land in results/screenshots/.
"""

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = pytest.mark.slow  # every test serves the page and drives a browser
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "results" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)

NO_CHROMIUM = "no chromium on PATH: run scripts/install-browser.sh (as root, on Debian) first"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The classroom server as a subprocess; fails the test if it dies."""
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    port = free_port()
    log = tmp_path_factory.mktemp("classroom") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sim", "classroom", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            pytest.fail(f"the classroom server exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the classroom server did not answer:\n{log.read_text()}")
        time.sleep(0.3)
    yield url, process, log
    alive = process.poll() is None
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    assert alive, f"the server died during the tests:\n{log.read_text()}"
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture(scope="module")
def browser():
    # launch() gives every context a fresh, temporary profile (user data dir)
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, server):
    """Open a URL of the server in a new browser context (a separate machine)."""
    url = server[0]
    contexts = []

    def open_(path: str = "/") -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url + path)
        expect(page.get_by_text("Escalation classroom").first).to_be_visible()
        return page

    yield open_
    for context in contexts:
        context.close()


# -- driving Vuetify widgets ---------------------------------------------------------------
def card(page: Page, title: str):
    return page.locator(".v-card", has_text=title)


def choose(page: Page, scope, label: str, option: str) -> None:
    scope.locator(".v-input", has_text=label).locator(".v-select__slot").click()
    page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()
    expect(scope.locator(".v-input", has_text=label)).to_contain_text(option)


def set_weeks(scope, weeks: int) -> None:
    slider = scope.get_by_role("slider", name="Weeks to play")
    slider.focus()
    slider.press("Home")  # the slider starts at 1
    for _ in range(weeks - 1):
        slider.press("ArrowRight")
    expect(scope.get_by_text(f"{weeks} weeks to play")).to_be_visible()


def open_room(page: Page, weeks: int, humans=("Seoul", "Tokyo", "Washington")) -> str:
    """As the instructor: set the weeks and the roles people play, open the room, read its code."""
    form = card(page, "Open a class room")
    set_weeks(form, weeks)
    for role in ("Seoul", "Tokyo", "Washington"):
        if role not in humans:
            form.get_by_text(f"{role} is played by a team").click()
    form.get_by_role("button", name="Open room").click()
    code = page.locator(".ec-code")
    expect(code).to_have_text(re.compile(r"^[A-Z]{4}$"))
    return code.inner_text()


def join(page: Page, code: str, role: str) -> None:
    form = card(page, "Join a room")
    form.get_by_label("Room code").fill(code)
    choose(page, form, "Role", role)
    form.get_by_role("button", name="Join").click()


def joined(page: Page, code: str, role: str) -> None:
    expect(page.get_by_text(f"Room {code}: your team plays {role}")).to_be_visible()


def move(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def at_week(page: Page, week: int, weeks: int) -> None:
    expect(page.get_by_text(f"Week {week} of {weeks}")).to_be_visible()


def shows_debrief(page: Page) -> None:
    expect(page.get_by_role("heading", name="Debrief")).to_be_visible()
    expect(page.get_by_text("Your game:")).to_be_visible()
    expect(page.locator("img").first).to_be_visible()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


# -- the page's numbers, without a browser ---------------------------------------------------
@pytest.fixture
def played_room():
    from sim.play.rooms import RoomRegistry, RoomSettings

    room = RoomRegistry().create(RoomSettings(humans=("seoul",), weeks=6))
    token = room.claim("seoul")
    room.inject(room.instructor_key, "tokyo", "escalate", "<b>Tokyo</b> | hardens")
    for move_name in ("retaliate", "hold"):
        room.submit(token, move_name)
    return room, token


def test_the_live_chart_shows_the_real_path_only_up_to_this_week(played_room):
    from sim.play.web import make_tension_chart_data, plot_tension_chart

    room, _ = played_room
    status = room.status()
    hidden = make_tension_chart_data(status, show_real=False)
    shown = make_tension_chart_data(status, show_real=True)
    assert hidden.real is None
    assert shown.real == pytest.approx(status["real_tension"][:2])
    assert hidden.played == [r["tension"] for r in status["timeline"]]
    assert hidden.now == (hidden.dates[2], status["tension"])
    assert hidden.injected == [(hidden.dates[0], "<b>Tokyo</b> | hardens")]
    figure = plot_tension_chart(shown)
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert {"this game", "2018-2019 as it happened"} <= set(labels)


def test_typed_text_is_escaped_in_the_timeline(played_room):
    from sim.play.web import timeline_markdown

    text = timeline_markdown(played_room[0].status())
    assert "&lt;b&gt;Tokyo&lt;/b&gt; &#124; hardens" in text
    assert "<b>" not in text
    assert text.splitlines()[2].startswith("| 2 |")  # newest first


def test_the_settings_form_becomes_room_settings():
    from sim.core.errors import EscalationError
    from sim.play.web import DEFAULT_VALUES, join_instructions, settings_from

    solo = settings_from({**DEFAULT_VALUES, "role": "Washington", "weeks": 9}, solo=True)
    assert (solo.humans, solo.weeks, solo.solo) == (("washington",), 9, True)
    values = {**DEFAULT_VALUES, "human_tokyo": False}
    assert settings_from(values, solo=False).humans == ("seoul", "washington")
    with pytest.raises(EscalationError, match="seed 'x1'"):
        settings_from({**DEFAULT_VALUES, "seed": "x1"}, solo=False)
    assert "--host 0.0.0.0" in join_instructions("ABCD", ["seoul"], "127.0.0.1:8765")
    assert "--host" not in join_instructions("ABCD", ["seoul"], "192.168.1.20:8765")


def test_a_game_ended_before_its_first_week_has_a_debrief():
    from sim.play.rooms import RoomRegistry, RoomSettings
    from sim.play.web import debrief_view

    room = RoomRegistry().create(RoomSettings(weeks=3))
    room.end(room.instructor_key)
    text, figure = debrief_view(room)
    assert "before any week was played" in text and figure is None


# -- the tests in the browser ----------------------------------------------------------------
def test_single_player_game_from_start_to_debrief(open_page):
    page = open_page("/")
    form = card(page, "Play alone")
    choose(page, form, "Your role", "Tokyo")
    set_weeks(form, 4)
    form.get_by_role("button", name="Start game").click()
    expect(page.get_by_text("your team plays Tokyo")).to_be_visible()
    page.get_by_text("Show the real 2018-2019 path").click()
    for week, choice in enumerate(["Retaliate", "Hold", "Cooperate"], start=1):
        at_week(page, week, 4)
        move(page, choice)
        expect(page.get_by_text(f"You chose {choice.lower()} for week {week}.")).to_be_visible()
    at_week(page, 4, 4)
    timeline = page.locator(".ec-md table").last
    expect(timeline.locator("tbody tr")).to_have_count(3)
    expect(timeline).to_contain_text("Tokyo lodges a formal protest")  # week 1's retaliation
    page.get_by_role("button", name="End the game now").click()
    shows_debrief(page)
    expect(page.get_by_text("Weeks played: 3")).to_be_visible()
    screenshot(page, "single_player_debrief.png")


def test_class_game_with_three_teams_and_an_instructor(open_page):
    instructor = open_page("/")
    code = open_room(instructor, weeks=3)
    teams = {}
    for role in ("Seoul", "Tokyo", "Washington"):
        teams[role] = open_page("/")
        join(teams[role], code, role)
        joined(teams[role], code, role)
    seats = instructor.locator(".v-card", has_text="Seats")
    expect(seats).not_to_contain_text("waiting for a team")

    # a team cannot take, or move for, another team's role
    intruder = open_page("/")
    join(intruder, code, "Seoul")
    expect(intruder.get_by_text("Refused: Seoul is already taken by another team")).to_be_visible()
    tokyo_as_seoul = teams["Tokyo"].context.new_page()
    tokyo_as_seoul.goto(teams["Tokyo"].url + "&role=seoul")
    joined(tokyo_as_seoul, code, "Tokyo")
    move(tokyo_as_seoul, "Retaliate")
    expect(
        tokyo_as_seoul.get_by_text("Refused: your team plays Tokyo: you cannot move for Seoul")
    ).to_be_visible()
    tokyo_as_seoul.close()

    # week 1: Seoul moves, and cannot move twice
    move(teams["Seoul"], "Retaliate")
    expect(teams["Seoul"].get_by_text("You chose retaliate for week 1.")).to_be_visible()
    move(teams["Seoul"], "Hold")
    expect(teams["Seoul"].get_by_text("Refused: seoul has already moved this week")).to_be_visible()
    expect(seats.locator("tr", has_text="Seoul").locator("td").last).to_have_text("yes")

    # the instructor injects an event: every team sees it
    events = instructor.locator(".v-card", has_text="Inject a scenario event")
    events.get_by_role("button", name="Inject event").click()
    expect(instructor.get_by_text("Event injected")).to_be_visible()
    for page in teams.values():
        expect(
            page.get_by_text("Scenario event (week 1): A Korean court orders the sale")
        ).to_be_visible()
    screenshot(instructor, "instructor.png")
    screenshot(teams["Tokyo"], "team.png")

    # a paused game refuses moves, with the reason
    instructor.get_by_role("button", name="Pause").click()
    expect(teams["Washington"].get_by_text("Paused by the instructor")).to_be_visible()
    move(teams["Washington"], "Press")
    expect(
        teams["Washington"].get_by_text("Refused: the instructor has paused the game")
    ).to_be_visible()
    instructor.get_by_role("button", name="Resume").click()
    expect(teams["Washington"].get_by_text("Paused by the instructor")).to_have_count(0)

    # Seoul's browser closes its page, then reopens its seat link: same role, same week
    seat_link = teams["Seoul"].url
    context = teams["Seoul"].context
    teams["Seoul"].close()
    teams["Seoul"] = context.new_page()
    teams["Seoul"].set_default_timeout(TIMEOUT_MS)
    teams["Seoul"].goto(seat_link)
    joined(teams["Seoul"], code, "Seoul")
    expect(teams["Seoul"].get_by_text("Your team has moved this week")).to_be_visible()

    # the week is played when every team has moved
    move(teams["Tokyo"], "Hold")
    move(teams["Washington"], "Press")
    for page in [instructor, *teams.values()]:
        at_week(page, 2, 3)
    expect(
        teams["Tokyo"].get_by_role("cell", name="A Korean court approves seizing")
    ).to_be_visible()

    # week 2: only Seoul moves; the instructor advances (the others hold)
    move(teams["Seoul"], "Cooperate")
    expect(seats.locator("tr", has_text="Seoul").locator("td").last).to_have_text("yes")
    instructor.get_by_role("button", name="Advance week").click()
    for page in [instructor, *teams.values()]:
        at_week(page, 3, 3)

    # week 3, the last: everyone moves, and everyone sees the debrief
    for role, choice in (("Seoul", "Hold"), ("Tokyo", "Cooperate"), ("Washington", "Engage")):
        move(teams[role], choice)
    for page in [instructor, *teams.values()]:
        shows_debrief(page)
    expect(instructor.get_by_text("Weeks played: 3")).to_be_visible()
    screenshot(teams["Seoul"], "class_debrief.png")


def test_two_rooms_at_once_stay_apart(open_page):
    instructors = [open_page("/"), open_page("/")]
    codes = [open_room(page, weeks=5, humans=("Seoul",)) for page in instructors]
    assert codes[0] != codes[1]
    seoul = [open_page("/"), open_page("/")]
    for page, code in zip(seoul, codes, strict=True):
        join(page, code, "Seoul")
        joined(page, code, "Seoul")

    move(seoul[0], "Retaliate")  # Seoul is the only person in room A: the week is played
    for page in (seoul[0], instructors[0]):
        at_week(page, 2, 5)
    expect(seoul[0].locator(".ec-md table").last.locator("tbody tr")).to_have_count(1)
    for page in (seoul[1], instructors[1]):
        at_week(page, 1, 5)
        expect(page.get_by_text("No week has been played yet.")).to_be_visible()

    # room A's seat link does not open a seat in room B
    stranger = seoul[0].context.new_page()
    stranger.goto(seoul[0].url.replace(codes[0], codes[1]))
    expect(stranger.get_by_text("Refused: this seat link does not hold a role")).to_be_visible()


def test_bad_links_and_broken_clients_do_not_stop_the_server(open_page, server):
    url, process, _log = server
    page = open_page("/team?room=QQQQ&seat=nothing")
    expect(page.get_by_text("Refused: there is no room QQQQ on this server")).to_be_visible()
    instructor = open_page("/")
    code = open_room(instructor, weeks=2)
    wrong_key = open_page(f"/instructor?room={code}&key=guess")
    expect(wrong_key.get_by_text(f"Refused: only the instructor of room {code}")).to_be_visible()
    host, port = url.removeprefix("http://").split(":")
    for junk in (b"\x00\xffnot http\r\n\r\n", b"GET /jupyter/api/kernels/x HTTP/1.1\r\n\r\n"):
        with socket.create_connection((host, int(port)), timeout=5) as client:
            client.sendall(junk)
    broken = open_page("/")
    join(broken, code, "Seoul")
    joined(broken, code, "Seoul")
    broken.context.close()  # vanishes mid-game, and its seat link with it
    assert process.poll() is None
    instructor.get_by_text("Seat links").click()
    instructor.get_by_role("button", name="Free Seoul's seat").click()
    expect(instructor.get_by_text("Seoul's seat is free")).to_be_visible()
    again = open_page(f"/?room={code}")
    join(again, code, "Seoul")
    joined(again, code, "Seoul")
    move(again, "Hold")
    expect(again.get_by_text("You chose hold for week 1.")).to_be_visible()


def test_thirty_clients_in_one_room_and_five_rooms_at_once(open_page, server):
    """Load over loopback: 30 browser pages on one room, then 5 rooms played at once.

    Each of the three teams has its seat link open on 10 screens (30 clients, as a class
    watching on laptops); a week played must reach every one of them. Then five instructors
    run five rooms at once. Bounded: every wait has the page timeout; the server must stay up
    with no traceback in its log (checked by the `server` fixture).
    """
    _url, process, _log = server
    started = time.monotonic()
    instructor = open_page("/")
    code = open_room(instructor, weeks=3)
    screens = []
    for role in ("Seoul", "Tokyo", "Washington"):
        team = open_page("/")
        join(team, code, role)
        joined(team, code, role)
        screens.append(team)
        for _ in range(9):
            extra = team.context.new_page()
            extra.goto(team.url)
            screens.append(extra)
    assert len(screens) == 30
    for page in screens:
        at_week(page, 1, 3)
    for first, name in zip(screens[::10], ("Retaliate", "Hold", "Press"), strict=True):
        move(first, name)
    for page in screens + [instructor]:
        at_week(page, 2, 3)
    assert process.poll() is None

    instructors = [open_page("/") for _ in range(5)]
    codes = [open_room(page, weeks=2, humans=("Seoul",)) for page in instructors]
    assert len(set(codes)) == 5
    players = []
    for code_ in codes:
        player = open_page("/")
        join(player, code_, "Seoul")
        joined(player, code_, "Seoul")
        players.append(player)
    for player in players:
        move(player, "Retaliate")
    for page in players + instructors:
        at_week(page, 2, 2)
    assert process.poll() is None
    assert time.monotonic() - started < 240
