"""`escalation calibrate`: fit the model to a real sequence, report, and make it the default.

Steps, each a function of the layers below: the case (`sim.analysis.case`); the maximum-
likelihood fit, global and multi-start, with the conduct fitted on its own
(`sim.analysis.fit`); the posterior (`sim.analysis.posterior`); the in-sample table beside the
four baselines; optionally the rolling-origin forecasts and the leave-one-case-out scores;
then the fit is written into the config tree (`sim.analysis.calibrate.presets`), where every
run picks it up as its default.
"""

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from sim import __version__
from sim.analysis.baselines import MoveData
from sim.analysis.calibrate.presets import write_fit
from sim.analysis.case import Case, build_case
from sim.analysis.checks import check_calibration, loco_episodes
from sim.analysis.fit import fit_ml, uninformed_keys
from sim.analysis.forecast import PredictiveSettings, first_origin, rolling_origin
from sim.analysis.insample import InSample, baseline_rows, make_row, split_when
from sim.analysis.likelihood import Episode
from sim.analysis.loco import fold_finished, leave_one_case_out
from sim.analysis.posterior import sample_posterior
from sim.analysis.results import CalibrationReport
from sim.analysis.space import Space
from sim.core.errors import ConfigError
from sim.core.fitted import DEFAULT_FIT
from sim.core.folders import CONF_DIR, display_path
from sim.core.moves import ALLIES
from sim.experiment.config import CalibrateJobConfig

Say = Callable[[str], None]


def _in_sample(space: Space, case: Case, fit) -> InSample:
    params = fit.conduct.apply(space.apply(fit.coordinates))
    scores = case.episode().score(params)
    data = MoveData.of(case.real, case.scenario)
    when = split_when(scores.hold[:, 0], data)
    sides = case.scenario.sides
    model = make_row("model", scores.moves[:, 0], fit.conduct.loglik, fit.parameters, sides, when)
    rows, _ = baseline_rows(data, data, fit.conduct, case.scenario.sides)
    return InSample(model, rows)


def _loco(space: Space, config: CalibrateJobConfig, episodes: dict[str, Episode], say: Say):
    say(f"leave one case out over {', '.join(episodes)}")
    c = config.calibrate
    at_once = min(c.jobs, len(episodes)) if c.predictive else 1
    work = "a fit and a posterior" if c.predictive else "a fit"
    say(f"  {len(episodes)} folds, each {work}, {at_once} at a time: a line as each one ends")

    def progress(case: str, done: int, total: int) -> None:
        say(fold_finished(case, done, total))

    return leave_one_case_out(
        space,
        episodes,
        config.run.seed,
        c.popsize,
        c.maxiter,
        predictive=_predictive(c),
        progress=progress,
    )


def _predictive(c) -> PredictiveSettings | None:
    """The per-origin posterior of the rolling forecasts, if asked for."""
    if not c.predictive:
        return None
    return PredictiveSettings(steps=c.predictive_steps, burn=c.predictive_burn, jobs=c.jobs)


#: Differential evolution says where it stands every this many generations.
GENERATIONS_BETWEEN_LINES = 25


def generation_progress(maxiter: int, say: Say) -> Callable[[int, float], None]:
    """A line every `GENERATIONS_BETWEEN_LINES` generations of the ML fit: its best so far."""

    def progress(generation: int, loglik: float) -> None:
        if generation % GENERATIONS_BETWEEN_LINES == 0:
            say(f"  generation {generation} of at most {maxiter}: best log-likelihood {loglik:.2f}")

    return progress


def step_progress(say: Say) -> Callable[[int, int], None]:
    """A line at each tenth of the posterior's steps, with the time it has taken and will."""
    started = time.perf_counter()

    def progress(step: int, steps: int) -> None:
        if step * 10 // steps == (step - 1) * 10 // steps:
            return
        spent = time.perf_counter() - started
        left = spent * (steps - step) / step
        done = f"  step {step}/{steps} ({100 * step // steps}%): {spent:.0f} s"
        say(f"{done}, about {left:.0f} s left" if step < steps else done)

    return progress


