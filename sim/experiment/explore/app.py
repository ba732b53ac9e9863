"""`escalation explore`: the Hydra app whose jobs are the chunks of one design.

``conf/explore.yaml`` makes it a multirun over ``explore.chunk`` (0 to ``explore.chunks`` - 1)
with `sim.reports.explore_folder.ExploreCallback`, which plans the design before the first job
and analyses the outcomes after the last. Launchers are chosen on the command line, as for
``escalation run -m`` (``hydra/launcher=joblib``, ``hydra/launcher=ray``).
"""

import os
import sys
from dataclasses import asdict
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from sim.console import Terminated, unknown_flag
from sim.core.errors import ConfigError
from sim.core.folders import CONF_DIR
from sim.experiment.checks import composition_error
from sim.experiment.config import register
from sim.experiment.explore.chunk import chunk_folder, run_chunk
from sim.experiment.explore.options import register_explore
from sim.experiment.explore.plan import explore_config
from sim.reports.explore_folder import ExploreCallback


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="explore")
def explore_job(cfg: DictConfig) -> dict:
    """Hydra task: evaluate one chunk of the design and write its outcomes."""
    config = explore_config(cfg)
    hydra_config = HydraConfig.get()
    if config.explore.chunk < 0 or str(hydra_config.mode) != "RunMode.MULTIRUN":
        raise ConfigError("escalation explore runs as a multirun; do not set hydra.mode=RUN")
    folder = Path(hydra_config.sweep.dir)
    result = run_chunk(config, folder)
    total = config.explore.chunks
    label = f"[chunk {result.chunk + 1}/{total}]"
    if result.kept:
        print(f"{label} already complete, kept as is: {chunk_folder(folder, result.chunk)}")
    else:
        print(f"{label} {result.points:,} points in {result.seconds:.1f} s", flush=True)
    return asdict(result)


def main(args: list[str]) -> None:
    """Run ``escalation explore ARGS`` (Hydra parses the arguments).

    Hydra's own error report is switched off, as for `escalation run`, so a composition error
    (an unknown key, preset or scenario) reaches `sim.cli.main` and is printed as one line.
    """
    if flag := unknown_flag(args, "escalation explore"):
        raise ConfigError(flag)
    os.environ["HYDRA_FULL_ERROR"] = "1"
    register()
    register_explore()
    sys.argv = ["escalation explore", *args]
    ExploreCallback.planned = None
    try:
        explore_job()
    except (HydraException, OmegaConfBaseException) as problem:  # named with this case's sides
        raise composition_error(problem, args) from None
    except (KeyboardInterrupt, Terminated) as stop:
        if ExploreCallback.planned is not None:  # `sim.cli.main` says where it resumes
            stop.add_note(str(ExploreCallback.planned))
        raise
