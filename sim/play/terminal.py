"""`escalation play`: people play capitals in the terminal, week by week, then a debrief.

Each week every role played by a person sees a briefing (the date, what the others did last
week as named ladder moves, the tension gauge, the measures in force, US pressure, its payoff
so far) and chooses a move; agents play the other roles with the configured rules
(`sim.play.game.Game`). The record is saved after every week, so a game left early (``q``, the end
of the input, Ctrl-C) still replays. ``--replay`` plays a saved record again, without asking
anything, and writes the same debrief.
"""

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from sim.cli import fail
from sim.core.errors import EscalationError
from sim.core.moves import ACTORS, ALLIES
from sim.experiment.config import Config
from sim.play.game import Game, WeekReport

GAMES_DIR = Path("results") / "games"
RECORD = "game.json"
QUIT = ("q", "quit", "exit")
HELP = ("?", "help")
GAUGE_WIDTH = 10

DESCRIPTION = """\
Play Seoul, Tokyo and/or Washington in the terminal, one week at a time, from the model's
first week; agents play the other roles with the configured rules. Each week you answer
c (cooperate), h (hold) or r (retaliate), or for Washington a (abstain), e (engage) or
p (press); full words work too, ? repeats the options, q saves the game and quits. The game
ends with a debrief: your path beside 2019's and the model's distribution for the same
settings. The record (every move, with its time, and the config) is saved after every week.
"""

EPILOG = """\
overrides are those of `escalation run`, e.g. us.pressure=0.8 strategy@tokyo=tit_for_tat
run.seed=3 payoffs=chicken.

examples:
  escalation play --as seoul
  escalation play --as seoul --as tokyo --weeks 20 run.seed=3
  escalation play --as washington us.pressure=0.8 --record my_game.json
  escalation play --replay results/games/2026-01-05-101500/game.json
"""


def positive(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of weeks") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} weeks: play at least 1")
    return value


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read ``escalation play`` arguments (argparse prints its own usage errors)."""
    parser = argparse.ArgumentParser(
        prog="escalation play",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--as",
        dest="roles",
        action="append",
        choices=ACTORS,
        default=[],
        metavar="ROLE",
        help="a role to play: seoul, tokyo or washington (repeat for several)",
    )
    parser.add_argument(
        "--weeks", type=positive, help="play only the first N weeks (sets run.weeks)"
    )
    parser.add_argument(
        "--record",
        metavar="PATH",
        help="where to save the record: a .json file, or a folder for game.json "
        "(default results/games/DATE-TIME/); the debrief files go beside it",
    )
    parser.add_argument(
        "--replay",
        metavar="PATH",
        help="replay a saved record and write its debrief, without asking anything",
    )
    parser.add_argument("--no-figure", action="store_true", help="skip the debrief figure")
    parser.add_argument("overrides", nargs="*", metavar="OVERRIDES", help="config overrides")
    return parser.parse_args(argv)


def compose(overrides: list[str], weeks: int | None) -> Config:
    """The validated config for these overrides; a bad override fails with its message."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.experiment.config import default_config

    if weeks is not None:
        overrides = [*overrides, f"run.weeks={weeks}"]
    try:
        return default_config(overrides)
    except EscalationError as problem:
        fail(str(problem))
    except (HydraException, OmegaConfBaseException) as problem:
        fail(f"bad override: {override_error(problem)}")
    raise AssertionError("unreachable")  # fail() exits


def override_error(problem: Exception) -> str:
    """Hydra's message for a bad override on one line, with the options or the cause."""
    head, _, rest = str(problem).partition("\n")
    if "Available options" in rest:
        listed = rest.split("Available options", 1)[1].split("Config search path")[0]
        names = [line.strip() for line in listed.splitlines()[1:] if line.strip()]
        return f"{head}; the options are {', '.join(names)}"
    if problem.__cause__ is not None:
        return f"{head}: {str(problem.__cause__).splitlines()[0]}"
    return " ".join(str(problem).split())


