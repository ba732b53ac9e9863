"""Before Hydra starts: compose and check every job, then claim its folder.

Hydra reports a composition error in many lines, turns an exception in a sweep callback into a
warning, and creates a job's folder before the job can check anything. So ``escalation run``
composes and validates the run (or every cell of a sweep) here first, with Hydra's public
compose API and override parser; only then does it create the result folder, take its lock,
write a sweep's manifest, and hand Hydra the resolved folder. A bad config thus ends in one
line before any folder exists or any cell has run.
"""

import os
import signal
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from sim.core.errors import ConfigError, EscalationError
from sim.core.fitted import fit_record, hidden_fits
from sim.core.scenario import Scenario
from sim.experiment.blocks import BLOCK
from sim.experiment.budget import RunBudget, check_budget, run_budget, sweep_budget
from sim.experiment.cells import (
    MANIFEST,
    Manifest,
    ManifestCell,
    basic_plan,
    hydra_settings,
    read_manifest,
    split_overrides,
    swept_keys,
)
from sim.experiment.checks import check_overrides, composition_error
from sim.experiment.config import (
    CompareJobConfig,
    Config,
    compose_config,
    config_folders,
    to_config,
)
from sim.experiment.factory import build_scenario, horizon, load_real, posterior_config
from sim.experiment.identity import holds_run, run_identity
from sim.experiment.objective import parse_objective
from sim.experiment.redraw import EXPLORATION
from sim.experiment.store import SUMMARY, FolderLock, remove_leftovers
from sim.reports.run import RunIdentity

BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
#: Commands whose jobs simulate and write a run (and so get the run checks and budget).
RUN_CONFIG = "config"


def compose(overrides: Sequence[str], config_name: str) -> DictConfig:
    """The composed config with its ``hydra`` node; Hydra's errors as one `ConfigError`."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        return compose_config(overrides, config_name, with_hydra=True)
    except (HydraException, OmegaConfBaseException) as problem:
        raise composition_error(problem, overrides) from None


def task_config(cfg: DictConfig) -> Config:
    """The job's validated config, from a composed config that holds the ``hydra`` node."""
    task = cfg.copy()
    with read_write(task), open_dict(task):
        del task["hydra"]
    return to_config(task, config_folders(cfg.hydra))


@dataclass
class CheckedJob:
    """A job's validated config, its scenario, identity and (for runs) budget."""

    config: Config
    scenario: Scenario
    identity: str
    budget: RunBudget | None
    run: RunIdentity | None = None  # the whole identity (the cell's is its digest)


def check_job(cfg: DictConfig, config_name: str, scenarios: dict[Any, Scenario]) -> CheckedJob:
    """Build what ``cfg``'s job builds (scenario, real path, horizon); check its budget and fit."""
    config, folders = task_config(cfg), config_folders(cfg.hydra)  # the fit's: searchpath too
    spec = config.scenario
    key = (spec.name, spec.start, spec.end, repr(sorted(spec.initial_measures.items())))
    if key not in scenarios:
        scenarios[key] = build_scenario(config.scenario)
        if config_name == RUN_CONFIG:  # compare and calibrate read their own events file
            horizon(config, scenarios[key])  # a bad run.weeks: its one line, before warnings
            load_real(scenarios[key])
    scenario = scenarios[key]
    fit_record(config.fit, folders)  # a damaged record: its one line now, not after the runs
    for hidden in hidden_fits(config.fit, folders):
        warnings.warn(
            f"{hidden} is not used: the shipped fit {config.fit!r} (conf/fit) comes first on "
            "the search path; give yours another name (calibrate.fit=NAME) to run it",
            UserWarning,
            stacklevel=2,
        )
    if config.run.posterior and config_name != "calibrate":  # calibrate draws no runs
        posterior_config(config, folders)  # the fit has draws, and they are its own: first
    if isinstance(config, CompareJobConfig):  # their origins, walkers, chains, fit folder
        from sim.analysis.checks import check_analysis

        check_analysis(config)
    budget = None
    if config_name == RUN_CONFIG:
        if config.run.objective is not None:  # a sweep's cells: before its first job
            parse_objective(config.run.objective, follow=config.run.follow)
        weeks = horizon(config, scenario)
        budget = run_budget(config.run.replications, weeks, config.run.trajectories, BLOCK)
    run = run_identity(config, scenario, folders)
    return CheckedJob(config, scenario, run.cell, budget, run)


