"""The `escalation` command: subcommands over the Hydra apps and the analysis tools.

This is the one place that prints errors and exits: every error a command can expect is an
`EscalationError` (or a Hydra composition error), printed as one line with exit status 2 (a
Hydra task prints it and raises `SystemExit`, which passes Hydra's and joblib's machinery);
Ctrl-C ends any command with one line and status 130 as a shell reports it, SIGTERM with
status 143; once a single job has printed its report, the console script (`entry`) ignores
both while Python shuts down, so that the job's status is the one the shell sees. Heavy modules
are imported inside the commands, so an interrupt during start-up is handled too.
"""

import os
import shutil
import signal
import sys
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sim import __version__
from sim.console import (
    PipeSafeOutput,
    Terminated,
    end_interrupted,
    fail,
    interruption,
    lost_interrupts_raised,
    plain_when_piped,
    report,
    reported,
    say,
    set_worker_environment,
    show_warning,
    terminate,
    unknown_flag,
)
from sim.core.errors import EscalationError
from sim.experiment.help import with_help

USAGE = f"""\
usage: escalation COMMAND [ARGS...]      (version {__version__})

Simulate escalation between Seoul, Tokyo and Washington, week by week, and hold the runs
against the real 2018-2019 Japan-South Korea dispute.

commands:
  run [OVERRIDES...]   run the model (a Hydra app): one job of run.replications replications,
                       or a sweep with -m. `escalation run --help` lists the config groups
                       (scenario, payoffs, strategy@seoul, strategy@tokyo, us, conduct,
                       fit) and every key.
                       Sweep presets: -m +experiment=us_pressure | least_pressure |
                       pressure_x_nationalism | rule_tournament | payoff_structures.
  explore [OVERRIDES...]
                       global sensitivity (Sobol, Morris) and scenario discovery (PRIM) over
                       every hand-set input; a multirun over chunks of one design; writes
                       design, outcomes, indices, PRIM boxes, figures and explore.md under
                       results/explore/. Presets: explore=sobol | morris | latin | ishigami.
  plot PATH            redraw the figures of a finished sweep folder (and its sweep.parquet),
                       of a single run folder, or of an exploration folder.
  compare [OVERRIDES...] [events=PATH]
                       score a configuration against a real event sequence: likelihood of
                       the real moves against baselines, milestone percentiles, outcome
                       probability, tension-path distance; writes comparison.json/.md and
                       figures under results/compare/ (a Hydra app, like run).
  calibrate [OVERRIDES...] [params=[KEY,...]]
                       fit the model to a real sequence by maximum likelihood (global
                       search), sample its posterior (emcee), score it against fitted
                       baselines in and out of sample; writes the fit conf/fit/<name>.yaml
                       (the default model) and a report under results/calibrate/.
  play --as ROLE [--as ROLE] [--weeks N] [--record PATH] [OVERRIDES...]
                       play seoul, tokyo and/or washington in the terminal, week by week,
                       against agents (another case plays its own sides, e.g. --as beijing
                       scenario=thaad_2016); ends with a debrief beside history and the model.
                       `escalation play --replay PATH` replays a saved game.
  classroom [--host HOST] [--port PORT] [--db PATH]
                       serve the classroom web page (single player, or an instructor and
                       teams in several browsers); default http://127.0.0.1:8765, use
                       --host 0.0.0.0 to serve a class network. Rooms are kept in
                       results/classroom/rooms.sqlite and survive a restart. Needs the
                       `web` extra. `escalation classroom links` prints each open class
                       room's instructor link; `escalation classroom export` writes moves,
                       debriefs and class results.

examples:
  escalation run
  escalation run us.pressure=0.8 run.replications=5000 run.seed=7 strategy@seoul=tit_for_tat
  escalation run -m us.pressure=0,0.5,1
  escalation run -m +experiment=least_pressure
  escalation explore explore=morris hydra/launcher=joblib
  escalation compare +experiment=calibrated_2019
  escalation calibrate params=[seoul.activity,tokyo.activity] calibrate.fit=activity_2019
  escalation play --as seoul us.pressure=0.8
  escalation classroom --host 0.0.0.0

`python -m sim` is the same command.
"""

MULTIRUN = ("-m", "--multirun")


