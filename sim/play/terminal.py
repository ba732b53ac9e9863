"""`escalation play`: people play capitals in the terminal, week by week, then a debrief.

Each week every role played by a person sees a briefing (the date, what the others did last
week as concrete acts, the tension gauge, the measures in force, US pressure, its payoff
so far) and chooses a move; agents play the other roles with the configured rules
(`sim.play.game.Game`). The record is saved after every week, so a game left early (``q``, the end
of the input, Ctrl-C) still replays. ``--replay`` plays a saved record again, without asking
anything, and writes the same debrief.
"""

import argparse
import datetime as dt
import itertools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sim.console import OneLineParser, Terminated
from sim.core.errors import ConfigError, EscalationError
from sim.experiment.config import Config
from sim.experiment.factory import build_scenario
from sim.play.game import Game
from sim.play.record import PlayError, replayed_game, save
from sim.play.settings import check_patron_settings
from sim.play.transcript import format_header
from sim.reports.briefing import format_briefing, format_options, format_report
from sim.reports.labels import outcome_words, role_name
from sim.reports.text import listing, week_count

GAMES_DIR = Path("results") / "games"
RECORD = "game.json"
QUIT = ("q", "quit", "exit")
HELP = ("?", "help")

DESCRIPTION = """\
Play Seoul, Tokyo and/or Washington (or the sides of another case: scenario=thaad_2016 has
Seoul and Beijing) in the terminal, one week at a time, from the model's first week; agents
play the other roles with the configured rules. Each week you answer c (cooperate), h (hold)
or r (retaliate), or for Washington a (abstain), e (engage) or p (press); full words work
too, ? repeats the options, q saves the game and quits. The game ends with a debrief: your
path beside the real one and the model's distribution for the same settings. The record
(every move, with its time, and the config) is saved after every week.
"""

EPILOG = """\
overrides are those of `escalation run`, e.g. us.pressure=0.8 strategy@tokyo=tit_for_tat
run.seed=3 payoffs=chicken, anywhere on the line.

examples:
  escalation play --as seoul
  escalation play --as seoul --as tokyo --weeks 20 run.seed=3
  escalation play --as washington strategy@tokyo=tit_for_tat --record my_game.json
  escalation play --as beijing scenario=thaad_2016      # the sides of another case
  escalation play --as beijing --weeks 4 scenario=thaad_2016 run.seed=1
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
    """Read ``escalation play`` arguments; a usage error is one line (`OneLineParser`).

    Settings (``key=value``) may come anywhere, as in ``--as beijing scenario=thaad_2016
    --weeks 4 run.seed=1``: a plain parse would take the last one for an unknown argument.
    """
    parser = OneLineParser(
        prog="escalation play",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--as",
        dest="roles",
        action="append",
        type=str.lower,
        default=[],
        metavar="ROLE",
        help="a role to play: a side of the case (seoul or tokyo in 2019) or washington "
        "(repeat for several)",
    )
    parser.add_argument(
        "--weeks", type=positive, help="play only the first N weeks (sets run.weeks)"
    )
    parser.add_argument(
        "--record",
        metavar="PATH",
        help="where to save the record: a new .json file, or a folder for game.json "
        "(default results/games/DATE-TIME/); the debrief files go beside it; a place that "
        "already holds a record is refused",
    )
    parser.add_argument(
        "--replay",
        metavar="PATH",
        help="replay a saved record and write its debrief, without asking anything",
    )
    parser.add_argument("--no-figure", action="store_true", help="skip the debrief figure")
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="OVERRIDES",
        help="config overrides, anywhere on the line (before, between or after the options)",
    )
    return parser.parse_intermixed_args(argv)  # settings after an option are settings too


def compose(overrides: list[str], weeks: int | None) -> Config:
    """The validated config for these overrides; a bad override fails with its message."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.experiment.config import default_config

    if weeks is not None:
        overrides = [*overrides, f"run.weeks={weeks}"]
    try:
        return default_config(overrides)
    except (HydraException, OmegaConfBaseException) as problem:
        raise ConfigError(f"bad override: {override_error(problem)}") from None


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
            print(format_options(game.options(actor), game.previews(actor)), file=out)
            print("  type the letter or the word; q saves the game and quits", file=out)
            continue
        if not key:  # an Enter alone was "refused: '' is not a move"
            print(f"  type a move ({keys}), or ? for what each one does", file=out)
            continue
        try:
            return game.submit(actor, answer)
        except EscalationError as problem:
            print(f"  refused: {problem}", file=out, flush=True)