def calibrate(config: CalibrateJobConfig, command: str, date: str, say: Say) -> CalibrationReport:
    """Fit ``params`` to the real sequence; everything the report holds (no files)."""
    timings: dict[str, float] = {}
    c = config.calibrate
    case = build_case(config)
    space = Space.of(config.model_params, list(config.params))
    check_calibration(config, case.scenario)
    origin = first_origin(case.scenario, c.origin, "calibrate.origin") if c.rolling else None
    episodes = loco_episodes(c) if c.loco else None
    noun = "parameter" if len(space) == 1 else "parameters"
    say(f"fitting {len(space)} {noun} to {case.weeks} weeks by differential evolution")
    t = time.perf_counter()
    ml = fit_ml(
        space,
        (case.episode(),),
        config.run.seed,
        c.popsize,
        c.maxiter,
        progress=generation_progress(c.maxiter, say),
    )
    left_out: tuple[str, ...] = ()
    if not c.loco:  # leave-one-case-out fits other cases, which may bear on them
        left_out = uninformed_keys(space, (case.episode(),), ml)
    if left_out:
        space = _without(space, left_out, case.scenario.name)
        say(
            f"left out {', '.join(left_out)}: {case.scenario.name} does not bear on "
            f"{'it' if len(left_out) == 1 else 'them'}; fitting the other {len(space)} again"
        )
        ml = fit_ml(space, (case.episode(),), config.run.seed, c.popsize, c.maxiter)
    timings["fit"] = time.perf_counter() - t
    if ml.warning is not None and (c.posterior or c.rolling or c.loco):
        # the summary gives the warning once; this says it early when more work follows
        say("the ML fit stopped before converging; going on from it (the summary says more)")
    posterior = None
    if c.posterior:
        say(f"sampling the posterior: {c.walkers} walkers x {c.steps} steps")
        t = time.perf_counter()
        posterior = sample_posterior(
            space,
            (case.episode(),),
            ml,
            c.walkers,
            c.steps,
            c.burn,
            c.thin,
            config.run.seed,
            progress=step_progress(say),
        )
        timings["posterior"] = time.perf_counter() - t
    forecasts = None
    if origin is not None:
        say(f"rolling-origin forecasts from week {origin}")
        t = time.perf_counter()

        def progress(stage: str, done: int, total: int) -> None:
            say(f"  {stage}: {done} of {total} origins done")  # a count; the reports name weeks

        forecasts = rolling_origin(
            space,
            case.episode(),
            origin,
            config.run.seed,
            progress=progress,
            predictive=_predictive(c),
        )
        timings["rolling"] = time.perf_counter() - t
    loco = None
    if episodes is not None:
        t = time.perf_counter()
        loco = _loco(space, config, episodes, say)
        timings["loco"] = time.perf_counter() - t
    return CalibrationReport(
        scenario=case.scenario.name,
        events=display_path(case.events_path.resolve()),  # a record read from any folder
        start=case.scenario.start.isoformat(),
        weeks=case.weeks,
        seed=config.run.seed,
        version=__version__,
        date=date,
        command=command,
        rules={slot: config.model_params.strategy(slot).rule for slot in ALLIES},
        bounds={p.key: (p.low, p.high) for p in space.parameters},
        log_keys=tuple(p.key for p in space.parameters if p.log),
        ml=ml,
        posterior=posterior,
        in_sample=_in_sample(space, case, ml),
        forecasts=forecasts,
        loco=loco,
        timings={k: round(v, 2) for k, v in timings.items()},
        left_out=left_out,
        sides=case.scenario.sides,
    )


def _without(space: Space, keys: tuple[str, ...], case: str) -> Space:
    """``space`` without ``keys``: a key the case does not bear on is no parameter of its fit.

    Fitted, it would sit wherever the optimiser stopped and count in k for AIC and BIC (the
    deadline's weight in a case with no notice).
    """
    kept = tuple(p for p in space.parameters if p.name not in keys)
    if not kept:
        raise ConfigError(f"{case} bears on none of params ({', '.join(keys)}): nothing to fit")
    return dataclasses.replace(space, parameters=kept)


def run_calibration(
    config: CalibrateJobConfig,
    command: str,
    date: str,
    say: Say,
    write_report: Callable[[CalibrationReport], object],
) -> tuple[CalibrationReport, str | None]:
    """Calibrate, ``write_report``, then write the fit into the config tree.

    The preset comes last (when ``calibrate.write``), so a command that fails installs no fit.
    Returns the report and the line saying where the fit went (None when none was written),
    for the command to print after the report, as its last line.
    """
    report = calibrate(config, command, date, say)
    write_report(report)
    if not config.calibrate.write:
        return report, None
    paths = write_fit(report, config)
    return report, installed(paths["preset"], config.calibrate)


def installed(preset: Path, c) -> str:
    """The line that says where the fit went and which runs now use it."""
    folder = preset.parent.parent.resolve()
    if folder != CONF_DIR.resolve() and (CONF_DIR / "fit" / preset.name).is_file():
        use = (  # conf/ comes first on Hydra's search path: the shipped fit of that name wins
            f"outside the shipped conf/, where a fit {c.fit!r} comes first, so runs do not "
            "pick it up; write it under another name (calibrate.fit=NAME) to run it"
        )
    elif folder != CONF_DIR.resolve():
        use = f"runs use it with fit={c.fit} 'hydra.searchpath=[file://{folder}]'"
    elif c.fit == DEFAULT_FIT:
        use = "every run now uses it (fit=none runs the hand-set values)"
    else:
        use = f"runs use it with fit={c.fit}"
    return f"fit written to {display_path(preset)}: {use}"
