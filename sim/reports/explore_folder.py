"""An exploration's folder: plan before the first chunk job, write the results after the last.

`ExploreCallback` is the Hydra callback of ``conf/explore.yaml``. When the multirun starts it
checks the config and writes the design (`sim.experiment.explore.plan`), so bad input fails
with one line before any job starts; when it ends it gathers the chunks into
``outcomes.parquet``, analyses them (`sim.analysis.exploration`), draws the figures and writes
``explore.md``. `finish_exploration` and `redraw_exploration` do the same from disk.
"""

import json
import os
import shlex
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.analysis.discovery import BoxLimit, PrimBox
from sim.analysis.exploration import ExploreResult, analyse, gather_chunks, ranking
from sim.core.errors import ConfigError, EscalationError
from sim.core.scenario_yaml import load_scenario
from sim.experiment.budget import duration
from sim.experiment.explore.chunk import CHUNKS
from sim.experiment.explore.plan import (
    DESIGN,
    DESIGN_UNIT,
    MANIFEST,
    Plan,
    left_out_line,
    overrides_of,
    plan_exploration,
    search_path_of,
    write_plan,
)
from sim.experiment.factory import build_scenario
from sim.experiment.launch import check_folder, check_not_taken
from sim.experiment.store import write_figure, write_json, write_parquet, write_text
from sim.experiment.unread import check_read
from sim.figures.explore import (
    make_convergence_data,
    make_index_bar_data,
    make_morris_data,
    make_prim_box_data,
    make_prim_tradeoff_data,
    make_surface_data,
    plot_convergence,
    plot_index_bars,
    plot_morris,
    plot_prim_box,
    plot_prim_tradeoff,
    plot_surface,
)
from sim.reports.explore import analysis_notes, focus_gone, render_explore, unsettled
from sim.reports.text import plural

OUTCOMES_FILE = "outcomes.parquet"
INDICES = "indices.parquet"
PRIM_BOXES = "prim_boxes.json"
REPORT = "explore.md"


def draw_explore_figures(result: ExploreResult, folder: Path) -> list[Path]:
    """Draw every figure of an exploration into ``folder``; return their paths."""
    manifest, folder = result.manifest, Path(folder)
    context = explore_context(manifest)

    def save(figure, name: str) -> Path:
        figure.suptitle(context, fontsize=8, wrap=True)
        return write_figure(figure, folder / name)

    method, n = manifest["method"], manifest["n"]
    kind = {"latin": "feature_scoring"}.get(method, method)
    at = len(result.design) if method == "latin" else n
    paths = []
    for outcome in result.varying:  # a constant outcome has no indices to draw
        bars = make_index_bar_data(result.indices, outcome, kind, at)
        paths.append(save(plot_index_bars(bars), f"indices_{outcome}.png"))
        if method == "morris":
            data = make_morris_data(result.indices, outcome)
            paths.append(save(plot_morris(data, outcome), f"morris_{outcome}.png"))
    focus = manifest["prim"]["outcome"]
    shown = convergence_outcome(result)
    if method == "sobol" and result.convergence and shown is not None:
        data = make_convergence_data(result.indices, shown, n)
        paths.append(save(plot_convergence(data, shown, n), "convergence.png"))
    if result.box is not None:
        trade = make_prim_tradeoff_data(result.box.trajectory)
        figure = plot_prim_tradeoff(trade, result.box.chosen, result.box.rule)
        paths.append(save(figure, "prim_tradeoff.png"))
        ranges = {i["input"]: (i["low"], i["high"]) for i in manifest["inputs"]}
        box = make_prim_box_data(result.box.limits, ranges)
        if len(box):
            paths.append(save(plot_prim_box(box, result.box.rule), "prim_box.png"))
    numeric = [i["input"] for i in manifest["inputs"] if i["kind"] != "categorical"]
    top = [k for k in ranking(result, focus).index if k in numeric][:2]
    if len(top) == 2 and focus_gone(result) is None:
        data = make_surface_data(result.design, result.outcomes, focus, top[0], top[1])
        paths.append(save(plot_surface(data), "surface.png"))
    return paths


def convergence_outcome(result: ExploreResult) -> str | None:
    """The outcome whose convergence the figure draws: PRIM's, or the first one measured.

    A case without an outcome rule leaves PRIM's default (p_terminated) out: its figure was
    a title over an empty plot.
    """
    focus = result.manifest["prim"]["outcome"]
    return focus if focus_gone(result) is None else next(iter(result.varying), None)


def explore_context(manifest: dict[str, Any]) -> str:
    """What every figure of an exploration shares, heading each one.

    The case, where the values the inputs leave come from, the runs and the seed: a figure
    copied out of its folder still says what it explored.
    """
    if manifest["model"] != "escalation":
        return f"the {manifest['model']} test function, {manifest['points']:,} points"
    fit = manifest.get("fit")
    rest = {None: "", "none": ", other values hand-set"}.get(fit, f", other values the fit {fit}")
    return (
        f"{load_scenario(manifest['scenario']).title}{rest}, "
        f"{manifest['replications']:,} runs a point, seed {manifest['seed']}"
    )


