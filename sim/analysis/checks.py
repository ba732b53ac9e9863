"""What `escalation compare` and `calibrate` check before they fit: each a one-line error.

`check_analysis` runs before the command touches its folder (`sim.experiment.launch.check_job`),
for a single job and for every cell of a sweep, so a wrong value is refused with the folder as
it was, and a sweep's last cell is not found wrong after the cells before it have each run a
fit. `calibrate` runs `check_calibration` again as it starts.
"""

import re
import tempfile
import warnings

from sim.analysis.calibrate.presets import fit_folder_of
from sim.analysis.forecast import first_origin
from sim.analysis.likelihood import Episode
from sim.analysis.posterior import MIN_KEPT_STEPS, dimensions
from sim.analysis.space import Space
from sim.core.errors import ConfigError, ScenarioError
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import CalibrateJobConfig, CompareJobConfig
from sim.history import real_path

#: A preset's name: it becomes conf/fit/NAME.yaml, so no folder may be named in it.
FIT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def check_analysis(config: CompareJobConfig) -> None:
    """Every check of a compare or calibrate job that needs no fit, on the span it scores."""
    from sim.analysis.case import build_case
    from sim.analysis.compare import load_training, training_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the job warns when it loads the files: said once
        case = build_case(config)
        # the training file too, so that its error is not found after the compared file's
        # warnings have been printed
        if not isinstance(config, CalibrateJobConfig) and training_file(config, case):
            load_training(config, case)
    if isinstance(config, CalibrateJobConfig):
        check_calibration(config, case.scenario)
    elif config.compare.rolling:
        first_origin(case.scenario, config.compare.origin, "compare.origin")


def check_calibration(config: CalibrateJobConfig, scenario: Scenario) -> None:
    """Every check that needs no fit: the chains, the fit's name and folder, the origin, cases."""
    c = config.calibrate
    _check_walkers(config)
    _check_chains(c)
    _check_fit_name(c)
    _check_fit_folder(c)
    if c.rolling:
        first_origin(scenario, c.origin, "calibrate.origin")
    if c.loco:
        loco_episodes(c)


def _check_walkers(config: CalibrateJobConfig) -> None:
    """Emcee needs two walkers per sampled parameter; it would refuse only after the whole fit."""
    c = config.calibrate
    space = Space.of(config.model_params, list(config.params))
    sampled = dimensions(space)  # the fitted keys and the conduct's
    if c.posterior and c.walkers < 2 * sampled:
        raise ConfigError(
            f"calibrate.walkers={c.walkers} is too few for the posterior of {sampled} parameters "
            f"({len(space)} fitted keys and the conduct's {sampled - len(space)}): the ensemble "
            f"sampler needs at least two walkers per parameter; set "
            f"calibrate.walkers={2 * sampled} or more"
        )


def _check_chains(c) -> None:
    """Each chain must keep some steps after its burn-in; too few kept steps is a warning."""
    pairs = [("steps", "burn", c.posterior), ("predictive_steps", "predictive_burn", c.predictive)]
    for steps, burn, used in pairs:
        if used and getattr(c, burn) >= getattr(c, steps):
            raise ConfigError(
                f"calibrate.{burn}={getattr(c, burn)} discards every one of the "
                f"calibrate.{steps}={getattr(c, steps)} steps: set calibrate.{burn} below "
                f"calibrate.{steps}"
            )
    kept = (c.steps - c.burn) // c.thin
    if c.posterior and kept < MIN_KEPT_STEPS:
        warnings.warn(
            f"calibrate.steps={c.steps}, burn={c.burn} and thin={c.thin} keep {kept} steps per "
            f"walker, fewer than the {MIN_KEPT_STEPS} that R-hat and ESS need: the posterior "
            "will be reported as not converged",
            stacklevel=2,
        )


def _check_fit_name(c) -> None:
    """``calibrate.fit`` must be a plain name, so the preset lands in ``conf/fit`` only.

    Checked with ``calibrate.write=false`` too, when nothing is written: a wrong value is
    refused wherever it is set, not only where it would do harm.
    """
    if not FIT_NAME.fullmatch(str(c.fit)):
        raise ConfigError(
            f"calibrate.fit={c.fit} is not a plain name: the fit is written as "
            f"conf/fit/NAME.yaml; use letters, digits, '_', '-' and '.' (e.g. calibrate.fit=mine)"
        )
    if str(c.fit) == "none":  # it replaced the hand-set preset, and runs said "hand-set"
        raise ConfigError(
            "calibrate.fit=none would overwrite conf/fit/none.yaml, the hand-set values that "
            "fit=none runs and every calibration starts from; choose another name (e.g. "
            "calibrate.fit=mine)"
        )


def _check_fit_folder(c) -> None:
    """With ``calibrate.write``, the fit's folder must take files: found out before the fit."""
    if not c.write:
        return
    folder = fit_folder_of(c)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as problem:
        raise ConfigError(
            f"cannot write the fit into {folder} ({problem.strerror or problem})",
            advice="choose another calibrate.conf_dir, or set calibrate.write=false",
        ) from None


def loco_episodes(c) -> dict[str, Episode]:
    """The cases to leave out one at a time, each loaded and checked before any fitting."""
    names = [str(n) for n in c.cases]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(
            f"calibrate.cases names {', '.join(twice)} more than once; name each once"
        )
    if len(names) < 2:
        raise ConfigError(
            f"calibrate.cases=[{','.join(names)}]: leaving one case out needs at least two "
            f"cases, so that each is scored by a fit on the others (e.g. "
            f"calibrate.cases=[gsomia_2019,thaad_2016])"
        )
    episodes = {}
    for name in names:
        try:
            scenario = load_scenario(name)
        except ScenarioError as problem:  # which option named it
            if not str(problem).startswith("no scenario"):
                raise
            raise ScenarioError(f"calibrate.cases: {problem}") from None
        episodes[name] = Episode(scenario, real_path(scenario))
    return episodes