def hydra_app(task: Callable[[Any], Any], config_name: str, arguments: list[str]) -> None:
    """Run ``task`` as the Hydra app of ``config_name`` on ``arguments``.

    Hydra's own error report is switched off (``HYDRA_FULL_ERROR``), so its exceptions reach
    `main`, which prints them as one line.
    """
    import hydra

    from sim.core.folders import CONF_DIR
    from sim.experiment.config import register

    register()
    os.environ.update(HYDRA_FULL_ERROR="1", **plain_when_piped())
    app = hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name=config_name)
    name = {"config": "run"}.get(config_name, config_name)
    sys.argv = [f"escalation {name}", *arguments]
    app(task)()


def run_job(cfg: Any) -> Any:
    """Hydra task: one job (one sweep cell) of R replications, written to its run folder.

    Returns the summary, or the number ``run.objective`` names (for optimising sweepers).
    """
    from hydra.core.hydra_config import HydraConfig

    from sim.core.errors import ConfigError
    from sim.experiment.config import to_config
    from sim.experiment.factory import build_scenario
    from sim.experiment.identity import run_identity
    from sim.experiment.job import progress_bar, resume_state, run_into, show_progress
    from sim.experiment.launch import cell_context, end_with_parent
    from sim.experiment.objective import objective_value, parse_objective
    from sim.reports.run import format_summary

    hydra_config = HydraConfig.get()
    folder = Path(hydra_config.runtime.output_dir)
    clear_other_reports(folder, "run")
    context = cell_context(hydra_config)
    if context.launcher_pid not in (None, os.getpid()):  # a worker of a parallel launcher
        warnings.showwarning = show_warning
        end_with_parent(context.launcher_pid)
    try:
        config = to_config(cfg)
        objective = config.run.objective
        if objective is not None:
            parse_objective(objective, follow=config.run.follow)
        scenario = build_scenario(config.scenario)
        identity = run_identity(config, scenario)
        if context.identity is not None and identity.cell != context.identity:
            raise ConfigError(
                "the job's config differs from the one the launch checked; "
                "run the sweep's command again"
            )
        state = resume_state(folder, identity)
        if state.complete is not None:
            print(f"{context.label}already complete, kept as is: {folder}", flush=True)
            summary = state.complete
        else:
            for reason in state.reasons:
                print(f"{context.label}recomputing {folder}: {reason}", flush=True)
            bar = partial(progress_bar, label=context.label) if show_progress(config) else None
            summary = run_into(config, folder, scenario, bar)
            report(context.label + format_summary(summary, folder), folder)
        if objective is not None:
            return objective_value(objective, summary.to_dict())
    except (EscalationError, OSError) as problem:  # a full disk too, before Hydra's own line
        message = one_line(problem)
        if message is None:
            raise
        fail(f"{context.label}{message}")
    return summary


def clear_other_reports(folder: Path, command: str) -> None:
    """Remove, and say so, the other commands' reports in ``folder`` (a shared file stays)."""
    from sim.experiment.job import OUTPUTS
    from sim.reports.calibration import CALIBRATION_FILES
    from sim.reports.comparison import COMPARISON_FILES

    files = {"run": OUTPUTS, "compare": COMPARISON_FILES, "calibrate": CALIBRATION_FILES}
    others = {other: names for other, names in files.items() if other != command}
    for other, names in others.items():
        gone = [n for n in names if n not in files[command] and (folder / n).is_file()]
        for name in gone:
            (folder / name).unlink()
        if gone:
            print(f"replaced escalation {other}'s results in {folder}: {', '.join(gone)}")


def compare_job(cfg: Any) -> dict:
    """Hydra task: compare one configuration with a real sequence, written to its folder."""
    from hydra.core.hydra_config import HydraConfig

    from sim.analysis.compare import compare
    from sim.experiment.config import CompareJobConfig, job_config
    from sim.reports.comparison import clear_comparison, format_comparison, write_comparison

    folder = Path(HydraConfig.get().runtime.output_dir)
    clear_comparison(folder)
    clear_other_reports(folder, "compare")
    try:
        config = job_config(cfg, "compare")
        assert isinstance(config, CompareJobConfig)  # composed from conf/compare.yaml
        result = compare(config)
        write_comparison(result, folder, config.compare.samples)
    except EscalationError as problem:
        fail(str(problem))
    report(format_comparison(result.report, folder), folder)
    return result.report.to_json()