#: Clears a terminal and puts the cursor at its top (ANSI), between two players' turns.
CLEAR = "\033[2J\033[H"


def hand_over(actor: str, read: Callable[[str], str], out: TextIO) -> None:
    """Clear the screen and wait for the next player, so no one sees another's move.

    Several people share one keyboard and choose at the same time: the last player's answer
    must not stay on screen above the next one's prompt.
    """
    print(CLEAR, end="", file=out, flush=True)
    read(f"Pass the keyboard to {role_name(actor)}, then press Enter (others look away) ")
    print(CLEAR, end="", file=out, flush=True)


def play_weeks(
    game: Game,
    read: Callable[[str], str],
    out: TextIO,
    save: Callable[[], object],
    handover: bool = False,
) -> str:
    """Play until the end or until people stop; returns how the game ended.

    ``finished``, ``quit``, ``eof`` (the input ended), ``interrupted`` (Ctrl-C),
    ``terminated`` (SIGTERM) or ``closed`` (the output was closed). ``save`` is called after
    every week, so the record on disk is always a complete one. With ``handover`` (several
    players at a terminal) the screen is cleared before each player's turn, so the players
    first say when they have read the header it would wipe.
    """
    try:
        if handover and not game.timeline:
            read("Read the above (the briefs, where the record goes), then press Enter ")
        while not game.finished:
            for actor in game.waiting_for():
                if handover:
                    hand_over(actor, read, out)
                brief = format_briefing(game.briefing(actor), game.scenario)
                print("\n" + brief, file=out, flush=True)
                if ask_move(game, actor, read, out) is None:
                    return "quit"
            game.advance()
            save()
    except EOFError:
        return "eof"
    except KeyboardInterrupt:
        return "interrupted"
    except Terminated:
        return "terminated"
    except BrokenPipeError:  # the output was closed, e.g. piped into `head`
        return "closed"
    return "finished"


def record_path(arg: str | None) -> Path:
    """Where a game's record goes: ``--record`` (a .json file, or a folder), or a new folder."""
    if arg is not None:
        path = Path(arg)
        return path if path.suffix == ".json" else path / RECORD
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    for n in itertools.count(1):
        folder = GAMES_DIR / (stamp if n == 1 else f"{stamp}-{n}")
        try:  # claimed at once: two games begun in one second were given one folder
            folder.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError:
            break  # it cannot be made: saving the record says why
        break
    return folder / RECORD


def new_record(arg: str | None) -> Path:
    """`record_path`, refused where a record already is: a game is never written over."""
    path = record_path(arg)
    if path.exists():
        raise PlayError(
            f"{path} already exists; a game is never written over: give --record a new file "
            "or folder (or remove that one first)"
        )
    return path


def show_debrief(game: Game, record: Path, out: TextIO, figure: bool = True) -> dict[str, Path]:
    """Print the debrief of each role played by a person and write their files beside the record."""
    from sim.play.debrief import debrief_data, debrief_paths, debrief_text, write_debrief

    several = len(game.humans) > 1
    paths: dict[str, Path] = {}
    try:
        result = game.debrief(game.config.run.replications)
        shown = game.humans[0] if len(game.humans) == 1 else None
        print("\n" + debrief_text(debrief_data(game, result, shown)), file=out)
        for role in game.humans:
            suffix = role if several else None
            written = write_debrief(game, result, record, role, figure=figure, suffix=suffix)
            paths |= {f"{kind}_{role}": path for kind, path in written.items()}
    except (KeyboardInterrupt, Terminated):  # no debrief that looks whole but is not
        for role in game.humans:
            for path in debrief_paths(record, role if several else None).values():
                path.unlink(missing_ok=True)
        print(
            f"\nThe debrief was cut short (its files removed); the record is whole. "
            f"Write them with: escalation play --replay {record}",
            file=out,
            flush=True,
        )
        raise
    for path in paths.values():
        print(f"debrief: {path}", file=out)
    return paths


