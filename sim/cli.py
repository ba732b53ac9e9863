"""The `escalation` command: subcommands over the Hydra app and the analysis tools."""

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim import __version__
from sim.config import register, to_config
from sim.errors import EscalationError
from sim.paths import CONF_DIR

USAGE = f"""\
usage: escalation COMMAND [ARGS...]      (version {__version__})

Simulate escalation between Seoul, Tokyo and Washington, week by week, and hold the runs
against the real 2018-2019 Japan-South Korea dispute.

commands:
  run [OVERRIDES...]   run the model (a Hydra app): one job of run.replications replications,
                       or a sweep with -m. `escalation run --help` lists the config groups
                       (scenario, payoffs, strategy@seoul, strategy@tokyo, us) and every key.

examples:
  escalation run
  escalation run us.pressure=0.8 run.replications=5000 run.seed=7 strategy@seoul=tit_for_tat
  escalation run -m us.pressure=0,0.5,1

`python -m sim` is the same command.
"""


def fail(message: str) -> None:
    """Print an error the user can act on, without a traceback, and exit with status 2."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def run_job(cfg: DictConfig) -> dict:
    """Hydra task: one job (one sweep cell) of R replications, written to its run folder."""
    from sim.run import format_summary, simulate, write_results

    try:
        result = simulate(to_config(cfg))
    except EscalationError as problem:
        fail(str(problem))
    folder = Path(HydraConfig.get().runtime.output_dir)
    write_results(result, folder)
    print(format_summary(result.summary, folder))
    return result.summary


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
        case _:
            fail(f"unknown command {command!r}; run `escalation --help` for the commands")