def gauge(value: float, width: int = GAUGE_WIDTH) -> str:
    """A bar gauge for a value in [0, 1], e.g. ``[#####-----] 0.52``."""
    filled = round(min(max(value, 0.0), 1.0) * width)
    return f"[{'#' * filled}{'-' * (width - filled)}] {value:.2f}"


def format_options(options: dict[str, str]) -> str:
    """The moves on offer, each with its key letter and the concrete step it would be."""
    width = max(len(name) for name in options)
    return "\n".join(
        f"  {name[0]}  {name:<{width}}  {concrete}" for name, concrete in options.items()
    )


def format_briefing(game: Game, actor: str) -> str:
    """The block a person reads before choosing ``actor``'s move this week."""
    brief = game.briefing(actor)
    role = actor.title()
    head = f"== Week {brief['week'] + 1}/{brief['weeks']}, Monday {brief['date']}: you play {role} "
    lines = [head.ljust(78, "=")]
    label = "Last week"
    for text in brief["last_week"].values() or ["(the game starts: nothing has happened yet)"]:
        lines.append(f"{label:<12}{text}")
        label = ""
    lines += [f"{'Event':<12}{text}" for text in brief["injected"]]
    lines.append(f"{'Tension':<12}{gauge(brief['tension'])}")
    label = "In force"
    for ally in ALLIES:
        repertoire = game.scenario.measures[ally]
        ids = repertoire.ids_in_force(int(game.model.capitals[ally].mask[0]))
        measures = ", ".join(i.replace("_", " ") for i in ids) or "nothing"
        lines.append(f"{label:<12}{ally.title():<6} {len(ids)}/{repertoire.size}  {measures}")
        label = ""
    lines.append(f"{'US pressure':<12}{gauge(brief['pressure'])}")
    if brief["payoff"] is None:
        totals = ", ".join(
            f"{a.title()} {float(game.model.capitals[a].total_payoff[0]):+.1f}" for a in ALLIES
        )
        lines.append(f"{'Payoffs':<12}{totals} (Washington has no payoff in the model)")
    else:
        lines.append(f"{'Your payoff':<12}{brief['payoff']:+.1f} so far")
    lines += ["Your options this week:", format_options(brief["options"])]
    return "\n".join(lines)


def format_report(report: WeekReport, weeks: int, humans: tuple[str, ...] = ()) -> str:
    """One played week: its date, every capital's named move and the tension after it."""
    lines = [f"week {report.week + 1}/{weeks} ({report.date})  tension {gauge(report.tension)}"]
    for actor, text in report.described.items():
        who = f"{actor.title()}{' (person)' if actor in humans else ''}"
        lines.append(f"    {who}: {text}")
    lines += [f"    Event: {text}" for text in report.injected]
    return "\n".join(lines)