def play(args: argparse.Namespace, read: Callable[[str], str], out: TextIO) -> int:
    """Run a new game from the command's arguments; return the exit status."""
    if not args.roles:
        raise PlayError(
            "choose a role to play: a side of the case (--as seoul or --as tokyo in 2019) or "
            "--as washington (repeat --as to play several)"
        )
    check_patron_settings(args.roles, args.overrides)
    config = compose(args.overrides, args.weeks)
    try:
        game = Game(config, args.roles)
    except ConfigError as problem:
        if args.weeks is None or not str(problem).startswith(f"run.weeks={args.weeks} "):
            raise
        most = build_scenario(config.scenario).weeks  # the option typed, and its advice
        raise ConfigError(
            f"--weeks {args.weeks}: {problem.problem}", f"give --weeks {most} or less"
        ) from None
    record = new_record(args.record)
    try:
        save(game, record)  # before the first week, so a path that cannot be written stops here
    except OSError as problem:
        parent = record.parent
        while not parent.exists() and parent.parent != parent:
            parent = parent.parent
        reason = f"{parent} is a file" if not parent.is_dir() else problem.strerror
        raise PlayError(
            f"cannot write the record {record}: {reason}; give --record a .json file or a "
            f"folder you can write"
        ) from None
    print(format_header(game, record), file=out, flush=True)
    handover = len(game.humans) > 1 and out.isatty() and sys.stdin.isatty()
    status = play_weeks(game, read, out, lambda: save(game, record), handover)
    save(game, record)
    if status == "closed":
        silence_stdout()
        return 1
    if status != "finished":
        why = {
            "quit": "you quit",
            "eof": "the input ended",
            "interrupted": "interrupted",
            "terminated": "terminated",
        }[status]
        print(
            f"\nGame left after {len(game.timeline)} of {game.weeks} weeks ({why}). "
            f"Record saved: {record}\nReplay it with: escalation play --replay {record}",
            file=out,
        )
        if status in ("interrupted", "terminated"):
            return 130 if status == "interrupted" else 143
        if game.timeline:  # a debrief of the weeks played, beside model runs as long
            show_debrief(game, record, out, figure=not args.no_figure)
        return 0
    print(
        "\nThe last week:\n" + format_report(game.timeline[-1], game.weeks, game.humans), file=out
    )
    print(f"\nThe game is over. Record saved: {record}", file=out)
    show_debrief(game, record, out, figure=not args.no_figure)
    return 0


def replay(args: argparse.Namespace, out: TextIO) -> int:
    """Replay a saved record week by week, check it against the record, write the debrief."""
    if args.roles or args.weeks or args.overrides:
        raise PlayError("--replay takes no --as, --weeks or overrides: the record holds them")
    path = Path(args.replay)
    if path.is_dir():  # the folder --record was given: its record is game.json
        path = path / "game.json"
    try:
        record = json.loads(path.read_text())
    except OSError as problem:
        raise PlayError(f"cannot read the record {path}: {problem.strerror}") from None
    except json.JSONDecodeError as problem:
        raise PlayError(f"{path} is not a JSON game record: {problem}") from None
    except UnicodeDecodeError:
        raise PlayError(f"{path} is not a JSON game record: it is not UTF-8 text") from None
    game, same = replayed_game(path, record)
    target = path if args.record is None else new_record(args.record)
    people = listing([role_name(a) for a in game.humans])
    print(f"Replaying {path}: {people} played by people, seed {game.seed}.", file=out)
    for report in game.timeline:
        print(format_report(report, game.weeks, game.humans), file=out)
    if same:
        played = week_count(len(game.timeline))
        print(f"Replayed {played}: the same timeline as recorded.", file=out)
    if game.timeline:
        print(
            f"Outcome: {outcome_words(game.outcome(), game.scenario.notice is not None)}", file=out
        )
    if args.record is not None:
        save(game, target)
        print(f"Replayed record saved: {target}", file=out)
    if not game.timeline:
        print("No week was played: no debrief.", file=out)
        return 0
    if not game.finished:
        print(
            f"The game was left after {len(game.timeline)} of {game.weeks} weeks: the debrief "
            "covers the weeks played.",
            file=out,
        )
    show_debrief(game, target, out, figure=not args.no_figure)
    return 0


def main(argv: list[str], read: Callable[[str], str] = read_line, out: TextIO | None = None) -> int:
    """``escalation play ...``: play a new game, or ``--replay`` a saved one; the exit status.

    Errors are raised (`EscalationError`); `sim.cli` prints them and exits.
    """
    args = parse_args(argv)
    out = sys.stdout if out is None else out
    if sys.stdin.isatty():
        import readline  # noqa: F401 (line editing for input())
    return replay(args, out) if args.replay else play(args, read, out)