def quoted(value: str) -> str:
    """A value in Hydra's override grammar, quoted so any path reads back as itself."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def without_key(overrides: Sequence[str], key: str) -> list[str]:
    """``overrides`` without those that set ``key``."""
    return [o for o in overrides if o.split("=", 1)[0].lstrip("+~") != key]


@dataclass
class Launch:
    """A checked run or sweep, its claimed folder, and the arguments to hand Hydra."""

    folder: Path
    created: Path | None  # the outermost folder this launch created, if any
    lock: FolderLock
    arguments: list[str]
    jobs: list[CheckedJob]
    manifest: Manifest | None = None
    notes: list[str] = field(default_factory=list)
    search: "Search | None" = None  # an optimising sweeper's search (its cells come as it runs)

    def remove_leftovers(self) -> None:
        """Remove the temporary files a sweep's killed workers left in its cells.

        Ctrl-C reaches a parallel launcher's workers, which remove their own; SIGTERM to the
        sweep's process does not, and the launcher then kills them mid-write.
        """
        for cell in self.folder.iterdir() if self.folder.is_dir() else ():
            remove_leftovers(cell)

    def release(self) -> None:
        """Give the folder's lock back."""
        self.lock.release()


def first_new_folder(folder: Path) -> Path | None:
    """The outermost folder on the way to ``folder`` that does not exist yet, if any."""
    if folder.exists():
        return None
    new = folder
    while not new.parent.exists() and new.parent != new:
        new = new.parent
    return new


def check_folder(folder: Path) -> None:
    """``folder`` can hold results: it is a folder, or can be made under a writable one on a disk.

    Root may write under ``/proc`` or ``/sys``; their file systems have no blocks, so they are
    refused here rather than later, as a run that needs more disk than is free.
    """
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    hint = "choose another (hydra.run.dir=PATH, or hydra.sweep.dir=PATH for a sweep)"
    if not existing.is_dir():
        raise ConfigError(f"cannot write results into {folder}: {existing} is a file; {hint}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write results into {folder}: {existing} is not writable; {hint}")
    if os.statvfs(existing).f_blocks == 0:
        raise ConfigError(
            f"cannot write results into {folder}: {existing} is on a virtual file system "
            f"with no disk behind it; {hint}"
        )


#: The file that marks each kind of result a folder holds, and the option that moves each.
MARKS = {
    "run": (SUMMARY, "hydra.run.dir"),
    "sweep": (MANIFEST, "hydra.sweep.dir"),
    "exploration": (EXPLORATION, "hydra.sweep.dir"),
    "comparison": ("comparison.json", "hydra.run.dir"),
    "calibration": ("calibration.json", "hydra.run.dir"),
}

#: Reports a single job (run, compare, calibrate) replaces, saying so, rather than refuses.
REPLACED_BY_A_RUN = ("comparison", "calibration")


def check_not_taken(folder: Path, kind: str) -> None:
    """One folder, one kind of result: a run, a sweep or an exploration into another's folder.

    They used to mix: the other's files stayed beside the new ones and looked like part of them
    (a sweep removed the run's figure while its summary still listed it, and an exploration's
    figures while its report still showed them). Refused rather than cleared, since a sweep's
    cells or an exploration's chunks may be hours of work. A folder already marked as ``kind``
    is a resume and is let pass. A run, comparison or calibration, each one job, replaces
    another's report and says so (`REPLACED_BY_A_RUN`); a sweep or an exploration does not.
    """
    own, option = MARKS[kind]
    if (folder / own).is_file():
        return
    for other, (mark, _) in MARKS.items():
        if kind == "run" and other in REPLACED_BY_A_RUN:
            continue
        if other != kind and (folder / mark).is_file():
            article = "an" if other[0] in "aeiou" else "a"
            held = "a single run" if other == "run" else f"{article} {other}"
            raise ConfigError(
                f"{folder} holds the results of {held} ({mark}); choose another folder "
                f"({option}=PATH)"
            )


def claim(folder: Path, budgets: list[RunBudget]) -> tuple[Path | None, FolderLock]:
    """Check the folder and the disk budget, create ``folder`` if needed and take its lock."""
    check_folder(folder)
    for budget in budgets:
        check_budget(budget, folder)
    if len(budgets) > 1:  # 20 cells of 4 GB each fit; together they did not
        check_budget(sweep_budget(budgets), folder, f"the sweep's {len(budgets)} cells need")
    created = first_new_folder(folder)
    lock = FolderLock(folder).acquire()
    return created, lock


