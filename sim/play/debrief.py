"""A game's debrief, per role: its numbers, its text and its chart, and the files they go to.

`Game.debrief` computes the typed `Debrief` once per game (the model's runs over the weeks
played); `debrief_data` turns it into one role's view (its score,
its discussion prompts) or the class's (``role=None``); the terminal, the classroom pages and
the exports all go through `debrief_data`, `debrief_text` and `write_debrief`.
"""

from pathlib import Path

import numpy as np

from sim.figures.debrief import DebriefData, make_debrief_data, plot_debrief
from sim.play.game import Game
from sim.play.record import WEEK_NUMBERING
from sim.play.status import Note
from sim.reports.debrief import debrief_markdown
from sim.reports.game_results import Debrief, to_json
from sim.reports.labels import MOVE_NAMES, role_name, values_played

NOTHING_PLAYED = "# Debrief\n\nThe game ended before any week was played: nothing to compare.\n"


def debrief_data(game: Game, debrief: Debrief, role: str | None) -> DebriefData | None:
    """One role's debrief numbers (the class's when ``role`` is None); None if no week."""
    if debrief.weeks_played == 0:
        return None
    shown = any(i["week"] < debrief.weeks_played for i in game.injections)  # E1, E2, ... marked
    taken = measures_taken(game, debrief.weeks_played)
    prompts = game.materials.prompts_for(role, shown, debrief.outcome, taken)
    cost = game.materials.pressure_cost
    return make_debrief_data(
        debrief,
        game.scenario,
        game.real,
        role,
        prompts,
        pressure_cost=cost,
        values=values_played(game.config.fit),
    )


def measures_taken(game: Game, weeks: int) -> frozenset[str]:
    """``side.id`` of every measure in force at the end of some week of the first ``weeks``."""
    taken = set()
    for side in game.sides:
        masks = game.model.recorder.mask[side][:weeks, 0]
        ever = int(np.bitwise_or.reduce(masks)) if len(masks) else 0
        measures = game.scenario.measures[side].measures
        taken |= {f"{side}.{m.id}" for k, m in enumerate(measures) if ever >> k & 1}
    return frozenset(taken)


def why_rows(notes: list[Note]) -> list[list[str]]:
    """The "why" notes as the debrief's table shows them (`WHY_HEAD`), in the order written.

    Each team is named as it was called when it moved.
    """
    return [
        [str(n.week + 1), n.team or role_name(n.role), MOVE_NAMES.get(n.move, n.move), n.text]
        for n in notes
    ]


def debrief_text(
    data: DebriefData | None, figure: str | None = None, notes: list[Note] | None = None
) -> str:
    """The debrief as Markdown (a fixed page when no week was played), with the teams' notes.

    ``notes``: the "why" notes of the weeks played, the table the debrief page shows too.
    """
    if data is None:
        return NOTHING_PLAYED
    return debrief_markdown(data, figure=figure, why=why_rows(notes or []))


def debrief_json(debrief: Debrief) -> dict:
    """The debrief as JSON data, saying how its weeks are numbered (`WEEK_NUMBERING`)."""
    return {"week_numbering": WEEK_NUMBERING, **to_json(debrief)}


def debrief_paths(record: Path, suffix: str | None = None) -> dict[str, Path]:
    """The debrief's files beside a record: ``debrief[_SUFFIX].{png,md,json}``."""
    stem = "debrief" if record.stem == "game" else f"{record.stem}_debrief"
    if suffix:
        stem += f"_{suffix}"
    return {kind: record.with_name(f"{stem}.{kind}") for kind in ("png", "md", "json")}


def write_debrief(
    game: Game,
    debrief: Debrief,
    record: Path,
    role: str | None = None,
    figure: bool = True,
    suffix: str | None = None,
) -> dict[str, Path]:
    """Write ``role``'s debrief beside ``record``: JSON (the `Debrief`), Markdown, figure.

    Without a figure, a figure left there by an earlier debrief of this record is removed:
    the new Markdown does not show it, and a replay under another version may have changed
    the game it drew.
    """
    from sim.experiment.store import write_figure, write_json, write_text

    paths = debrief_paths(record, suffix)
    data = debrief_data(game, debrief, role)
    write_json(debrief_json(debrief), paths["json"])
    drawn = figure and data is not None
    write_text(debrief_text(data, paths["png"].name if drawn else None), paths["md"])
    if drawn:
        write_figure(plot_debrief(data), paths["png"])
    else:
        paths.pop("png").unlink(missing_ok=True)
    return paths
