"""A game's record (config, seed, roles, every move and injection with its time) and its replay.

The terminal saves the record after every week; `replay` plays it again move for move and
gives the same game (the same seed draws the same agents' choices), which is also how a
classroom room comes back after a restart (`sim.play.room_state`).
"""

import dataclasses
import json
import sys
from dataclasses import asdict
from pathlib import Path

from sim import __version__
from sim.core.errors import ConfigError, EscalationError
from sim.experiment.config import config_from_dict
from sim.play.game import Game

#: How the JSON files number weeks (the ``week`` of moves, injections and the timeline): from
#: 0, as the model does, where moves.csv, the pages and the debrief's text count from 1.
#: Written into every record and debrief JSON; a record without it (older) numbers the same.
WEEK_NUMBERING = (
    "0-based: week 0 is the game's first week, which moves.csv/moves.json, the pages and the "
    "debrief text call week 1"
)


def record(game: Game) -> dict:
    """Everything needed to replay the game: config, seed, roles, moves, injections."""
    return {
        "version": __version__,
        "week_numbering": WEEK_NUMBERING,
        "created": game.created,
        "seed": game.seed,
        "humans": list(game.humans),
        "config": dataclasses.asdict(game.config),
        "moves": game.moves_log,
        "injections": game.injections,
        "timeline": [dataclasses.asdict(r) for r in game.timeline],
        "outcome": game.outcome(),  # over the weeks played, as the debrief counts it
        "case": case_digests(game),
    }


def case_digests(game: Game) -> dict[str, str]:
    """Digests of the case's files a game reads.

    Its data and events files, as a run's identity has them, and classroom.yaml, which a run
    does not read but a game does (Washington's pressure cost is in its scores).
    """
    from sim.experiment.identity import events_digest, files_digest, scenario_digest
    from sim.play.materials import FILE

    folder = game.scenario.folder
    classroom = [folder / FILE] if folder and (folder / FILE).is_file() else []
    return {
        "scenario": scenario_digest(game.scenario),
        "events": events_digest(game.scenario),
        "classroom": files_digest(classroom, folder) if folder and classroom else "none",
    }


def case_changed(data: dict, game: Game) -> str | None:
    """Why a replay that differs from its record may not be the record's fault, or None.

    A record names its case, not its data: after the case's scenario.yaml or events file
    changed, its moves give another game, and the record was blamed as edited by hand.
    """
    recorded = data.get("case")
    if not isinstance(recorded, dict) or recorded == case_digests(game):
        return None
    name = data["config"].get("scenario", {}).get("name", "its case")
    return (
        f"the case {name} has changed since the game was played (its scenario.yaml, events "
        "file or classroom.yaml differ), so the same moves give another game; replay it with "
        "the case as it was"
    )


def save(game: Game, path: Path) -> Path:
    """Write the record as JSON (atomically), every float exact: a replay recomputes the game."""
    from sim.experiment.store import write_json

    return write_json(record(game), Path(path), exact=True)


class RecordError(EscalationError):
    """A game record is not whole: a field is missing or malformed, or a move is missing."""


#: A record's fields: what each must hold, and its test.
FIELDS = {
    "version": ("the version of escalation-sim that saved it", lambda v: _text(v)),
    "config": ("an object", lambda v: isinstance(v, dict)),
    "humans": ("a list of roles", lambda v: isinstance(v, list) and all(map(_text, v))),
    "seed": ("a whole number of at least 0", lambda v: _whole(v) and v >= 0),
    "moves": ("a list of objects", lambda v: isinstance(v, list) and all(map(_obj, v))),
    "injections": ("a list of objects", lambda v: isinstance(v, list) and all(map(_obj, v))),
    "timeline": ("a list of objects", lambda v: isinstance(v, list) and all(map(_obj, v))),
}


def _text(value: object) -> bool:
    return isinstance(value, str)


def _obj(value: object) -> bool:
    return isinstance(value, dict)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_record(data: object) -> None:
    """Raise `RecordError` unless ``data`` is a whole game record.

    Beyond each field's type: every move names a role played by a person, a move and a week
    of the game (a week played, or the one it was left in), and every person has one move in
    each week played (a hold the game filled in is stored as a move), so a record cut or
    edited by hand is refused rather than replayed with moves it never held.
    """
    if not isinstance(data, dict):
        raise RecordError(f"it holds a JSON {type(data).__name__}, not a game record's object")
    for key, (what, test) in FIELDS.items():
        if key not in data:
            raise RecordError(f"it has no {key!r}")
        if not test(data[key]):
            raise RecordError(f"{key!r} must be {what}")
    played = len(data["timeline"])
    first = data["timeline"][0] if played else None
    roles = (
        list(first["moves"])
        if isinstance(first, dict) and isinstance(first.get("moves"), dict)
        else []
    )
    unknown = [h for h in data["humans"] if roles and h not in roles]
    if unknown:
        raise RecordError(
            f"'humans' names {', '.join(map(str, unknown))}, no role of this game "
            f"(its roles: {', '.join(roles)})"
        )
    seen: dict[tuple[int, str], int] = {}
    for i, move in enumerate(data["moves"]):
        week = move.get("week")
        if not (_whole(week) and 0 <= week <= played):
            raise RecordError(f"moves[{i}]: 'week' must be a whole number from 0 to {played}")
        if move.get("actor") not in data["humans"]:
            raise RecordError(f"moves[{i}]: 'actor' must be one of {data['humans']}")
        if not _text(move.get("move")):
            raise RecordError(f"moves[{i}]: 'move' must be a move's name")
        seen[(week, move["actor"])] = seen.get((week, move["actor"]), 0) + 1
    for week in range(played):
        for actor in data["humans"]:
            count = seen.get((week, actor), 0)
            if count != 1:
                count_words = "no move" if count == 0 else f"{count} moves"
                raise RecordError(
                    f"{count_words} of {actor} in week {week + 1} of the {played} played (the "
                    f"record's week {week}): it was cut or edited"
                )
    for i, injection in enumerate(data["injections"]):
        if not (_whole(injection.get("week")) and 0 <= injection["week"] <= played):
            raise RecordError(f"injections[{i}]: 'week' must be a whole number from 0 to {played}")
        for key in ("actor", "direction", "text"):
            if not _text(injection.get(key)):
                raise RecordError(f"injections[{i}]: {key!r} must be text")
        if "measure" in injection and not _text(injection["measure"]):
            raise RecordError(f"injections[{i}]: 'measure' must be text when given")


