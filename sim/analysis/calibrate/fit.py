"""Calibration: fit named config parameters to a real sequence by maximum likelihood.

The objective is the log-likelihood of the real weekly moves of Seoul and Tokyo under the
model with the real history fed in (`sim.analysis.likelihood`). Parameters are config keys
(``seoul.rationality``, ``payoffs.audience.tokyo``); their bounds come from the structured
config's ``range`` metadata, optionally narrowed in ``params`` (``KEY:LOW:HIGH``). The optimiser is
L-BFGS-B (scipy) on forward-difference gradients, in coordinates scaled by each parameter's
start value; nothing in it is random, and extra starts (``calibrate.starts``) are drawn from a
generator seeded with ``run.seed``, so a fit is a deterministic function of its config.

Two facts about teacher forcing make the fit cheap (docs/comparison.md): an ally's
probabilities depend only on its own parameters and the shared ones, so the log-likelihood is a
sum over allies and one model run perturbs a Seoul and a Tokyo parameter at once; and activity
and noise are mixed in after the run, so they cost no run at all.

Intervals are profile-likelihood intervals: the set of values whose profile log-likelihood
(the others refitted) lies within chi-square(1, 0.95) / 2 = 1.92 nats of the maximum.
"""

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import minimize
from scipy.stats import chi2

from sim import __version__
from sim.analysis.baselines import (
    PARAMETERS,
    base_rate_log_probabilities,
    markov_log_probabilities,
)
from sim.analysis.compare import (
    Case,
    baseline_log_probabilities,
    build_case,
    compare,
    display_path,
    likelihood_report,
    markdown_table,
    milestone_rows,
    text_table,
    write_comparison,
)
from sim.analysis.likelihood import TeacherForcing, real_moves, summarize
from sim.core.errors import ConfigError
from sim.core.folders import CONF_DIR
from sim.core.moves import ALLIES
from sim.core.scenario import parse_date
from sim.experiment.config import CalibrateJobConfig, Config
from sim.experiment.store import write_figure, write_json, write_text
from sim.figures.comparison import (
    make_gain_data,
    make_profile_data,
    plot_cumulative_gain,
    plot_profiles,
)

DROP_95 = float(chi2.ppf(0.95, 1)) / 2  # 1.9207 nats: the 95% profile-likelihood threshold
POST_HOC = ("activity", "noise")  # strategy fields mixed in after the model run
NOT_FITTED = {
    "us": "Washington's weekly pressure is replayed from the events file, so us.* does not "
    "enter the likelihood",
    "run": "run.* sets how the job runs, not the model",
    "scenario": "scenario.* sets the case, not the model's parameters",
    "compare": "compare.* sets the report, not the model",
    "calibrate": "calibrate.* sets the fit, not the model",
}
STEP = 1e-6  # forward-difference step, in units of a parameter's scale
IMPROVEMENT = 1e-3  # nats: a profile point this much above the estimate restarts the fit
MAX_RESTARTS = 2
CALIBRATION_JSON = "calibration.json"
CALIBRATION_MD = "calibration.md"
PROFILE_FIGURE = "profiles.png"
GAIN_FIGURE = "cumulative_gain.png"


@dataclass(frozen=True)
class Parameter:
    """A config key being fitted, with its bounds and start value.

    ``owners`` are the allies whose moves it enters.
    """

    key: str
    low: float
    high: float
    start: float
    owners: tuple[str, ...]

    @property
    def post_hoc(self) -> bool:
        """Whether it is mixed in after the model run (an ally's activity or noise)."""
        parts = self.key.split(".")
        return len(parts) == 2 and parts[0] in ALLIES and parts[1] in POST_HOC

    @property
    def scale(self) -> float:
        """A typical size: the optimiser works in units of it."""
        return max(abs(self.start), 1e-3 * (self.high - self.low), 1e-6)


def _lookup(config: Config, key: str) -> tuple[dataclasses.Field, Any]:
    """The dataclass field a dotted key names, and its value; ConfigError if there is none."""
    obj: Any = config
    parts = key.split(".")
    for depth, name in enumerate(parts):
        fields = (
            {f.name: f for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj) else {}
        )
        if name not in fields:
            raise ConfigError(
                f"params: {key!r} is not a parameter of this configuration; parameters that "
                f"can be fitted: {', '.join(fittable_keys(config))}"
            )
        value = getattr(obj, name)
        if depth == len(parts) - 1:
            return fields[name], value
        obj = value
    raise AssertionError("unreachable")


def fittable_keys(config: Config) -> list[str]:
    """Every real-valued model parameter of ``config`` (payoff terms and both strategies)."""
    keys = []

    def walk(obj: Any, prefix: str) -> None:
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                walk(value, f"{prefix}{f.name}.")
            elif isinstance(value, float):
                keys.append(f"{prefix}{f.name}")

    for group in ("payoffs", *ALLIES):
        walk(getattr(config, group), f"{group}.")
    return keys