def calibrate_job(cfg: Any) -> dict:
    """Hydra task: fit parameters to a real sequence; write the report and the fit."""
    import datetime as dt

    from hydra.core.hydra_config import HydraConfig

    from sim.analysis.calibrate.job import run_calibration
    from sim.experiment.config import CalibrateJobConfig, job_config
    from sim.experiment.launch import job_command
    from sim.reports.calibration import clear_calibration, format_calibration, write_calibration

    folder = Path(HydraConfig.get().runtime.output_dir)
    clear_calibration(folder)
    clear_other_reports(folder, "calibrate")
    try:
        config = job_config(cfg, "calibrate")
        assert isinstance(config, CalibrateJobConfig)  # composed from conf/calibrate.yaml
        today = dt.date.today().isoformat()
        fitted, fit_line = run_calibration(
            config, job_command("calibrate"), today, say, lambda r: write_calibration(r, folder)
        )
    except EscalationError as problem:
        fail(str(problem))
    report(format_calibration(fitted, folder), folder)
    if fit_line:
        say(fit_line)  # the last line, after the report: where the fit went
    return fitted.to_json()


def hydra_command(task: Callable[[Any], Any], config_name: str, args: list[str]) -> None:
    """``escalation run|compare|calibrate ARGS``: check first, claim the folder, run, aggregate.

    Other arguments than overrides and ``-m`` (``--help``, ``--cfg job``) go to Hydra as given.
    """
    from sim.experiment.launch import check_sweep, prepare_run, prepare_sweep

    multirun = any(a in MULTIRUN for a in args)
    overrides = [a for a in args if a not in MULTIRUN]
    name = "run" if config_name == "config" else config_name
    if flag := unknown_flag(overrides, f"escalation {name}"):
        fail(flag)
    if multirun and config_name != "config" and not any(a.startswith("-") for a in overrides):
        check_sweep(overrides, config_name)  # compare, calibrate: each cell before any job
    if any(a.startswith("-") for a in overrides) or (multirun and config_name != "config"):
        hydra_app(task, config_name, args)
        return
    if multirun:
        start_sweep(launch := prepare_sweep(overrides, config_name))
    else:
        launch = prepare_run(overrides, config_name)
    for note in launch.notes:
        print(note, flush=True)
    finished = False
    try:
        hydra_app(task, config_name, launch.arguments)
        finished = True
        if multirun and launch.search is not None:  # an optimising sweep: record its trials
            launch.manifest = launch.search.manifest(launch.folder)
        if multirun and launch.manifest is not None:
            aggregate(launch.folder)  # still holding the sweep folder's lock
    except (KeyboardInterrupt, Terminated) as stop:
        if multirun:
            stop.add_note(str(launch.folder))  # `main` names it: where a sweep resumes
            launch.remove_leftovers()
        raise
    finally:
        launch.release()
        kept = multirun or finished or launch.folder.resolve() in reported
        if not kept and launch.created is not None:
            shutil.rmtree(launch.created, ignore_errors=True)


def start_sweep(launch: Any) -> None:
    """Say what the sweep will run; remove an earlier launch's table and figures."""
    from sim.experiment.sweep import SWEEP_TABLE
    from sim.reports.text import cell_count

    for stale in [launch.folder / SWEEP_TABLE, *launch.folder.glob("*.png")]:
        stale.unlink(missing_ok=True)
    counts = sorted({job.config.run.replications for job in launch.jobs})  # not the first's
    replications = f"{counts[0]} to {counts[-1]}" if len(counts) > 1 else counts[0]
    cells = cell_count(len(launch.manifest.cells)) if launch.manifest else "cells chosen as it runs"
    print(f"sweep: {cells} of {replications} replications -> {launch.folder}", flush=True)
    if large := [job.budget for job in launch.jobs if job.budget and job.budget.large]:
        most = max(large, key=lambda b: b.seconds).describe()  # the first cell may be small
        launch.notes.append(f"large cells: {len(large)}, the largest needing {most}")


def aggregate(folder: Path) -> None:
    """Aggregate a finished sweep and say where its table and figures are (hold its lock)."""
    from sim.experiment.sweep import SWEEP_TABLE, aggregate_sweep
    from sim.reports.text import cell_count

    result = aggregate_sweep(folder)
    print(f"sweep: {cell_count(len(result.table))} aggregated into {folder / SWEEP_TABLE}")
    if result.ignored:
        names = ", ".join(p.name for p in result.ignored)
        print(f"  left out cell folders of an earlier launch: {names}")
    for path in result.figures:
        print(f"  figure: {path}")