def check_none_after(data: dict, game: Game) -> None:
    """Raise `RecordError` if the record of a finished ``game`` holds a move after its end.

    A game left mid-week keeps the moves of the week it was left in; a finished one has no
    week after its last, so such a move was added by hand (the replay never reaches it).
    """
    weeks = len(game.timeline)
    after = [i for i, m in enumerate(data["moves"]) if m["week"] >= weeks]
    if game.finished and after:
        raise RecordError(
            f"moves[{after[0]}] is for week {data['moves'][after[0]]['week']}, after the "
            f"game's last (week {weeks - 1}): it was edited"
        )


def checked_replay(data: object) -> Game:
    """`replay` of a record `check_record` passes, with no move after a finished game's end.

    Raises `RecordError` for a record that is not whole (and what `replay` raises).
    """
    check_record(data)
    assert isinstance(data, dict)  # check_record refuses anything else
    game = replay(data)
    check_none_after(data, game)
    return game


def replay(data: dict) -> Game:
    """Play a recorded game again, move for move; the result is the same game."""
    game = Game(config_from_dict(data["config"]), data["humans"], data["seed"])
    game.created = data.get("created", game.created)
    moves = [m for m in data["moves"] if not m.get("default")]
    holds = {m["week"]: m["time"] for m in data["moves"] if m.get("default")}
    played = len(data["timeline"])
    while not game.finished:
        week = game.week
        for injection in (i for i in data["injections"] if i["week"] == week):
            game.inject(
                injection["actor"],
                injection["direction"],
                injection["text"],
                at=injection.get("time"),
                measure=injection.get("measure"),
            )
        for move in (m for m in moves if m["week"] == week):
            game.submit(move["actor"], move["move"], at=move.get("time"))
        if week >= played:
            break
        game.advance(at=holds.get(week))
    return game


def load(path: Path) -> Game:
    """Replay the game recorded in a JSON file."""
    return replay(json.loads(Path(path).read_text()))


def played(timeline: list[dict]) -> list[dict]:
    """A timeline's weeks without their wording (``described``), for comparing two plays.

    The wording of a move may change between versions (e.g. "Washington presses Beijing" where
    records of thaad_2016 made before said "presses its allies"); the play itself may not.
    """
    return [{k: v for k, v in week.items() if k != "described"} for week in timeline]


class PlayError(EscalationError):
    """``escalation play`` cannot go on: the message says what to change."""


def replayed_game(path: Path, record: object) -> tuple[Game, bool]:
    """Play ``record`` again and check it gives the recorded timeline; refuse it if not whole.

    The same version of the model gives the same game from the same moves, so a timeline that
    differs then means the file was edited, and it is refused; a record of another version
    may differ where the model changed, and is replayed with a warning naming both versions.
    Returns the game and whether its timeline is the recorded one.
    """
    try:
        game = checked_replay(record)
        assert isinstance(record, dict)  # checked_replay refuses anything else
    except RecordError as problem:
        raise PlayError(f"{path} is not a whole game record: {problem}") from None
    except ConfigError as problem:
        raise PlayError(
            f"{path}: in the record's configuration, {problem.problem}; a record replays as it "
            "was saved: put the value back in the file, or play a new game"
        ) from None
    except EscalationError as problem:
        raise PlayError(f"{path}: {problem}") from None
    replayed = played([asdict(r) for r in game.timeline])
    recorded = played(record["timeline"])
    if replayed == recorded and record.get("outcome", game.outcome()) == game.outcome():
        return game, True
    week = next(
        (i for i, (a, b) in enumerate(zip(replayed, recorded, strict=False)) if a != b),
        min(len(replayed), len(recorded)),
    )
    made_by = record.get("version")
    where = f"its timeline from week {week + 1}" if replayed != recorded else "its outcome"
    if changed := case_changed(record, game):
        raise PlayError(f"{path}: {changed}")
    if made_by == __version__:
        raise PlayError(
            f"{path}: its moves give another game than {where}: the file was edited after the "
            "game; replay the file as it was saved"
        )
    print(
        f"warning: the replay differs from the record ({where}): the record was made by "
        f"version {made_by} of escalation-sim, this is {__version__}",
        file=sys.stderr,
    )
    return game, False
