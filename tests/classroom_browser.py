"""Helpers for the classroom's browser tests: the real server, Debian's Chromium, Vuetify widgets.

The server is the real one (``python -m sim classroom`` on a free loopback port, with its own
SQLite database); each team and the instructor is its own browser context (its own cookies,
as separate machines would be). Screenshots land in results/screenshots/.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)
NO_CHROMIUM = "no chromium on PATH: run scripts/install-browser.sh (as root, on Debian) first"
CODE = re.compile(r"^[A-Z]{5}$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``escalation classroom`` as a subprocess on a database of its own."""

    def __init__(self, folder: Path, limits: str = "200,2000,2000", cull: str = "30s") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = folder / "rooms.sqlite"
        self.log = folder / "server.log"
        self.env = dict(
            os.environ, ESCALATION_CLASSROOM_LIMITS=limits, SOLARA_KERNEL_CULL_TIMEOUT=cull
        )
        self.process: subprocess.Popen | None = None
        self.logs: list[str] = []

    def start(self) -> "Server":
        """Start the server and wait until it answers (at most 90 s)."""
        out = self.log.open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sim",
                "classroom",
                "--port",
                str(self.port),
                "--db",
                str(self.db),
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the classroom server exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.process.kill()
                pytest.fail(f"the classroom server did not answer:\n{self.log.read_text()}")
            time.sleep(0.3)

    def kill(self) -> None:
        """kill -9: no chance to save anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> bool:
        """Stop the server; whether it was still running."""
        alive = self.process.poll() is None
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return alive

    def health(self) -> dict:
        """The server's own count of rooms, running games and open page threads."""
        with urllib.request.urlopen(self.url + "/classroom-files/health", timeout=10) as answer:
            return json.loads(answer.read())


