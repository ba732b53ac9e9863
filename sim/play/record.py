"""A game's record (config, seed, roles, every move and injection with its time) and its replay.

The terminal saves the record after every week; `replay` plays it again move for move and
gives the same game (the same seed draws the same agents' choices), which is also how a
classroom room comes back after a restart (`sim.play.room_state`).
"""

import dataclasses
import json
from pathlib import Path

from sim import __version__
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
        "outcome": game.outcome() if game.finished else None,
    }


def save(game: Game, path: Path) -> Path:
    """Write the record as JSON (atomically)."""
    from sim.experiment.store import write_json

    return write_json(record(game), Path(path))


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
