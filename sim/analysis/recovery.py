"""Simulate and recover: whether the posterior's intervals cover the values behind the data.

Each repeat simulates one synthetic history from known parameters (the model run freely over
the case's span, the patron on its policy), codes it exactly as a real sequence is coded (the
acts, the measures they changed, the pressure), fits it (the ML fit, then the posterior, with
the same settings a calibration uses, scaled down) and records whether each parameter's
central 90% interval holds the true value. Over many repeats the share covered should be
near 90%; docs/comparison.md reports it. Beside it each row holds the 90% highest-density
interval (in the search coordinate), a second reading for truths next to a bound of the box,
which a central interval cannot reach (a truth exactly on the bound stays outside both).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.fit import fit_ml
from sim.analysis.likelihood import Episode
from sim.analysis.posterior import joint_space, sample_posterior
from sim.analysis.space import Parameter, Space
from sim.core.errors import EscalationError
from sim.core.metrics import OUTCOMES
from sim.core.model import EscalationModel
from sim.core.moves import STANCE_OF_ACT
from sim.core.params import ModelParams
from sim.core.scenario import Scenario
from sim.experiment.store import json_text, write_json, write_parquet
from sim.history import RealPath


def synthetic_path(params: ModelParams, scenario: Scenario, seed: int) -> RealPath:
    """One free run of the model, as the real path it would be if it had happened."""
    model = EscalationModel(scenario, params, replications=1, keep_trajectories=True, rng=seed)
    model.run()
    recorder = model.recorder
    acts, enacted, lifted, masks, moves = {}, {}, {}, {}, {}
    for side in scenario.sides:
        mask = recorder.mask[side][:, 0].astype(np.int16)
        before = np.concatenate([[scenario.initial.get(side, 0)], mask[:-1]]).astype(np.int16)
        acts[side] = recorder.act[side][:, 0].astype(np.int8)
        enacted[side] = (mask & ~before).astype(np.int16)
        lifted[side] = (before & ~mask).astype(np.int16)
        masks[side] = mask
        moves[side] = STANCE_OF_ACT[acts[side]]
    return RealPath(
        acts=acts,
        enacted=enacted,
        lifted=lifted,
        masks=masks,
        moves=moves,
        pressure=recorder.pressure[:, 0].copy(),
        tension=recorder.tension[:, 0].copy(),
        outcome=OUTCOMES[int(model.notice.outcome_codes()[0])],
        milestones={},
        first_retaliation={},
        noticed=bool(model.notice.notice_week[0] >= 0),
    )


@dataclass(frozen=True)
class RecoverySettings:
    """How each synthetic history is fitted (smaller than a full calibration, to fit 50+).

    The defaults are those of the study in docs/comparison.md (§7.4); ``walkers`` must be at
    least twice the parameters the posterior samples (the keys and the conduct's six).
    """

    popsize: int = 8
    maxiter: int = 60
    walkers: int = 24
    steps: int = 2500
    burn: int = 1000
    thin: int = 5


def recover(
    space: Space,
    truth: np.ndarray,
    scenario: Scenario,
    repeats: int,
    seed: int = 0,
    settings: RecoverySettings = RecoverySettings(),
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """One row per repeat and parameter: truth, ML estimate, 90% interval, covered or not.

    ``truth`` holds the values of every parameter the posterior samples, in the order of
    `joint_space`: ``space``'s keys, then the conduct's. Each is checked, the conduct's too (the
    ML fit estimates the conduct on its own; the posterior samples it with the keys).
    """
    joint = joint_space(space)
    params = joint.apply(joint.coordinates(truth))
    rows = []
    for repeat in range(repeats):
        real = synthetic_path(params, scenario, seed + repeat)
        episodes = (Episode(scenario, real),)
        s = settings
        ml = fit_ml(space, episodes, seed + repeat, s.popsize, s.maxiter)
        post = sample_posterior(
            space, episodes, ml, s.walkers, s.steps, s.burn, s.thin, seed + repeat
        )
        estimates = ml.values()
        for i, (key, parameter) in enumerate(zip(joint.keys, joint.parameters, strict=True)):
            low, high = post.interval(key, 0.9)
            hd_low, hd_high = highest_density(post.draws[:, i], parameter, 0.9)
            rows.append(
                {
                    "repeat": repeat,
                    "key": key,
                    "truth": float(truth[i]),
                    "estimate": estimates[key],
                    "q05": low,
                    "q95": high,
                    "covered": bool(low <= truth[i] <= high),
                    "h05": hd_low,
                    "h95": hd_high,
                    "covered_hdi": bool(hd_low <= truth[i] <= hd_high),
                    "r_hat": float(post.summary.loc[key, "r_hat"]),
                }
            )
        if progress is not None:
            progress(repeat + 1, repeats)
    return pd.DataFrame(rows)


def highest_density(
    draws: np.ndarray, parameter: Parameter, level: float = 0.9
) -> tuple[float, float]:
    """The narrowest interval holding ``level`` of the draws (ArviZ's HDI), as values.

    Found in the search coordinate (log10 for a key on a log scale, where its prior is flat),
    since a highest-density interval depends on the scale. Unlike a central interval it runs
    out to where the posterior piles up against a bound of the box, and there on to the bound
    itself: an interval that begins (or ends) at the lowest (highest) draw has its density
    highest at that end, and the region of highest density reaches the bound, which draws
    approach but never reach. (Until 2026-12-07 it stopped at the draw, so a true value on a
    bound was never counted as covered.)
    """
    import arviz as az

    coordinates = np.asarray(parameter.coordinate(draws), dtype=float)
    low, high = az.hdi(coordinates, prob=level)
    if low <= coordinates.min():
        low = float(parameter.coordinate(parameter.low))
    if high >= coordinates.max():
        high = float(parameter.coordinate(parameter.high))
    return float(parameter.value(low)), float(parameter.value(high))


def coverage(table: pd.DataFrame) -> pd.DataFrame:
    """Share of repeats whose 90% interval covered the truth, per key and overall.

    ``coverage`` for the central interval; ``coverage_hdi`` for the highest-density one, where
    the table has it.
    """
    columns = {"coverage": "covered", "coverage_hdi": "covered_hdi"}
    columns = {name: column for name, column in columns.items() if column in table}
    per_key = table.groupby("key")[list(columns.values())].mean()
    per_key.loc["all"] = table[list(columns.values())].mean()
    return per_key.rename(columns={c: n for n, c in columns.items()})


class StudyMismatchError(EscalationError):
    """A study folder holds repeats made with other options or another truth."""


def open_study(folder: Path, manifest: dict) -> dict[int, pd.DataFrame]:
    """The repeats a study with this ``manifest`` has already finished in ``folder``.

    A study of 50 repeats takes one to three hours on 2 cores, so each repeat is kept as it
    finishes (`save_repeat`) and a run with the same options goes on from there. Each repeat
    has its own seed, so a study run in parts gives the numbers of one run. The first run
    writes ``study.json``; a later run whose options differ is refused rather than mixed in.
    """
    folder = Path(folder)
    manifest = json.loads(json_text(manifest))  # as it reads back: lists, tidy floats
    path = folder / "study.json"
    if path.exists():
        before = json.loads(path.read_text())
        differ = sorted(
            k for k in before.keys() | manifest.keys() if before.get(k) != manifest.get(k)
        )
        if differ:
            raise StudyMismatchError(
                f"{folder} holds repeats of a study with other {', '.join(differ)}: run with"
                " the same options to go on, or give another --output"
            )
    else:
        write_json(manifest, path)
    return {int(p.stem.removeprefix("repeat_")): pd.read_parquet(p) for p in _repeat_files(folder)}


def save_repeat(folder: Path, repeat: int, table: pd.DataFrame) -> None:
    """Keep one finished repeat's rows (atomically: an interrupted write leaves no file)."""
    write_parquet(table, Path(folder) / f"repeat_{repeat:04d}.parquet")


def check_truth(folder: Path, repeat: int, table: pd.DataFrame, truth: np.ndarray) -> None:
    """Refuse a kept repeat whose truth is not the one this run would draw for it.

    The truth comes from the committed fit (or its posterior), which `study.json` does not
    hold: a refit between two parts of a study would otherwise mix two truths.
    """
    if not np.array_equal(table["truth"].to_numpy(float), np.asarray(truth, dtype=float)):
        raise StudyMismatchError(
            f"{folder}: repeat {repeat} was made from another truth (the fit has changed"
            " since): give another --output, or remove the folder to start again"
        )


def _repeat_files(folder: Path) -> list[Path]:
    return sorted(Path(folder).glob("repeat_*.parquet"))