def _owners(key: str) -> tuple[str, ...]:
    parts = key.split(".")
    if parts[0] in ALLIES:
        return (parts[0],)
    if parts[0] == "payoffs" and parts[-1] in ALLIES:
        return (parts[-1],)
    return ALLIES


def parse_entry(entry: str) -> tuple[str, tuple[float, float] | None]:
    """Read one ``params`` entry: ``KEY`` or ``KEY:LOW:HIGH``."""
    parts = str(entry).strip().split(":")
    if len(parts) == 1 and parts[0]:
        return parts[0], None
    if len(parts) == 3:
        try:
            return parts[0], (float(parts[1]), float(parts[2]))
        except ValueError:
            pass
    raise ConfigError(
        f"params: {entry!r} is not KEY or KEY:LOW:HIGH (e.g. seoul.rationality or "
        "seoul.noise:0.01:1)"
    )


def resolve_parameters(config: Config, entries: list[str]) -> list[Parameter]:
    """Check the parameters to fit and their bounds; raise `ConfigError` naming what is wrong.

    ``entries`` are ``params`` entries: a config key, or ``KEY:LOW:HIGH`` to narrow its range.
    """
    if not entries:
        raise ConfigError(
            "params is empty: name the parameters to fit, e.g. "
            "params=[seoul.rationality,tokyo.rationality,seoul.activity,tokyo.activity]"
        )
    parsed = [parse_entry(e) for e in entries]
    keys = [key for key, _ in parsed]
    bounds = {key: pair for key, pair in parsed if pair is not None}
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ConfigError(f"params names {', '.join(repeated)} more than once")
    parameters = []
    for key in keys:
        head = key.split(".")[0]
        if head in NOT_FITTED:
            raise ConfigError(f"params: {key!r} cannot be fitted: {NOT_FITTED[head]}")
        field, value = _lookup(config, key)
        if isinstance(value, bool) or not isinstance(value, float):
            kind = "an integer" if isinstance(value, int) else "not a real number"
            raise ConfigError(
                f"params: {key}={value!r} is {kind}; only real-valued parameters can be fitted "
                f"(fittable: {', '.join(fittable_keys(config))})"
            )
        allowed = field.metadata.get("range")
        if key in bounds:
            low, high = bounds[key]
            if not low < high:
                raise ConfigError(f"params: {key}:{low:g}:{high:g} needs LOW < HIGH")
            if allowed is not None and not allowed[0] <= low < high <= allowed[1]:
                raise ConfigError(
                    f"params: the bounds {key}:{low:g}:{high:g} go beyond the allowed range "
                    f"[{allowed[0]}, {allowed[1]}]; bounds can only narrow it"
                )
        elif allowed is not None:
            low, high = float(allowed[0]), float(allowed[1])
        else:
            raise ConfigError(
                f"params: {key} has no allowed range in the config schema; give one as "
                f"{key}:LOW:HIGH"
            )
        if not low <= value <= high:
            raise ConfigError(
                f"params: the start value {key}={value} lies outside its bounds [{low}, {high}]; "
                f"start inside them (e.g. {key}={(low + high) / 2:g}) or widen the bounds"
            )
        parameters.append(Parameter(key, low, high, float(value), _owners(key)))
    return parameters


def with_values(config: Config, values: dict[str, float]) -> Config:
    """``config`` with each dotted key set to its value (a new object; ``config`` is untouched)."""

    def put(obj: Any, parts: list[str], value: float) -> Any:
        if len(parts) == 1:
            return dataclasses.replace(obj, **{parts[0]: value})
        child = put(getattr(obj, parts[0]), parts[1:], value)
        return dataclasses.replace(obj, **{parts[0]: child})

    for key, value in values.items():
        config = put(config, key.split("."), float(value))
    return config


def _components(parameters: list[Parameter]) -> list[list[int]]:
    """Groups of parameters linked by a shared ally: the log-likelihood separates across them."""
    groups: list[tuple[set[str], list[int]]] = []
    for i, p in enumerate(parameters):
        owners, members = set(p.owners), [i]
        for group in [g for g in groups if g[0] & owners]:
            groups.remove(group)
            owners |= group[0]
            members = group[1] + members
        groups.append((owners, sorted(members)))
    return [members for _, members in groups]