def plot(args: list[str]) -> None:
    """``escalation plot PATH``: redraw a sweep's table and figures, or a run's fan chart."""
    from sim.experiment.job import redraw_run
    from sim.experiment.redraw import Kind, redrawable
    from sim.experiment.store import FolderLock

    usage = "usage: escalation plot PATH (a sweep, run or exploration folder)"
    if args in (["-h"], ["--help"]):
        print(f"{usage}\n\nRedraw the figures (and a sweep's table) of a finished folder;")
        print("an exploration whose analysis was interrupted is analysed first.")
        return
    if len(args) != 1 or args[0].startswith("-"):
        fail(usage)
    folder = Path(args[0])
    kind = redrawable(folder)
    with FolderLock(folder):
        if kind is Kind.EXPLORATION:
            from sim.reports.explore_folder import redraw_exploration

            figures = redraw_exploration(folder)
        elif kind is Kind.SWEEP:
            aggregate(folder)
            return
        else:
            figures = [redraw_run(folder)]
    for path in figures:
        print(f"figure: {path}")


def classroom(args: list[str]) -> None:
    """``escalation classroom [--host H] [--port P] [--db PATH] | links | export``."""
    from sim.play.server import classroom_main

    status = classroom_main(args)
    if status:
        sys.exit(status)


def play(args: list[str]) -> None:
    """``escalation play ...``: the terminal game (`sim.play.terminal`)."""
    from sim.play.terminal import main as play_main

    status = play_main(args)
    if status:
        sys.exit(status)


def explore(args: list[str]) -> None:
    """``escalation explore ...``: sensitivity and scenario discovery (`sim.experiment.explore`)."""
    from sim.experiment.explore.app import main as explore_main

    explore_main(args)


COMMANDS: dict[str, Callable[[list[str]], None]] = {
    "run": with_help("run", partial(hydra_command, run_job, "config")),
    "compare": with_help("compare", partial(hydra_command, compare_job, "compare")),
    "calibrate": with_help("calibrate", partial(hydra_command, calibrate_job, "calibrate")),
    "explore": with_help("explore", explore),
    "plot": plot,
    "play": play,
    "classroom": classroom,
}


def one_line(problem: Exception) -> str | None:
    """The one-line message of an error the user can fix, or None for a bug."""
    if isinstance(problem, EscalationError):
        return str(problem)
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.experiment.checks import composition_error, file_error

    if isinstance(problem, HydraException | OmegaConfBaseException):
        return str(composition_error(problem))
    found = file_error(problem)
    return None if found is None else str(found)


def main(argv: list[str] | None = None) -> None:
    """Dispatch ``escalation COMMAND ...``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = PipeSafeOutput(stdout), PipeSafeOutput(stderr)
    handler = signal.signal(signal.SIGTERM, terminate)
    shown = warnings.showwarning
    warnings.showwarning = show_warning
    reported.clear()
    set_worker_environment()
    try:
        with lost_interrupts_raised():
            dispatch(argv)
    except (KeyboardInterrupt, Terminated) as stop:
        if not (reported and isinstance(stop, KeyboardInterrupt)):  # else: after a single
            end_interrupted(stop, argv[:1])  # job's results line, its work done: success
    except Exception as problem:
        if (cause := interruption(problem)) is not None:  # an error Ctrl-C caused on its way
            end_interrupted(cause, argv[:1])
        message = one_line(problem)
        if message is None:
            raise
        fail(message)
    finally:
        signal.signal(signal.SIGTERM, handler)
        warnings.showwarning = shown
        sys.stdout, sys.stderr = stdout, stderr


def entry() -> None:
    """The console script: `main`; after a job's report, deaf to signals while Python ends.

    A Ctrl-C in the half second Python takes to end failed a finished run (130, no line).
    """
    try:
        main()
    finally:
        if reported:  # not after the classroom server: a second Ctrl-C must still end it
            for name in (signal.SIGINT, signal.SIGTERM):
                signal.signal(name, signal.SIG_IGN)


def dispatch(argv: list[str]) -> None:
    """Run the command ``argv`` names."""
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return
    if argv[0] in ("-V", "--version"):
        print(__version__)
        return
    command = COMMANDS.get(argv[0])
    if command is None:
        fail(f"unknown command {argv[0]!r}; run `escalation --help` for the commands")
    command(argv[1:])