def write_result(result: ExploreResult, folder: Path) -> list[Path]:
    """Write the tables, prim_boxes.json, the figures and explore.md; the manifest last."""
    folder = Path(folder)
    write_parquet(result.outcomes, folder / OUTCOMES_FILE)
    write_parquet(result.indices, folder / INDICES)
    boxes = {"rule": result.manifest["prim"], "boxes": [asdict(result.box)] if result.box else []}
    write_json(boxes, folder / PRIM_BOXES)
    figures = draw_explore_figures(result, folder)
    write_text(render_explore(result, [p.name for p in figures]), folder / REPORT)
    result.manifest["convergence"] = result.convergence
    result.manifest["finished"] = True
    write_json(result.manifest, folder / MANIFEST)
    return figures


def remove_earlier(folder: Path) -> None:
    """Remove an earlier exploration's chunks and results from ``folder`` before a new one.

    Its chunks were gathered as the new one's (a chunk of another design, say ``chunks/10``
    where the new run has three, filled points the new design had not run), and its report
    and figures would stand beside a run that stops before its own.
    """
    import shutil

    shutil.rmtree(folder / CHUNKS, ignore_errors=True)
    for name in (OUTCOMES_FILE, INDICES, PRIM_BOXES, REPORT):
        (folder / name).unlink(missing_ok=True)
    for figure in folder.glob("*.png"):
        figure.unlink()


def load_box(folder: Path) -> PrimBox | None:
    """The PRIM box stored in prim_boxes.json, if any."""
    data = json.loads((Path(folder) / PRIM_BOXES).read_text())
    if not data["boxes"]:
        return None
    box = dict(data["boxes"][0])
    box["limits"] = [BoxLimit(**limit) for limit in box["limits"]]
    return PrimBox(**box)


def finish_exploration(folder: Path) -> tuple[ExploreResult, list[Path]]:
    """Gather the chunks of ``folder``, analyse them and write every result file."""
    folder = Path(folder)
    manifest = _manifest(folder)
    design, unit = _table(folder, DESIGN), _table(folder, DESIGN_UNIT)
    outcomes = gather_chunks(folder, manifest["points"])
    result = analyse(manifest, design, unit, outcomes)
    return result, write_result(result, folder)


def redraw_exploration(folder: Path) -> list[Path]:
    """Redraw the figures and explore.md from the stored tables (no recomputation).

    An exploration whose analysis did not finish (its manifest is written last) is analysed
    first: `finish_exploration`.
    """
    folder = Path(folder)
    manifest = _manifest(folder)
    if not manifest.get("finished"):  # its analysis was cut short: tables may be there, not all
        return finish_exploration(folder)[1]
    design, outcomes = _table(folder, DESIGN), _table(folder, OUTCOMES_FILE)
    indices, convergence = _table(folder, INDICES), manifest.get("convergence", [])
    result = ExploreResult(manifest, design, outcomes, indices, convergence, load_box(folder))
    figures = draw_explore_figures(result, folder)
    write_text(render_explore(result, [p.name for p in figures]), folder / REPORT)
    return figures