class Objective:
    """The log-likelihood per ally as a function of the fitted parameters' values."""

    def __init__(self, config: Config, parameters: list[Parameter], scorer: TeacherForcing) -> None:
        self.config = config
        self.parameters = parameters
        self.scorer = scorer
        self.scale = np.array([p.scale for p in parameters])
        self.low = np.array([p.low for p in parameters])
        self.high = np.array([p.high for p in parameters])
        self.evaluations = 0

    def config_at(self, theta: np.ndarray) -> Config:
        """The config with the parameters at ``theta``."""
        values = {p.key: float(v) for p, v in zip(self.parameters, theta, strict=True)}
        return with_values(self.config, values)

    def per_ally(self, theta: np.ndarray) -> np.ndarray:
        """Log-likelihood of each ally's real moves, shape (allies,)."""
        self.evaluations += 1
        return self.scorer.log_probabilities(self.config_at(theta)).sum(axis=0)

    def batches(self, free: list[int]) -> list[list[int]]:
        """Groups of parameters to perturb in one run: no two share an ally."""
        ordered = sorted(free, key=lambda j: self.parameters[j].post_hoc)
        batches: list[tuple[set[str], list[int]]] = []
        for j in ordered:
            owners = set(self.parameters[j].owners)
            for used, members in batches:
                if not used & owners:
                    used |= owners
                    members.append(j)
                    break
            else:
                batches.append((owners, [j]))
        return [members for _, members in batches]

    def value_and_gradient(
        self, theta: np.ndarray, free: list[int], allies: list[int]
    ) -> tuple[float, np.ndarray]:
        """Log-likelihood of ``allies`` at ``theta`` and its forward-difference gradient."""
        base = self.per_ally(theta)
        gradient = np.zeros(len(free))
        position = {j: n for n, j in enumerate(free)}
        for batch in self.batches(free):
            moved, steps = theta.copy(), {}
            for j in batch:
                h = STEP * self.scale[j]
                steps[j] = -h if moved[j] + h > self.high[j] else h
                moved[j] += steps[j]
            shifted = self.per_ally(moved)
            for j in batch:
                mine = [i for i, a in enumerate(ALLIES) if a in self.parameters[j].owners]
                mine = [i for i in mine if i in allies]
                change = shifted[mine].sum() - base[mine].sum()
                gradient[position[j]] = change / steps[j]
        return float(base[allies].sum()), gradient

    def to_unit(self, theta: np.ndarray, free: list[int]) -> np.ndarray:
        """Optimiser coordinates: u = log(1 + (theta - low) / (0.1 scale)).

        Near the lower bound u is linear in the parameter, far above it logarithmic, so a
        ridge along a product of parameters (rationality x audience) is nearly straight.
        """
        shift = 0.1 * self.scale[free]
        return np.log1p((theta[free] - self.low[free]) / shift)

    def from_unit(self, u: np.ndarray, free: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Parameter values at optimiser coordinates ``u``, and d value / d u."""
        shift = 0.1 * self.scale[free]
        values = np.clip(self.low[free] + shift * np.expm1(u), self.low[free], self.high[free])
        return values, shift * np.exp(u)

    def maximise(
        self,
        theta: np.ndarray,
        free: list[int],
        allies: list[int] | None = None,
        ftol: float = 1e-8,
    ) -> tuple[np.ndarray, float, Any]:
        """Maximise over the ``free`` parameters from ``theta``; the others stay fixed."""
        allies = list(range(len(ALLIES))) if allies is None else allies
        theta = theta.astype(float).copy()
        if not free:
            return theta, float(self.per_ally(theta)[allies].sum()), None

        def negative(u: np.ndarray) -> tuple[float, np.ndarray]:
            point = theta.copy()
            point[free], slope = self.from_unit(u, free)
            value, gradient = self.value_and_gradient(point, free, allies)
            return -value, -gradient * slope

        top = self.to_unit(self.high.copy(), free)
        result = minimize(
            negative,
            self.to_unit(theta, free),
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, float(t)) for t in top],
            options={"ftol": ftol, "gtol": 1e-6, "maxiter": 500},
        )
        theta[free] = self.from_unit(result.x, free)[0]
        return theta, float(self.per_ally(theta)[allies].sum()), result


def fit(objective: Objective, starts: int, seed: int) -> tuple[np.ndarray, Any]:
    """Maximum-likelihood estimate: the best of ``starts`` L-BFGS-B runs.

    The first start is the config's values; the others are drawn uniformly within four scales
    of them (inside the bounds) from a generator seeded with ``seed``.
    """
    n = len(objective.parameters)
    free = list(range(n))
    start = np.array([p.start for p in objective.parameters])
    rng = np.random.default_rng(seed)
    best: tuple[np.ndarray, float, Any] | None = None
    for attempt in range(starts):
        theta0 = start
        if attempt:
            low = np.maximum(objective.low, start - 4 * objective.scale)
            high = np.minimum(objective.high, start + 4 * objective.scale)
            theta0 = rng.uniform(low, high)
        theta, value, result = objective.maximise(theta0, free)
        if best is None or value > best[1]:
            best = (theta, value, result)
    return best[0], best[2]


def _initial_step(objective: Objective, result: Any, theta: np.ndarray, i: int) -> float:
    """A first step for the profile search, from the curvature L-BFGS-B ended with."""
    scale = objective.scale[i]
    width = objective.high[i] - objective.low[i]
    try:
        slope = 0.1 * scale + theta[i] - objective.low[i]  # d value / d u at the estimate
        variance = float(np.diag(result.hess_inv.todense())[i]) * slope**2
        step = 1.5 * np.sqrt(max(variance, 0.0))
    except (AttributeError, IndexError, ValueError):
        step = 0.2 * scale
    return float(np.clip(step, 0.02 * scale, 0.25 * width))


def profile(
    objective: Objective, theta_hat: np.ndarray, i: int, result: Any, max_points: int = 12
) -> tuple[dict, np.ndarray | None]:
    """Profile-likelihood 95% interval of parameter ``i``.

    Steps away from the estimate on each side, refitting the parameters linked to it through
    an ally, until the log-likelihood of those allies has dropped by `DROP_95`, then narrows
    the crossing by interpolating on the square root of the drop (nearly linear in the value).
    An end that reaches a bound first is reported at the bound, as open. Returns the profile
    and, if the search met a higher likelihood than the estimate's, that point (the fit then
    starts again from it).
    """
    parameters = objective.parameters
    group = next(c for c in _components(parameters) if i in c)
    allies = sorted({ALLIES.index(a) for j in group for a in parameters[j].owners})
    nuisance = [j for j in group if j != i]
    peak = float(objective.per_ally(theta_hat)[allies].sum())
    values, drops = [float(theta_hat[i])], [0.0]
    ends, open_ends = {}, {}
    better: list = [0.0, None]  # the largest improvement on the estimate met, and its point

    def at(value: float, warm: np.ndarray) -> tuple[float, np.ndarray]:
        point = warm.copy()
        point[i] = value
        point, ll, _ = objective.maximise(point, nuisance, allies, ftol=1e-7)
        values.append(float(value))
        drops.append(peak - ll)
        if ll - peak > max(better[0], IMPROVEMENT):
            better[:] = [ll - peak, point.copy()]
        return peak - ll, point

    for direction in (-1, 1):
        bound = objective.low[i] if direction < 0 else objective.high[i]
        step = _initial_step(objective, result, theta_hat, i)
        inner, inner_drop, warm = float(theta_hat[i]), 0.0, theta_hat
        ends[direction], open_ends[direction] = bound, True
        for _ in range(max_points):
            value = float(np.clip(inner + direction * step, objective.low[i], objective.high[i]))
            if value == inner:
                break
            drop, point = at(value, warm)
            if drop >= DROP_95:
                outer, outer_drop = value, drop
                for _ in range(3):  # regula falsi on sqrt(drop) - sqrt(DROP_95)
                    a, b = np.sqrt(max(inner_drop, 0.0)), np.sqrt(outer_drop)
                    target = np.sqrt(DROP_95)
                    guess = inner + (outer - inner) * (target - a) / (b - a)
                    drop, point = at(guess, warm)
                    if abs(drop - DROP_95) < 0.05:
                        break
                    if drop < DROP_95:
                        inner, inner_drop, warm = guess, drop, point
                    else:
                        outer, outer_drop = guess, drop
                ends[direction], open_ends[direction] = guess, False
                break
            grow = np.sqrt(DROP_95 / max(drop, 1e-6))
            inner, inner_drop, warm = value, drop, point
            step = min(step * 4, max(step * 1.5, step * grow * 1.1))
    return {
        "key": parameters[i].key,
        "estimate": float(theta_hat[i]),
        "lower": float(ends[-1]),
        "upper": float(ends[1]),
        "lower_open": open_ends[-1],
        "upper_open": open_ends[1],
        "values": values,
        "drops": drops,
    }, better[1]


def holdout_check(
    config: Config,
    parameters: list[Parameter],
    case: Case,
    cut: int,
    starts: int,
    seed: int,
) -> dict:
    """Fit on the weeks before ``cut``; score the weeks from ``cut`` on, beside the baselines.

    The baselines are fitted on the same early weeks with add-one (Laplace) smoothing, so a
    move unseen early still has a probability late; the Markov chain's first late week is
    conditioned on the last early move (the real history is known, as for the model).
    """
    early = Objective(config, parameters, TeacherForcing(case.scenario, case.real, weeks=cut))
    theta, _ = fit(early, starts, seed)
    late_model = TeacherForcing(case.scenario, case.real).log_probabilities(early.config_at(theta))
    moves = real_moves(case.real)
    late = {"model": late_model[cut:]}
    late["base_rates"] = np.stack(
        [
            base_rate_log_probabilities(moves[cut:, i], train=moves[:cut, i], smoothing=1.0)
            for i in range(len(ALLIES))
        ],
        axis=1,
    )
    late["markov"] = np.stack(
        [
            markov_log_probabilities(
                moves[cut:, i], train=moves[:cut, i], smoothing=1.0, previous=int(moves[cut - 1, i])
            )
            for i in range(len(ALLIES))
        ],
        axis=1,
    )
    scores = {name: summarize(values) for name, values in late.items()}
    better = max(("base_rates", "markov"), key=lambda k: scores[k]["total"])
    return {
        "cutoff": case.scenario.week_start(cut).isoformat(),
        "cutoff_week": cut,
        "fit_weeks": cut,
        "test_weeks": case.weeks - cut,
        "estimates": {p.key: float(v) for p, v in zip(parameters, theta, strict=True)},
        "loglik": scores,
        "better_baseline": better,
        "gain_nats_per_actor_week": scores["model"]["per_actor_week"]
        - scores[better]["per_actor_week"],
        "smoothing": "add-one (Laplace) for both baselines",
    }


def _format_value(value: float) -> float:
    """A fitted value as the preset writes it: six significant digits."""
    return float(f"{value:.6g}")


def _value(config: Config, key: str) -> float:
    return _lookup(config, key)[1]


def preset_files(config: Config, report: dict, name: str, command: str) -> tuple[str, str]:
    """Text of the payoffs preset and of the experiment preset that a fit writes to ``conf/``."""
    loglik = report["loglik"]
    per_ally = ", ".join(f"{a} {loglik['model']['per_actor'][a]:.2f}" for a in ALLIES)
    ascii_only = str.maketrans({"≤": "<=", "≥": ">="})
    rows = {row[0]: row[3].translate(ascii_only) for row in estimate_rows(report)[1:]}
    fitted = "\n".join(
        f"#   {e['key']} = {e['estimate']:.6g}"
        + (f"  (95% profile interval {rows[e['key']]})" if "lower" in e else "")
        for e in report["estimates"]
    )
    provenance = (
        f"# Fitted by maximum likelihood (teacher forcing, docs/comparison.md) to\n"
        f"# {report['events']}, {report['weeks']} weeks from {report['start']}.\n"
        f"# date: {report['date']}; version: {report['version']}; seed: {report['seed']}\n"
        f"# command: {command}\n"
        f"# log-likelihood: {loglik['model']['total']:.3f} ({per_ally}); "
        f"base rates {loglik['base_rates']['total']:.3f}; Markov {loglik['markov']['total']:.3f}\n"
        f"# fitted parameters:\n{fitted}\n"
    )
    fitted_keys = {e["key"] for e in report["estimates"]}
    config = with_values(config, {k: _format_value(_value(config, k)) for k in sorted(fitted_keys)})
    payoffs = dataclasses.asdict(config.payoffs)
    payoffs["name"] = name
    payoffs_text = (
        f"# Payoff terms of the calibration `{name}`, written by `escalation calibrate` (re-run\n"
        "# it rather than edit by hand). The strategies fitted with them are in\n"
        f"# conf/experiment/{name}.yaml: `escalation run +experiment={name}` uses the whole\n"
        f"# fit, `escalation run payoffs={name}` only these payoff terms.\n"
        + provenance
        + yaml.safe_dump(payoffs, sort_keys=False, default_flow_style=None)
    )
    strategies = {}
    for ally in ALLIES:
        values = dataclasses.asdict(getattr(config, ally))
        values.pop("rule")
        strategies[ally] = values
    experiment = {
        "defaults": [
            {"override /payoffs": name},
            *({f"override /strategy@{a}": getattr(config, a).rule} for a in ALLIES),
        ],
        **strategies,
    }
    experiment_text = (
        "# @package _global_\n"
        f"# The whole calibration `{name}`: payoff terms (conf/payoffs/{name}.yaml) and\n"
        f"# both allies' strategies. Use: escalation run +experiment={name}\n"
        + provenance
        + yaml.safe_dump(experiment, sort_keys=False, default_flow_style=None)
    )
    return payoffs_text, experiment_text


def write_presets(
    config: Config, report: dict, name: str, command: str, conf_dir: Path
) -> dict[str, str]:
    """Write ``payoffs/NAME.yaml`` and ``experiment/NAME.yaml`` under ``conf_dir``."""
    payoffs_text, experiment_text = preset_files(config, report, name, command)
    paths = {
        "payoffs": write_text(payoffs_text, Path(conf_dir) / "payoffs" / f"{name}.yaml"),
        "experiment": write_text(experiment_text, Path(conf_dir) / "experiment" / f"{name}.yaml"),
    }
    return {k: str(v) for k, v in paths.items()}


@dataclass
class Calibration:
    """A finished calibration: the fitted config, the report, and the comparison at the fit."""

    config: Config
    report: dict
    case: Case
    model_scores: np.ndarray
    baselines: dict[str, np.ndarray]


def _cutoff_week(config: CalibrateJobConfig, case: Case) -> int | None:
    if config.calibrate.cutoff is None:
        return None
    day = parse_date(config.calibrate.cutoff, "calibrate.cutoff")
    cut = case.scenario.week_of(day)
    if not 2 <= cut <= case.weeks - 1:
        raise ConfigError(
            f"calibrate.cutoff={day} falls outside the compared span ({case.scenario.start} to "
            f"the week of {case.scenario.end}) or leaves no weeks on one side; choose a date "
            "inside it, or calibrate.cutoff=null to skip the hold-out check"
        )
    return cut


def calibrate(config: CalibrateJobConfig, date: str = "") -> Calibration:
    """Fit ``params`` to the real sequence; intervals, hold-out check and report (no files)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    case = build_case(config)
    parameters = resolve_parameters(config, list(config.params))
    cut = _cutoff_week(config, case)
    scorer = TeacherForcing(case.scenario, case.real)
    objective = Objective(config, parameters, scorer)
    start_scores = scorer.log_probabilities(config)
    theta, result = fit(objective, config.calibrate.starts, config.run.seed)
    fitted = objective.config_at(theta)
    timings["fit"] = time.perf_counter() - t0
    runs_fit, evaluations_fit = scorer.runs, objective.evaluations

    t1 = time.perf_counter()
    profiles, restarts = [], 0
    while config.calibrate.intervals:
        searched = [profile(objective, theta, i, result) for i in range(len(parameters))]
        profiles = [p for p, _ in searched]
        better = [point for _, point in searched if point is not None]
        if not better or restarts == MAX_RESTARTS:
            break
        best = max(better, key=lambda point: objective.per_ally(point).sum())
        theta, _, result = objective.maximise(best, list(range(len(parameters))))
        restarts += 1
    fitted = objective.config_at(theta)
    timings["intervals"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    holdout = None
    if cut is not None:
        holdout = holdout_check(
            config, parameters, case, cut, config.calibrate.starts, config.run.seed
        )
    timings["holdout"] = time.perf_counter() - t2

    model_scores = scorer.log_probabilities(fitted)
    baselines = baseline_log_probabilities(case.real)
    loglik = likelihood_report(model_scores, baselines)
    k = len(parameters)
    estimates = []
    for n, p in enumerate(parameters):
        row = {
            "key": p.key,
            "estimate": float(theta[n]),
            "start": p.start,
            "low": p.low,
            "high": p.high,
            "at_bound": bool(np.isclose(theta[n], p.low) or np.isclose(theta[n], p.high)),
        }
        if profiles:
            row |= {
                name: profiles[n][name] for name in ("lower", "upper", "lower_open", "upper_open")
            }
        estimates.append(row)
    cells = case.weeks * len(ALLIES)
    report = {
        "scenario": case.scenario.name,
        "events": display_path(case.events_path),
        "start": case.scenario.start.isoformat(),
        "end": case.scenario.end.isoformat(),
        "weeks": case.weeks,
        "seed": config.run.seed,
        "version": __version__,
        "date": date,
        "rules": {a: getattr(config, a).rule for a in ALLIES},
        "params": [p.key for p in parameters],
        "method": {
            "objective": "log-likelihood of Seoul's and Tokyo's real weekly moves, teacher "
            "forcing (Washington's pressure replayed, not scored)",
            "optimiser": "scipy L-BFGS-B on forward-difference gradients, in coordinates "
            "log(1 + (value - low) / (0.1 x scale))",
            "starts": config.calibrate.starts,
            "restarts_from_profiles": restarts,
            "intervals": "profile likelihood, 95%: drop of chi2(1, 0.95)/2 = "
            f"{DROP_95:.4f} nats, other parameters linked through an ally refitted",
        },
        "estimates": estimates,
        "loglik_start": summarize(start_scores),
        "loglik": loglik,
        "gain_nats_per_actor_week": loglik["gain_nats_per_actor_week"],
        "aic": {
            "model": -2 * loglik["model"]["total"] + 2 * k,
            **{
                b: -2 * loglik[b]["total"] + 2 * PARAMETERS[b] * len(ALLIES)
                for b in ("base_rates", "markov")
            },
        },
        "parameters_count": {"model": k} | {b: PARAMETERS[b] * len(ALLIES) for b in PARAMETERS},
        "profiles": profiles,
        "holdout": holdout,
        "evaluations": {
            "fit_model_runs": runs_fit,
            "fit_likelihood_evaluations": evaluations_fit,
            "model_runs": scorer.runs,
            "likelihood_evaluations": objective.evaluations,
        },
        "converged": bool(result is None or result.success),
        "optimiser_message": "" if result is None else str(result.message),
        "per_actor_week_cells": cells,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    return Calibration(fitted, report, case, model_scores, baselines)


def estimate_rows(report: dict) -> list[tuple[str, ...]]:
    """Rows of the estimates table."""
    rows = [("parameter", "start", "estimate", "95% interval", "bounds")]
    for e in report["estimates"]:
        interval = "—"
        if "lower" in e:
            low = f"{'≤' if e['lower_open'] else ''}{e['lower']:.4g}"
            high = f"{'≥' if e['upper_open'] else ''}{e['upper']:.4g}"
            interval = f"[{low}, {high}]"
        rows.append(
            (
                e["key"],
                f"{e['start']:.4g}",
                f"{e['estimate']:.4g}" + (" (at bound)" if e["at_bound"] else ""),
                interval,
                f"[{e['low']:g}, {e['high']:g}]",
            )
        )
    return rows


def loglik_rows(report: dict) -> list[tuple[str, ...]]:
    """Rows of the log-likelihood table: start, fit, baselines; per ally, total, AIC."""
    loglik, start = report["loglik"], report["loglik_start"]
    counts = report["parameters_count"]
    rows = [("", *ALLIES, "total", "per actor-week", "parameters", "AIC")]
    entries = [
        ("model at the start values", start, None, None),
        ("model, fitted", loglik["model"], counts["model"], report["aic"]["model"]),
        ("base rates", loglik["base_rates"], counts["base_rates"], report["aic"]["base_rates"]),
        ("Markov chain", loglik["markov"], counts["markov"], report["aic"]["markov"]),
    ]
    for label, score, k, aic in entries:
        rows.append(
            (
                label,
                *(f"{score['per_actor'][a]:.2f}" for a in ALLIES),
                f"{score['total']:.2f}",
                f"{score['per_actor_week']:.4f}",
                "—" if k is None else str(k),
                "—" if aic is None else f"{aic:.1f}",
            )
        )
    return rows


def holdout_rows(holdout: dict) -> list[tuple[str, ...]]:
    """Rows of the hold-out table (log-likelihood of the held-out weeks)."""
    rows = [("fitted on early weeks", *ALLIES, "total", "per actor-week")]
    for name, label in (("model", "model"), ("base_rates", "base rates"), ("markov", "Markov")):
        score = holdout["loglik"][name]
        rows.append(
            (
                label,
                *(f"{score['per_actor'][a]:.2f}" for a in ALLIES),
                f"{score['total']:.2f}",
                f"{score['per_actor_week']:.4f}",
            )
        )
    return rows


def gain_sentence(report: dict) -> str:
    """How much the fitted model beats (or trails) each baseline, per ally and in total."""
    gains = report["loglik"]["gain_per_actor"]
    parts = []
    for baseline, label in (("base_rates", "base rates"), ("markov", "the Markov chain")):
        per = ", ".join(f"{a} {gains[baseline][a]:+.2f}" for a in ALLIES)
        total = sum(gains[baseline].values())
        parts.append(f"against {label}: {total:+.2f} nats in total ({per})")
    return "; ".join(parts)


def format_calibration(report: dict, folder: Path | None = None) -> str:
    """The plain-text summary `escalation calibrate` prints."""
    lines = [
        f"{report['scenario']}: fitted {len(report['params'])} parameters to {report['events']} "
        f"({report['weeks']} weeks from {report['start']}; rules {report['rules']['seoul']}/"
        f"{report['rules']['tokyo']}; seed {report['seed']})",
        "",
        text_table(estimate_rows(report)),
        "",
        text_table(loglik_rows(report)),
        "fitted model " + gain_sentence(report),
        f"gain over the better baseline: {report['gain_nats_per_actor_week']:+.4f} nats per "
        "actor-week",
    ]
    if report["holdout"]:
        h = report["holdout"]
        lines += [
            "",
            f"hold-out: fitted on the {h['fit_weeks']} weeks before {h['cutoff']}, scored on the "
            f"{h['test_weeks']} weeks from it",
            text_table(holdout_rows(h)),
            f"hold-out gain over the better baseline ({h['better_baseline'].replace('_', ' ')}): "
            f"{h['gain_nats_per_actor_week']:+.4f} nats per actor-week",
        ]
    if report.get("preset"):
        lines.append(f"preset: {report['preset']['payoffs']} and {report['preset']['experiment']}")
    timings = dict(report["timings_s"])
    total = timings.pop("total", sum(timings.values()))
    parts = ", ".join(f"{k} {v:.1f}" for k, v in timings.items())
    runs = report["evaluations"]["model_runs"]
    lines.append(f"time: {total:.1f} s ({parts}); {runs} model runs")
    if folder is not None:
        lines.append(f"results: {folder}")
    return "\n".join(lines)


def calibration_markdown(report: dict) -> str:
    """``calibration.md``: a methods-appendix report of the fit, with its figures."""
    method = report["method"]
    holdout = report["holdout"]
    holdout_text = "No hold-out check was asked for (calibrate.cutoff=null)."
    if holdout:
        holdout_text = f"""The same parameters were fitted again on the {holdout["fit_weeks"]} weeks
before {holdout["cutoff"]} only, and the fitted model scored on the {holdout["test_weeks"]} weeks
from that date on, with the real history fed in. The baselines were fitted on the same early weeks
with add-one (Laplace) smoothing. Log-likelihood of the held-out weeks:

{markdown_table(holdout_rows(holdout))}

Gain over the better baseline ({holdout["better_baseline"].replace("_", " ")}) on the held-out
weeks: **{holdout["gain_nats_per_actor_week"]:+.4f} nats per actor-week**. Early-weeks
estimates: {", ".join(f"`{k}` = {v:.4g}" for k, v in holdout["estimates"].items())}."""
    simulated_text = "Not simulated."
    if report.get("comparison"):
        sim = report["comparison"]
        path = sim["path"]
        simulated_text = f"""{report.get("replications")} free runs at the fitted values (Washington
on its configured policy, not the real pressure; details in [comparison.md](comparison.md)).
The real outcome, `{sim["outcome"]}`, has probability {sim["outcome_probability"]:.1%}; the real
tension path is inside the simulated 5-95% band in {path["band_coverage"]:.0%} of weeks (RMSE to
the median path {path["rmse"]:.3f}, DTW {path["dtw"]:.3f}).

{markdown_table(milestone_rows(sim["milestones"]))}"""
    open_note = ""
    if any(e.get("lower_open") or e.get("upper_open") for e in report["estimates"]):
        open_note = (
            "\n\nAn interval end marked ≤ or ≥ reached the parameter's bound before the "
            "log-likelihood had dropped by 1.92 nats: the data do not bound it on that side."
        )
    return f"""# Calibration to {report["scenario"]}: methods and results

Data: `{report["events"]}`, {report["weeks"]} weeks from {report["start"]} (week of the last:
{report["end"]}), encoded on the model's weekly grid. Model: decision rules
{report["rules"]["seoul"]} (Seoul) and {report["rules"]["tokyo"]} (Tokyo); version
{report["version"]}, seed {report["seed"]}, date {report["date"]}.

## Method

The objective is the {method["objective"]}. Optimiser: {method["optimiser"]},
{method["starts"]} start(s). Intervals: {method["intervals"]}. Baselines, fitted to the same
sequence by maximum likelihood: independent base rates per actor, and a first-order Markov
chain per actor whose first week is scored with the base rates. The method is described in
docs/comparison.md.

## Estimates

{markdown_table(estimate_rows(report))}{open_note}

![profile likelihood of each parameter]({PROFILE_FIGURE})

## Fit

Log-likelihood of the real weekly moves (nats; higher is better). AIC = 2k - 2 log L.

{markdown_table(loglik_rows(report))}

The fitted model {gain_sentence(report)}. Gain over the better baseline:
**{report["gain_nats_per_actor_week"]:+.4f} nats per actor-week**.

![cumulative log-likelihood gain over the baselines]({GAIN_FIGURE})

## Hold-out check

{holdout_text}

## Simulated runs at the estimates

{simulated_text}

![tension fan at the fit](tension_fan.png)

![event raster at the fit](event_raster.png)

## Reproduce

`{report.get("command", "escalation calibrate")}` (deterministic: the same config and seed give
the same estimates). Time: {report["timings_s"].get("total", 0):.1f} s,
{report["evaluations"]["model_runs"]} model runs.
"""


def run_calibration(
    config: CalibrateJobConfig, folder: Path, command: str, date: str
) -> Calibration:
    """`escalation calibrate`: fit, compare at the fit, write the report and the presets."""
    t0 = time.perf_counter()
    result = calibrate(config, date)
    report = result.report
    report["command"] = command
    folder = Path(folder)
    t1 = time.perf_counter()
    comparison = compare(result.config, result.case)
    write_comparison(comparison, folder, config.compare.samples)
    report["replications"] = config.run.replications
    report["comparison"] = {
        k: comparison.report[k]
        for k in ("milestones", "outcome", "outcome_probability", "outcome_shares", "path")
    }
    profiles = [p for p in report["profiles"]]
    if profiles:
        write_figure(plot_profiles(make_profile_data(profiles, DROP_95)), folder / PROFILE_FIGURE)
    cut = report["holdout"]["cutoff_week"] if report["holdout"] else None
    gain = make_gain_data(
        [result.case.scenario.week_start(w) for w in range(result.case.weeks)],
        result.model_scores,
        result.baselines,
        cut,
    )
    write_figure(plot_cumulative_gain(gain), folder / GAIN_FIGURE)
    conf_dir = Path(config.calibrate.conf_dir) if config.calibrate.conf_dir else CONF_DIR
    report["preset"] = write_presets(
        result.config, report, config.calibrate.preset, command, conf_dir
    )
    for kind in ("payoffs", "experiment"):
        text = Path(report["preset"][kind]).read_text()
        write_text(text, folder / "preset" / kind / f"{config.calibrate.preset}.yaml")
    report["timings_s"]["report"] = round(time.perf_counter() - t1, 3)
    report["timings_s"]["total"] = round(time.perf_counter() - t0, 3)
    write_text(calibration_markdown(report), folder / CALIBRATION_MD)
    write_json(report, folder / CALIBRATION_JSON)
    return result
