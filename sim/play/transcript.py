"""The terminal game's header: who plays what, for how long, and where the briefs are."""

from pathlib import Path

from sim.core.moves import ALLIES
from sim.play.game import Game
from sim.reports.labels import role_name, values_played
from sim.reports.text import listing, week_count


def brief_file(game: Game, actor: str) -> str | None:
    """Where ``actor``'s role brief is, relative to here when it can be."""
    if game.scenario.folder is None:
        return None
    path = game.scenario.folder / "briefs" / f"{actor}.md"
    if not path.is_file():
        return None
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def format_header(game: Game, record: Path) -> str:
    """Who plays what, for how long, and where the record goes."""
    config = game.config
    agents = [
        f"{role_name(side)} ({getattr(config, slot).rule.replace('_', ' ')})"  # in words
        for side, slot in zip(game.sides, ALLIES, strict=True)  # slots: the config's names
        if side not in game.humans
    ]
    if "washington" not in game.humans:
        agents.append(f"Washington ({config.us.policy} policy)")
    people = listing([role_name(a) for a in game.humans])
    lines = [
        game.scenario.title,
        f"You play {people}"
        + (f"; agents play {listing(agents)}" if agents else "")
        + f". {week_count(game.weeks)} from Monday {game.scenario.week_start(0)} "
        f"(seed {game.seed}, {values_played(config.fit)}).",
        "Each week: c cooperate, h hold, r retaliate (Washington: a abstain, e engage, p press);",
        "full words work too; ? repeats the options; q saves the game and quits.",
    ]
    for actor in game.humans:
        if brief := brief_file(game, actor):
            lines.append(f"{role_name(actor)}'s brief: {brief}")
    lines.append(f"The record is saved after every week to {record}")
    return "\n".join(lines)