def silence_stdout() -> None:
    """Send what is left to print to /dev/null once the reader of our output has gone."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def read_line(prompt: str) -> str:
    """Read one answer; piped answers are echoed so the transcript reads like a session."""
    answer = input(prompt)
    if not sys.stdin.isatty():
        print(answer, flush=True)
    return answer


def ask_move(game: Game, actor: str, read: Callable[[str], str], out: TextIO) -> str | None:
    """Ask until a valid move for ``actor`` is submitted; None if the person quits."""
    options = game.options(actor)
    keys = "/".join(name[0] for name in options)
    prompt = f"{actor.title()}'s move [{keys}, ? help, q quit]: "
    while True:
        answer = read(prompt)
        key = answer.strip().lower()
        if key in QUIT:
            return None
        if key in HELP:
            print(format_options(game.options(actor)), file=out)
            print("  type the letter or the word; q saves the game and quits", file=out)
            continue
        try:
            return game.submit(actor, answer)
        except EscalationError as problem:
            print(f"  refused: {problem}", file=out, flush=True)


def play_weeks(
    game: Game, read: Callable[[str], str], out: TextIO, save: Callable[[], object]
) -> str:
    """Play until the end or until people stop; returns how the game ended.

    ``finished``, ``quit``, ``eof`` (the input ended), ``interrupted`` (Ctrl-C) or ``closed``
    (the output was closed). ``save`` is called after every week, so the record on disk is
    always a complete one.
    """
    try:
        while not game.finished:
            for actor in game.waiting_for():
                print("\n" + format_briefing(game, actor), file=out, flush=True)
                if ask_move(game, actor, read, out) is None:
                    return "quit"
            game.advance()
            save()
    except EOFError:
        return "eof"
    except KeyboardInterrupt:
        return "interrupted"
    except BrokenPipeError:  # the output was closed, e.g. piped into `head`
        return "closed"
    return "finished"


def record_path(arg: str | None) -> Path:
    """Where a game's record goes: ``--record`` (a .json file, or a folder), or a new folder."""
    if arg is not None:
        path = Path(arg)
        return path if path.suffix == ".json" else path / RECORD
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    folder = GAMES_DIR / stamp
    n = 2
    while folder.exists():
        folder, n = GAMES_DIR / f"{stamp}-{n}", n + 1
    return folder / RECORD


def debrief_paths(record: Path) -> dict[str, Path]:
    """The debrief's files: ``debrief.*`` beside ``game.json``, else ``STEM_debrief.*``."""
    stem = "debrief" if record.stem == "game" else f"{record.stem}_debrief"
    return {kind: record.with_name(f"{stem}.{kind}") for kind in ("png", "md", "json")}


def write_debrief(game: Game, record: Path, out: TextIO, figure: bool = True) -> dict[str, Path]:
    """Print the debrief and write it beside the record (figure, Markdown, JSON)."""
    from sim.experiment.store import write_figure, write_json, write_text
    from sim.play.debrief import debrief_markdown, make_debrief_data, plot_debrief

    result = game.debrief(game.config.run.replications)
    data = make_debrief_data(result, game.scenario, game.real, game.humans)
    paths = debrief_paths(record)
    print("\n" + debrief_markdown(data, figure=None), file=out)
    write_json({"humans": list(game.humans), "seed": game.seed, **result}, paths["json"])
    write_text(debrief_markdown(data, figure=paths["png"].name if figure else None), paths["md"])
    if figure:
        write_figure(plot_debrief(data), paths["png"])
    else:
        del paths["png"]
    for path in paths.values():
        print(f"debrief: {path}", file=out)
    return paths


def _brief_file(game: Game, actor: str) -> str | None:
    if game.scenario.folder is None:
        return None
    path = game.scenario.folder / "briefs" / f"{actor}.md"
    if not path.is_file():
        return None
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _header(game: Game, record: Path) -> str:
    config = game.config
    agents = [f"{a.title()} ({getattr(config, a).rule})" for a in ALLIES if a not in game.humans]
    if "washington" not in game.humans:
        agents.append(f"Washington ({config.us.policy} policy)")
    people = " and ".join(a.title() for a in game.humans)
    lines = [
        game.scenario.title,
        f"You play {people}"
        + (f"; agents play {' and '.join(agents)}" if agents else "")
        + f". {game.weeks} weeks from Monday {game.scenario.week_start(0)} (seed {game.seed}).",
        "Each week: c cooperate, h hold, r retaliate (Washington: a abstain, e engage, p press);",
        "full words work too; ? repeats the options; q saves the game and quits.",
    ]
    for actor in game.humans:
        if brief := _brief_file(game, actor):
            lines.append(f"{actor.title()}'s brief: {brief}")
    lines.append(f"The record is saved after every week to {record}")
    return "\n".join(lines)