def prepare_run(overrides: Sequence[str], config_name: str = RUN_CONFIG) -> Launch:
    """Check a single job; claim its folder; the arguments run it there."""
    from sim.experiment.unread import check_read

    check_overrides(overrides)
    cfg = compose(overrides, config_name)
    check_read(task_config(cfg), overrides, config_name)  # the job checks again, the folder intact
    job = check_job(cfg, config_name, {})
    folder = Path(str(cfg.hydra.run.dir))
    check_not_taken(folder, "run")
    created, lock = claim(folder, [job.budget] if job.budget else [])
    arguments = [*without_key(overrides, "hydra.run.dir"), f"hydra.run.dir={quoted(str(folder))}"]
    notes = [f"large run: {job.budget.describe()}"] if job.budget and job.budget.large else []
    if swept := OmegaConf.select(cfg, "hydra.sweeper.params"):  # a sweep preset without -m
        notes.append(
            f"note: this is one job; the preset sweeps {', '.join(map(str, swept))} only "
            "with -m (escalation run -m +experiment=NAME)"
        )
    return Launch(folder, created, lock, arguments, [job], notes=notes)


def prepare_sweep(overrides: Sequence[str], config_name: str = RUN_CONFIG) -> Launch:
    """Check every cell of a sweep; claim its folder and write the launch's manifest."""
    check_overrides(overrides)
    task, fixed = split_overrides(overrides)
    cfg = compose(fixed, config_name)
    folder = Path(str(cfg.hydra.sweep.dir))
    check_not_taken(folder, "sweep")
    arguments = [
        "--multirun",
        *without_key(overrides, "hydra.sweep.dir"),
        f"hydra.sweep.dir={quoted(str(folder))}",
    ]
    if str(cfg.hydra.sweeper._target_) != BASIC_SWEEPER:  # an optimising sweeper picks cells
        job = check_job(cfg, config_name, {})
        created, lock = claim(folder, [])
        (folder / MANIFEST).unlink(missing_ok=True)  # an earlier launch's cells are not these
        node = OmegaConf.select(cfg, "hydra.sweeper.params")
        keys = [str(k) for k in node.keys()] if isinstance(node, DictConfig) else []
        keys += swept_keys(task)  # `KEY=interval(0,1)` too
        keys = list(dict.fromkeys(k.lstrip("+~") for k in keys))  # `++KEY` names KEY's column
        trials = int(OmegaConf.select(cfg, "hydra.sweeper.n_trials", default=0) or 0)
        command = " ".join(["escalation run --multirun", *overrides])
        search = Search(command, keys, trials)
        return Launch(folder, created, lock, arguments, [job], search=search)
    plan, settings = basic_plan(cfg, task), hydra_settings(overrides)
    scenarios: dict[Any, Scenario] = {}
    jobs = []
    for number, cell in enumerate(plan.cells):
        try:
            composed = compose([*settings, *cell], config_name)
            jobs.append(check_job(composed, config_name, scenarios))
        except EscalationError as problem:
            raise refused_cell(number, plan.cells, problem) from None
    for number in range(len(jobs)):  # a file where a cell's folder goes stopped it mid-sweep
        check_folder(folder / str(number))
    to_run = [j for n, j in enumerate(jobs) if not (j.run and holds_run(folder / str(n), j.run))]
    budgets = [j.budget for j in to_run if j.budget]  # a finished cell's disk is spent
    created, lock = claim(folder, budgets)
    entries = [
        ManifestCell(number, cell, job.identity, job.config.run.seed)
        for number, (cell, job) in enumerate(zip(plan.cells, jobs, strict=True))
    ]
    command = " ".join(["escalation run --multirun", *overrides])
    manifest = Manifest(command=command, keys=plan.keys, cells=entries, pid=os.getpid())
    manifest.write(folder)
    return Launch(folder, created, lock, arguments, jobs, manifest)


