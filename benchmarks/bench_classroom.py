"""Classroom latency over loopback, in headless Chromium (issue 11's bar; docs/classroom.md).

Measures, on a real server (``python -m sim classroom`` with its own database):
- solo: a click on a move until the page shows the next week (bar: median under 0.4 s);
- class of 4 pages (three teams and the instructor): the last team's move until every page
  shows the next week (bar: median under 1.5 s);
- room of 30 pages (each team's seat link on ten screens): the same (bar: median under 3 s);
- restart: kill -9 mid-game, start again, until a seat link shows the game where it was.
The baseline, in the same run, is the room action itself in-process (`Room.submit`), so the
ratio says how much of a click is the page rather than the game.

    .venv/bin/python benchmarks/bench_classroom.py [--weeks N]
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from classroom_browser import (
    CHROMIUM,
    FLAGS,
    Server,
    at_week,
    join,
    move,
    open_in,
    open_room,
    start_solo,
)
from playwright.sync_api import sync_playwright

OUT = Path("results") / "benchmarks" / "classroom.json"


def baseline(weeks: int) -> float:
    """Median seconds of one move that plays a week, in-process (no page)."""
    from sim.play.registry import Limits, RoomRegistry
    from sim.play.settings import RoomSettings

    registry = RoomRegistry(limits=Limits())
    room = registry.create(RoomSettings(humans=("seoul",), solo=True, weeks=weeks + 1))
    token = room.claim("seoul")
    times = []
    for _ in range(weeks):
        started = time.perf_counter()
        room.submit(token, "hold")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def solo(browser, server: Server, weeks: int) -> list[float]:
    page = open_in(browser, server.url + "/")
    start_solo(page, "Seoul", weeks + 1)
    times = []
    for week in range(1, weeks + 1):
        at_week(page, week, weeks + 1)
        page.wait_for_timeout(300)
        started = time.perf_counter()
        move(page, "Hold")
        at_week(page, week + 1, weeks + 1)
        times.append(time.perf_counter() - started)
    page.context.close()
    return times


def class_room(browser, server: Server, screens: int, weeks: int) -> list[float]:
    """Teams' pages (``screens`` per role) and the instructor; seconds until all show a week."""
    instructor = open_in(browser, server.url + "/")
    code = open_room(instructor, weeks + 1)
    pages, firsts = [instructor], []
    for role in ("Seoul", "Tokyo", "Washington"):
        team = open_in(browser, server.url + "/")
        join(team, code, role)
        firsts.append(team)
        pages.append(team)
        for _ in range(screens - 1):
            extra = team.context.new_page()
            extra.set_default_timeout(60_000)
            extra.goto(team.url)
            pages.append(extra)
    times = []
    for week in range(1, weeks + 1):
        for page in pages:
            at_week(page, week, weeks + 1)
        move(firsts[0], "Hold")
        move(firsts[1], "Hold")
        firsts[2].wait_for_timeout(500)
        started = time.perf_counter()
        move(firsts[2], "Abstain")
        for page in pages:
            at_week(page, week + 1, weeks + 1)
        times.append(time.perf_counter() - started)
    for page in (instructor, *firsts):
        page.context.close()
    return times


def restart(browser, server: Server) -> float:
    page = open_in(browser, server.url + "/")
    start_solo(page, "Tokyo", 10)
    move(page, "Retaliate")
    at_week(page, 2, 10)
    link = page.url
    page.context.close()
    server.kill()
    started = time.perf_counter()
    server.start()
    again = open_in(browser, link)
    at_week(again, 2, 10)
    move(again, "Hold")
    at_week(again, 3, 10)
    seconds = time.perf_counter() - started
    again.context.close()
    return seconds


def summary(times: list[float]) -> dict:
    return {
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "n": len(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=8, help="weeks measured per scenario")
    args = parser.parse_args()
    if CHROMIUM is None:
        raise SystemExit("no chromium: run scripts/install-browser.sh")
    folder = Path(tempfile.mkdtemp(prefix="bench-classroom-"))
    server = Server(folder).start()
    results = {"baseline_in_process_s": round(baseline(args.weeks), 5)}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            results["solo_click_to_page"] = summary(solo(browser, server, args.weeks))
            results["class_4_pages"] = summary(class_room(browser, server, 1, args.weeks))
            results["room_30_pages"] = summary(class_room(browser, server, 10, 3))
            results["restart_kill9_to_next_week_s"] = round(restart(browser, server), 2)
            browser.close()
    finally:
        server.stop()
    base = results["baseline_in_process_s"]
    results["solo_ratio_to_baseline"] = round(results["solo_click_to_page"]["median_s"] / base)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    bars = {
        "solo median < 0.4 s": results["solo_click_to_page"]["median_s"] < 0.4,
        "class of 4 median < 1.5 s": results["class_4_pages"]["median_s"] < 1.5,
        "room of 30 median < 3 s": results["room_30_pages"]["median_s"] < 3.0,
    }
    for bar, met in bars.items():
        print(f"{'met ' if met else 'MISSED'} {bar}")


if __name__ == "__main__":
    main()