def open_in(browser, url: str, width: int = 1280, height: int = 1000) -> Page:
    """A page in a new browser context (a separate machine)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    expect(page.get_by_text("Escalation classroom").first).to_be_visible()
    return page


def reloads_after_restart(page: Page) -> None:
    """Wait until ``page``, marked ``window.openBeforeRestart``, has reloaded itself.

    The browser retries a lost connection after random waits that double each time (Solara's
    client: up to 1, 3, 7, 15 and 31 s), so a page could sit half a minute after the server is
    back. The page's clock, installed before the restart (``page.clock.install()``, it flows as
    the real one), is moved past each wait instead: the retries, the server's answer and the
    reload are the real ones.
    """
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        page.clock.fast_forward(32_000)
        try:
            page.wait_for_function("window.openBeforeRestart === undefined", timeout=1000)
            return
        except PlaywrightTimeout:
            continue
    pytest.fail("a page open before the restart did not reload itself")


def card(page: Page, title: str):
    return page.locator(".v-card", has_text=title)


def choose(page: Page, scope, label: str, option: str) -> None:
    scope.locator(".v-input", has_text=label).locator(".v-select__slot").click()
    page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()
    expect(scope.locator(".v-input", has_text=label)).to_contain_text(option)


def set_weeks(scope, weeks: int) -> None:
    """Move the weeks slider (from whichever end is nearer) until it reads ``weeks``."""
    slider = scope.get_by_role("slider").last
    top = int(slider.get_attribute("aria-valuemax"))
    if int(slider.get_attribute("aria-valuenow")) != weeks:
        slider.focus()
        nearer_top = top - weeks < weeks - 1
        slider.press("End" if nearer_top else "Home")
        for _ in range(top - weeks if nearer_top else weeks - 1):
            slider.press("ArrowLeft" if nearer_top else "ArrowRight")
    expect(scope.get_by_text(f"{weeks} weeks to play")).to_be_visible()


def open_room(
    page: Page,
    weeks: int,
    humans=("Seoul", "Tokyo", "Washington"),
    roles=("Seoul", "Tokyo", "Washington"),
) -> str:
    """As the instructor: set the weeks and the roles people play, open the room, read its code.

    ``roles``: every role of the case the form has chosen (2019's by default).
    """
    form = card(page, "Open a class room")
    set_weeks(form, weeks)
    for role in roles:
        if role not in humans:
            form.get_by_text(f"{role} is played by a team").click()
            expect(form.get_by_role("checkbox", name=f"{role} is played")).not_to_be_checked()
    if "Washington" not in humans:
        expect(form.get_by_text("Washington (the model)")).to_be_visible()
    page.wait_for_timeout(300)
    form.get_by_role("button", name="Open room").click()
    refusal = form.locator(".ec-notice")
    code = page.locator(".ec-code")
    page.wait_for_timeout(500)
    assert refusal.count() == 0, refusal.inner_text()
    expect(code).to_have_text(CODE)
    return code.inner_text()


def start_solo(page: Page, role: str, weeks: int) -> None:
    form = card(page, "Play alone")
    choose(page, form, "Your role", role)
    if role == "Washington":
        expect(form.get_by_text("set each week by the player of Washington")).to_be_visible()
    set_weeks(form, weeks)
    page.wait_for_timeout(300)  # let the form settle: a click during a redraw can be lost
    form.get_by_role("button", name="Start game").click()
    expect(page.get_by_text(f"your team plays {role}")).to_be_visible()


def join(page: Page, code: str, role: str, team: str = "") -> None:
    form = card(page, "Join a room")
    form.get_by_label("Room code").fill(code)
    choose(page, form, "Role", role)
    if team:
        form.get_by_label("Team name").fill(team)
    form.get_by_role("button", name="Join").click()
    expect(page.get_by_text(f"Room {code}: your team plays {role}")).to_be_visible()


def move(page: Page, name: str, note: str = "") -> None:
    """Click a move; on a team's page, the button of the week its move card names.

    The card's title can show the new week a moment before its buttons are redrawn, and a
    click on the old week's button is lost with it, so the click waits for the button that
    carries the new week's class.
    """
    if note:
        page.get_by_label("Why").fill(note)
    title = page.get_by_text(re.compile(r"^Your move for week \d+$"))
    if title.count():
        week = int(title.first.inner_text().rsplit(" ", 1)[1])
        buttons = page.locator(f".ec-move-for-week-{week}")
        buttons.filter(has_text=re.compile(f"^\\s*{name}\\s*$")).click()
        return
    page.get_by_role("button", name=name, exact=True).last.click()


def at_week(page: Page, week: int, weeks: int) -> None:
    """Wait for the week; on a team's page, for that week's move card too.

    The heading can show the new week a moment before the move buttons are redrawn, and a
    click on the old week's button is refused as too late (`Moves` in sim/play/web/team.py),
    so a test that moves next waits for the card that holds the new buttons.
    """
    expect(page.get_by_text(f"Week {week} of {weeks}")).to_be_visible()
    if page.get_by_text(re.compile(r"^Your move for week \d+$")).count():
        expect(page.get_by_text(f"Your move for week {week}", exact=True)).to_be_visible()


def shows_debrief(page: Page) -> None:
    """Wait for the debrief: its title and its findings (a case without a notice has no
    "Your game:" line, so the Outcome heading is what every debrief shows)."""
    expect(page.get_by_role("heading", name=re.compile("^Debrief"))).to_be_visible()
    expect(page.get_by_role("heading", name="Outcome", exact=True).first).to_be_visible()


def confirm(page: Page, button: str, ok: str) -> None:
    page.get_by_role("button", name=button).click()
    page.locator(".v-dialog--active").get_by_role("button", name=ok).click()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def kill_browser(profile: str) -> None:
    """SIGKILL the Chromium started by this test on ``profile`` (found by its own profile path)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"--user-data-dir={profile}".encode() in command:
            try:
                os.kill(int(proc.name), signal.SIGKILL)
            except ProcessLookupError:
                pass