def play(args: argparse.Namespace, read: Callable[[str], str], out: TextIO) -> int:
    """Run a new game from the command's arguments; return the exit status."""
    if not args.roles:
        fail(
            "choose a role to play: --as seoul, --as tokyo or --as washington "
            "(repeat --as to play several)"
        )
    config = compose(args.overrides, args.weeks)
    try:
        game = Game(config, args.roles)
    except EscalationError as problem:
        fail(str(problem))
    if game.weeks > game.scenario.weeks:
        fail(
            f"run.weeks={game.weeks}: the scenario has {game.scenario.weeks} weeks "
            f"({game.scenario.start} to {game.scenario.end}); play at most that many"
        )
    record = record_path(args.record)
    print(_header(game, record), file=out, flush=True)
    status = play_weeks(game, read, out, lambda: game.save(record))
    game.save(record)
    if status == "closed":
        silence_stdout()
        return 1
    if status != "finished":
        why = {"quit": "you quit", "eof": "the input ended", "interrupted": "interrupted"}[status]
        print(
            f"\nGame left after {len(game.timeline)} of {game.weeks} weeks ({why}). "
            f"Record saved: {record}\nReplay it with: escalation play --replay {record}",
            file=out,
        )
        return 130 if status == "interrupted" else 0
    print(
        "\nThe last week:\n" + format_report(game.timeline[-1], game.weeks, game.humans), file=out
    )
    print(f"\nThe game is over. Record saved: {record}", file=out)
    write_debrief(game, record, out, figure=not args.no_figure)
    return 0


def replay(args: argparse.Namespace, out: TextIO) -> int:
    """Replay a saved record week by week, check it against the record, write the debrief."""
    if args.roles or args.weeks or args.overrides:
        fail("--replay takes no --as, --weeks or overrides: the record holds them")
    path = Path(args.replay)
    try:
        record = json.loads(path.read_text())
    except OSError as problem:
        fail(f"cannot read the record {path}: {problem.strerror}")
    except json.JSONDecodeError as problem:
        fail(f"{path} is not a JSON game record: {problem}")
    try:
        game = Game.replay(record)
    except EscalationError as problem:
        fail(f"{path}: {problem}")
    except (KeyError, TypeError, AttributeError) as problem:
        fail(f"{path} is not a game record (missing or malformed {problem})")
    people = " and ".join(a.title() for a in game.humans)
    print(f"Replaying {path}: {people} played by people, seed {game.seed}.", file=out)
    for report in game.timeline:
        print(format_report(report, game.weeks, game.humans), file=out)
    replayed = [asdict(r) for r in game.timeline]
    if replayed == record.get("timeline"):
        print(f"Replayed {len(replayed)} week(s): the same timeline as recorded.", file=out)
    else:
        recorded = record.get("timeline") or []
        week = next(
            (i for i, (a, b) in enumerate(zip(replayed, recorded, strict=False)) if a != b),
            min(len(replayed), len(recorded)),
        )
        print(
            f"warning: the replay differs from the record from week {week + 1} "
            "(was it made by another version of the model?)",
            file=sys.stderr,
        )
    print(f"Outcome: {game.outcome()}", file=out)
    target = path
    if args.record is not None:
        target = record_path(args.record)
        game.save(target)
        print(f"Replayed record saved: {target}", file=out)
    if not game.finished:
        print(
            f"The game was left after {len(game.timeline)} of {game.weeks} weeks: no debrief.",
            file=out,
        )
        return 0
    write_debrief(game, target, out, figure=not args.no_figure)
    return 0


def main(
    argv: list[str], read: Callable[[str], str] = read_line, out: TextIO | None = None
) -> None:
    """``escalation play ...``: play a new game, or ``--replay`` a saved one."""
    args = parse_args(argv)
    out = sys.stdout if out is None else out
    if sys.stdin.isatty():
        import readline  # noqa: F401 (line editing for input())
    status = replay(args, out) if args.replay else play(args, read, out)
    if status:
        sys.exit(status)
