"""The `escalation` command: subcommands over the Hydra app and the analysis tools."""

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim import __version__
from sim.core.errors import EscalationError
from sim.core.folders import CONF_DIR
from sim.experiment.config import register, to_config

USAGE = f"""\
usage: escalation COMMAND [ARGS...]      (version {__version__})

Simulate escalation between Seoul, Tokyo and Washington, week by week, and hold the runs
against the real 2018-2019 Japan-South Korea dispute.

commands:
  run [OVERRIDES...]   run the model (a Hydra app): one job of run.replications replications,
                       or a sweep with -m. `escalation run --help` lists the config groups
                       (scenario, payoffs, strategy@seoul, strategy@tokyo, us) and every key.
                       Sweep presets: -m +experiment=us_pressure | pressure_x_nationalism |
                       rule_tournament | payoff_structures.
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
                       fit parameters to a real sequence by maximum likelihood, with profile
                       intervals and a hold-out check; writes the presets
                       payoffs=calibrated_2019 and +experiment=calibrated_2019 and a report
                       under results/calibrate/ (a Hydra app, like run).
  play --as ROLE [--as ROLE] [--weeks N] [--record PATH] [OVERRIDES...]
                       play seoul, tokyo and/or washington in the terminal, week by week,
                       against agents; ends with a debrief beside 2019 and the model.
                       `escalation play --replay PATH` replays a saved game.
  classroom [--host HOST] [--port PORT] [--db PATH]
                       serve the classroom web page (single player, or an instructor and
                       teams in several browsers); default http://127.0.0.1:8765, use
                       --host 0.0.0.0 to serve a class network. Rooms are kept in
                       results/classroom/rooms.sqlite and survive a restart. Needs the
                       `web` extra. `escalation classroom links` prints each open room's
                       instructor link; `escalation classroom export` writes moves,
                       debriefs and class results.

examples:
  escalation run
  escalation run us.pressure=0.8 run.replications=5000 run.seed=7 strategy@seoul=tit_for_tat
  escalation run -m us.pressure=0,0.5,1
  escalation run -m +experiment=least_pressure
  escalation explore explore=morris hydra/launcher=joblib
  escalation compare +experiment=calibrated_2019
  escalation calibrate params=[seoul.rationality,tokyo.rationality,seoul.activity,tokyo.activity]
  escalation play --as seoul us.pressure=0.8
  escalation classroom --host 0.0.0.0

`python -m sim` is the same command.
"""


def fail(message: str) -> None:
    """Print an error the user can act on, without a traceback, and exit with status 2."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def run_job(cfg: DictConfig) -> dict | float:
    """Hydra task: one job (one sweep cell) of R replications, written to its run folder.

    Returns the summary, or the number ``run.objective`` names (for optimising sweepers).
    """
    from sim.experiment.job import completed_summary, format_summary, simulate, write_results
    from sim.experiment.objective import objective_value, parse_objective
    from sim.experiment.sweep import cell_label

    hydra_config = HydraConfig.get()
    folder = Path(hydra_config.runtime.output_dir)
    label = cell_label(hydra_config)
    try:
        config = to_config(cfg)
        objective = config.run.objective
        if objective is not None:
            parse_objective(objective)
        if (done := completed_summary(folder, config)) is not None:
            print(f"{label}already complete, kept as is: {folder}")
            return done if objective is None else objective_value(objective, done)
        result = simulate(config)
    except EscalationError as problem:
        fail(f"{label}{problem}")
    write_results(result, folder)
    print(label + format_summary(result.summary, folder))
    return result.summary if objective is None else objective_value(objective, result.summary)


def _command(name: str) -> str:
    """The command line of this Hydra job, for provenance: ``escalation NAME OVERRIDES``."""
    overrides = list(HydraConfig.get().overrides.task)
    return " ".join(["escalation", name, *overrides])


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="compare")
def compare_job(cfg: DictConfig) -> dict:
    """Hydra task: compare one configuration with a real sequence, written to its folder."""
    from sim.analysis.compare import compare
    from sim.reports.comparison import format_comparison, write_comparison

    folder = Path(HydraConfig.get().runtime.output_dir)
    try:
        config = to_config(cfg)
        result = compare(config)
    except EscalationError as problem:
        fail(str(problem))
    write_comparison(result, folder, config.compare.samples)
    print(format_comparison(result.report, folder))
    return result.report.to_json()


def say(message: str) -> None:
    """Progress of a long command, on standard error so it stays out of the report."""
    print(message, file=sys.stderr, flush=True)


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="calibrate")
def calibrate_job(cfg: DictConfig) -> dict:
    """Hydra task: fit parameters to a real sequence; write the report and the fit."""
    import datetime as dt

    from sim.analysis.calibrate.job import run_calibration
    from sim.reports.calibration import format_calibration, write_calibration

    folder = Path(HydraConfig.get().runtime.output_dir)
    try:
        config = to_config(cfg)
        today = dt.date.today().isoformat()
        report = run_calibration(config, _command("calibrate"), today, say)
    except EscalationError as problem:
        fail(str(problem))
    write_calibration(report, folder)
    print(format_calibration(report, folder))
    return report.to_json()


def plot(args: list[str]) -> None:
    """``escalation plot PATH``: redraw a sweep's table and figures, or a run's fan chart."""
    from sim.experiment.job import redraw_run
    from sim.experiment.sweep import aggregate_sweep, cell_folders

    if len(args) != 1 or args[0].startswith("-"):
        fail("usage: escalation plot PATH (a sweep folder, or a run folder)")
    folder = Path(args[0])
    if not folder.is_dir():
        fail(f"{folder} is not a folder; give the folder of a finished sweep or run")
    try:
        if (folder / "explore.json").is_file():
            from sim.reports.explore_folder import redraw_exploration

            figures = redraw_exploration(folder)
        elif cell_folders(folder):
            table, figures = aggregate_sweep(folder)
            print(f"{len(table)} cells -> {folder / 'sweep.parquet'}")
        else:
            figures = [redraw_run(folder)]
    except EscalationError as problem:
        fail(str(problem))
    for path in figures:
        print(f"figure: {path}")


def classroom(args: list[str]) -> None:
    """``escalation classroom [--host H] [--port P] [--db PATH] | links | export``."""
    from sim.play.server import classroom_main

    try:
        status = classroom_main(args)
    except EscalationError as problem:
        fail(str(problem))
    if status:
        sys.exit(status)


def main(argv: list[str] | None = None) -> None:
    """Dispatch ``escalation COMMAND ...``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return
    if argv[0] in ("-V", "--version"):
        print(__version__)
        return
    command, rest = argv[0], argv[1:]
    match command:
        case "run":
            register()
            sys.argv = ["escalation run", *rest]
            run_job()
        case "compare":
            register()
            sys.argv = ["escalation compare", *rest]
            compare_job()
        case "calibrate":
            register()
            sys.argv = ["escalation calibrate", *rest]
            calibrate_job()
        case "explore":
            from sim.experiment.explore.app import main as explore

            explore(rest)
        case "plot":
            plot(rest)
        case "play":
            from sim.play.terminal import main as play

            try:
                status = play(rest)
            except EscalationError as problem:
                fail(str(problem))
            if status:
                sys.exit(status)
        case "classroom":
            classroom(rest)
        case _:
            fail(f"unknown command {command!r}; run `escalation --help` for the commands")