def _manifest(folder: Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise ConfigError(f"{folder} is not an exploration folder (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as problem:
        raise _damaged(path, problem) from None
    if not isinstance(manifest, dict):
        raise _damaged(path, ValueError("not a JSON object"))
    if missing := [k for k in MANIFEST_KEYS if k not in manifest]:
        raise _damaged(path, ValueError(f"it has no {missing[0]!r}"))
    return manifest


#: What `escalation plot` reads of an exploration's manifest.
MANIFEST_KEYS = ("command", "method", "n", "points", "inputs", "outcomes", "prim")


def _table(folder: Path, name: str) -> pd.DataFrame:
    """One of an exploration's tables; a missing or damaged one is one `ConfigError` line."""
    try:
        return pd.read_parquet(Path(folder) / name)
    except (OSError, ValueError) as problem:  # pyarrow's ArrowInvalid is a ValueError
        raise _damaged(Path(folder) / name, problem) from None


def _damaged(path: Path, problem: BaseException) -> ConfigError:
    reason = (str(problem).strip().splitlines() or [type(problem).__name__])[0]
    return ConfigError(
        f"{path} cannot be read ({reason})",
        advice="run the exploration's command again (explore.md names it) to remake it",
    )


def is_exploration(folder: Path) -> bool:
    """Whether ``folder`` holds an exploration (its manifest)."""
    return (Path(folder) / MANIFEST).is_file()


def launcher_workers(launcher: DictConfig) -> tuple[int, bool]:
    """How many chunks the launcher runs at once, and whether it is Hydra's basic one."""
    target = str(launcher.get("_target_", ""))
    cores = os.cpu_count() or 1
    if "joblib" in target:
        n_jobs = int(launcher.get("n_jobs") or -1)  # joblib: -1 all cores, -2 all but one
        return (n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)), False
    if "ray" in target:
        return int(launcher.get("ray", {}).get("init", {}).get("num_cpus") or cores), False
    return 1, True


def time_estimate(plan: Plan, config: DictConfig, folder: Path) -> str:
    """What the chunks left to run will take, from pilot runs timed on this machine.

    The chunks share the launcher's workers (joblib's ``n_jobs``, Ray's ``num_cpus``, one for
    Hydra's basic launcher); the analysis after them is not counted (its time is printed).
    """
    from sim.experiment.explore.estimate import batch_size, first_point, runs_seconds, time_pilot

    weeks = plan.config.run.weeks or build_scenario(plan.config.scenario).weeks
    cost = time_pilot(*first_point(plan), batch_size(plan))
    seconds, chunks = runs_seconds(plan, folder, cost, weeks)
    if chunks == 0:
        return "every chunk is already done: only the analysis runs"
    workers, basic = launcher_workers(config.hydra.launcher)
    workers = min(workers, chunks)
    spread = f"{workers} workers" if workers > 1 else "one worker"
    # not timed: starting a parallel launcher's worker processes (seconds on 2 slow cores)
    start = ", plus their start-up" if not basic else ""
    hint = (
        "; hydra/launcher=joblib spreads the chunks over the cores" if basic and chunks > 1 else ""
    )
    took = duration(seconds / workers)
    about = took if took == "under a second" else f"about {took}"
    return (
        f"{plural(chunks, 'chunk')} to run, {weeks} weeks a run: {about} with {spread}{start}, "
        f"timed on this machine now, then the analysis{hint}"
    )


class ExploreCallback(Callback):
    """Hydra callback of `escalation explore`: plan at the start, analyse at the end.

    ``planned`` is the folder of the exploration planned last in this process, which
    `sim.experiment.explore.app.main` names when the user interrupts it (its folder is known
    only once Hydra has composed the config).
    """

    planned: Path | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Check the inputs and write the design before any job starts."""
        from hydra import compose

        config_name = kwargs.get("config_name") or "explore"
        base = overrides_of(config)
        searched = search_path_of(config)  # a fit of one's own is found through it

        def with_levels(extra: list[str]) -> DictConfig:
            keys = {e.split("=")[0] for e in extra}
            kept = [o for o in base if o.lstrip("+~").split("=")[0] not in keys]
            return compose(config_name, overrides=searched + kept + extra)

        folder = Path(config.hydra.sweep.dir)
        try:
            typed = list(OmegaConf.select(config, "hydra.overrides.task") or [])
            check_read(config, typed, "explore")  # what the user typed, explore.chunk too
            check_folder(folder)  # one line, before Hydra's callback warning and a traceback
            check_not_taken(folder, "exploration")
            plan = plan_exploration(config, with_levels)
            command = " ".join(["escalation explore", *base, *map(shlex.quote, searched)])
            earlier = (folder / MANIFEST).is_file()
            kept = write_plan(plan, folder, command)
            ExploreCallback.planned = folder
        except EscalationError as problem:
            print(f"error: {problem}", file=sys.stderr)
            sys.exit(2)
        if earlier and not kept:  # replaced without a word before
            print(f"explore: replacing the earlier exploration in {folder} (another config)")
            remove_earlier(folder)
        options = plan.config.explore
        chunks = min(options.chunks, plan.design.points)
        reps = options.replications if options.model == "escalation" else 1
        print(
            f"explore: {plan.design.method.value} design of {len(plan.design.space.inputs)} "
            f"inputs, n={plan.design.n}: {plan.design.points:,} points x {reps} replications "
            f"in {plural(chunks, 'chunk')} -> {folder}" + (" (resuming)" if kept else ""),
            flush=True,
        )
        if line := left_out_line(plan.left_out):
            print(f"explore: {line}", flush=True)
        if options.model == "escalation":
            print(f"explore: {time_estimate(plan, config, folder)}", flush=True)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Gather the chunks, analyse, write the tables, figures and report."""
        folder = Path(config.hydra.sweep.dir)
        started = time.perf_counter()
        try:
            result, figures = finish_exploration(folder)
        except EscalationError as problem:
            print(f"error: {problem}", file=sys.stderr)
            sys.exit(2)
        except Exception:  # Hydra would turn it into a warning and exit 0
            traceback.print_exc()
            print(f"error: the analysis of {folder} failed (above)", file=sys.stderr)
            sys.exit(1)
        took = duration(time.perf_counter() - started)
        if warning := unsettled(result.convergence):
            print(f"warning: {warning}", file=sys.stderr)
        for note in analysis_notes(result):
            print(f"explore: {note}")
        print(
            f"explore: analysed in {took}; results in {folder}: {OUTCOMES_FILE}, {INDICES}, "
            f"{PRIM_BOXES}, {REPORT}"
        )
        for path in figures:
            print(f"  figure: {path}")