def check_sweep(overrides: Sequence[str], config_name: str) -> None:
    """Check every cell of a sweep of ``escalation compare`` or ``calibrate`` before any job.

    Their sweeps claim no folder and keep no manifest (each job is a report of its own), but a
    wrong value in the last cell would otherwise stop the sweep only when its turn came, after
    the cells before it had run (a calibration each). Raises `ConfigError` naming the cell.
    """
    from sim.experiment.unread import check_read

    check_overrides(overrides)
    task, fixed = split_overrides(overrides)
    cfg = compose(fixed, config_name)
    if str(cfg.hydra.sweeper._target_) != BASIC_SWEEPER:  # an optimiser picks its own cells
        check_job(cfg, config_name, {})
        return
    cells, settings = basic_plan(cfg, task).cells, hydra_settings(overrides)
    for number, cell in enumerate(cells):
        try:
            composed = compose([*settings, *cell], config_name)
            check_read(task_config(composed), cell, config_name, sweep=True)
            check_job(composed, config_name, {})
        except EscalationError as problem:
            raise refused_cell(number, cells, problem) from None
        check_folder(Path(str(cfg.hydra.sweep.dir)) / str(number))  # a file in a cell's place


def refused_cell(number: int, cells: list, problem: EscalationError) -> ConfigError:
    """A cell's error, the cell counted from 1 as the progress lines count it ([cell 2/3])."""
    where = f"sweep cell {number + 1} of {len(cells)} ({' '.join(cells[number])})"
    return ConfigError(f"{where}: {problem}; no job was started")


@dataclass(frozen=True)
class Search:
    """An optimising sweep: its command, the keys it searches and how many trials it runs."""

    command: str
    keys: list[str]
    trials: int

    def manifest(self, folder: Path) -> Manifest:
        """The manifest of the trials that ran, written after the search (trial order).

        Each trial's overrides are those Hydra recorded in its ``.hydra/overrides.yaml``; its
        identity is the one its summary records. Raises `ConfigError` when no trial finished.
        """
        import yaml

        from sim.experiment.job import read_summary

        cells = []
        for number in range(self.trials):
            trial = Path(folder) / str(number)
            recorded = trial / ".hydra" / "overrides.yaml"
            if not (trial / SUMMARY).is_file() or not recorded.is_file():
                continue
            overrides = [str(o) for o in yaml.safe_load(recorded.read_text()) or []]
            summary = read_summary(trial)
            cells.append(ManifestCell(number, overrides, summary.identity.cell, summary.seed))
        if not cells:
            raise ConfigError(f"{folder}: the search finished no trial")
        manifest = Manifest(self.command, self.keys, cells, os.getpid())
        manifest.write(folder)
        return manifest


def job_command(name: str) -> str:
    """The command line of this Hydra job, for provenance: ``escalation NAME OVERRIDES``."""
    from hydra.core.hydra_config import HydraConfig

    overrides = list(HydraConfig.get().overrides.task)
    return " ".join(["escalation", name, *overrides])


@dataclass(frozen=True)
class CellContext:
    """Where a multirun job stands: its label, and what the launch's manifest expects of it."""

    label: str
    identity: str | None
    launcher_pid: int | None


def cell_context(hydra_config: Any) -> CellContext:
    """``[cell 3/11] `` and the cell's expected identity, from the launch's manifest."""
    if str(hydra_config.mode) != "RunMode.MULTIRUN":
        return CellContext("", None, None)
    number = int(hydra_config.job.num)
    try:
        manifest = read_manifest(Path(str(hydra_config.sweep.dir)))
    except ConfigError:
        return CellContext(f"[cell {number + 1}] ", None, None)
    total = len(manifest.cells)
    expected = manifest.cells[number].identity if number < total else None
    return CellContext(f"[cell {number + 1}/{total}] ", expected, manifest.pid)


_watched: set[int] = set()


def end_with_parent(parent: int, grace: float = 3.0, every: float = 1.0) -> None:
    """In a worker of ``parent``: when ``parent`` is gone, interrupt this process, then end it.

    A worker of a parallel launcher (joblib) would otherwise outlive a killed sweep for
    minutes. The interrupt lets ``finally`` blocks remove temporary files; after ``grace``
    seconds the process exits regardless. Does nothing in ``parent`` itself, in a process
    that ``parent`` did not start (a Ray worker), or when already watching.
    """
    import _thread

    if os.getpid() == parent or os.getppid() != parent or parent in _watched:
        return
    _watched.add(parent)
    if threading.current_thread() is threading.main_thread():
        # a worker started from a background job inherits SIGINT ignored, and then the
        # interrupt below would do nothing: let it raise KeyboardInterrupt here
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        _thread.interrupt_main()
        time.sleep(grace)
        os._exit(130)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()
