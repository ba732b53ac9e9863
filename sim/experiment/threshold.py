"""The least US pressure that keeps P(terminated) under a cap, from an optimising sweep.

`ThresholdCallback` runs when a ``run.objective=least_pressure:CAP`` sweep (the
``least_pressure`` preset, driven by Optuna) ends. Every trial is a run at one pressure with
its P(terminated) and 95% Wilson interval; assuming P(terminated) falls as pressure rises, the
least pressure that meets the cap lies above every pressure whose interval lies wholly above
the cap, and at or below the least pressure whose interval lies wholly under it. That bracket
is the answer's uncertainty; the point estimate interpolates the estimates where they cross
the cap. It writes ``threshold.json``, ``threshold.md`` and ``threshold.png``.
"""

import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.core.errors import ConfigError, EscalationError
from sim.core.metrics import wilson_interval
from sim.experiment.job import check_files, read_summary
from sim.experiment.objective import CAPPED, parse_objective
from sim.experiment.store import write_figure, write_json, write_text
from sim.figures.threshold import plot_threshold
from sim.reports.run import RunSummary


@dataclass
class Threshold:
    """The answer: the cap, the bracket of the least pressure and a point estimate.

    ``trials`` has one row per trial: ``pressure``, ``replications``, ``p_terminated``,
    ``lo``, ``hi`` (95% Wilson interval).
    """

    cap: float
    estimate: float | None  # None when no two neighbouring trials' estimates cross the cap
    above: float | None  # greatest pressure whose whole interval is over the cap
    meets: float | None  # least pressure whose whole interval is under the cap
    trials: pd.DataFrame

    @property
    def no_estimate(self) -> str:
        """Why there is no estimate, in words ("" when there is one)."""
        if self.estimate is not None:
            return ""
        y = self.trials["p_terminated"]
        pressures = self.trials["pressure"]
        if len(y) and (y < self.cap).all():
            return (
                "every trial's P(terminated) is under the cap, so the least pressure is at "
                f"or below {pressures.min():.3f}, the least tried"
            )
        if len(y) and (y >= self.cap).all():
            return (
                "every trial's P(terminated) is at or over the cap, so the least pressure is "
                f"above {pressures.max():.3f}, the greatest tried, if any pressure meets it"
            )
        return "the trials' P(terminated) estimates never fall through the cap as pressure rises"


def trial_summaries(folder: Path, trials: int) -> list[RunSummary]:
    """The summaries of trials 0 to ``trials`` - 1 of the sweep folder, each checked complete.

    Only this launch's trial numbers are read, so folders of an earlier, longer search in the
    same folder are left out.
    """
    summaries = []
    for number in range(trials):
        trial = Path(folder) / str(number)
        if not trial.is_dir():
            continue
        try:
            summary = read_summary(trial)
            check_files(trial, summary)
        except ConfigError as problem:
            raise ConfigError(f"trial {number} is not finished: {problem}") from None
        summaries.append(summary)
    return summaries


def trial_table(summaries: list[RunSummary]) -> pd.DataFrame:
    """One row per finished trial: pressure, replications, P(terminated) and its interval.

    P(terminated) is the settled share (pending runs followed until settled), as the objective
    ``least_pressure`` reads it.
    """
    rows = []
    for summary in summaries:
        n = summary.replications
        settled = summary.simulated.outcome_shares_settled
        if settled is None:
            raise ConfigError("least pressure: the trials were not followed past the end")
        k = round(settled["terminated"] * n)
        lo, hi = wilson_interval(k, n)
        rows.append(
            {
                "pressure": float(summary.us_pressure),
                "replications": n,
                "p_terminated": k / n,
                "lo": float(lo),
                "hi": float(hi),
            }
        )
    return pd.DataFrame(rows).sort_values("pressure", ignore_index=True)


def find_threshold(trials: pd.DataFrame, cap: float) -> Threshold:
    """Bracket and estimate the least pressure whose P(terminated) is under ``cap``."""
    meets = trials.loc[trials["hi"] < cap, "pressure"]
    least = float(meets.min()) if len(meets) else None
    over = trials.loc[(trials["lo"] >= cap) & (trials["pressure"] < (least or np.inf)), "pressure"]
    above = float(over.max()) if len(over) else None
    estimate = None
    p, y = trials["pressure"].to_numpy(), trials["p_terminated"].to_numpy()
    for k in range(1, len(p)):
        if y[k - 1] >= cap > y[k]:
            estimate = float(p[k - 1] + (y[k - 1] - cap) / (y[k - 1] - y[k]) * (p[k] - p[k - 1]))
            break
    return Threshold(cap, estimate, above, least, trials)


def show(value: float | None) -> str:
    """A pressure to three decimals, or "not found"."""
    return "not found" if value is None else f"{value:.3f}"


def answer_line(result: Threshold) -> str:
    """The answer in one line: the estimate and its bracket, each end said in words if absent."""
    low = "no lower end" if result.above is None else f"above {show(result.above)}"
    high = "no upper end" if result.meets is None else f"at most {show(result.meets)}"
    why = f": {result.no_estimate}" if result.no_estimate else ""
    return (
        f"least pressure keeping P(terminated) under {result.cap:.0%}: estimate "
        f"{show(result.estimate)} ({low}, {high}){why}"
    )


def render_threshold(result: Threshold, command: str) -> str:
    """threshold.md: the answer in words, with the trials."""
    lines = [
        f"# The least US pressure that keeps P(terminated) under {result.cap:.0%}",
        "",
        f"Command: `{command}`",
        "",
        f"- Estimate (the P(terminated) estimates crossing the cap, interpolated): "
        f"**{show(result.estimate)}**" + (f" ({result.no_estimate})" if result.no_estimate else ""),
        "- Bracket: "
        + (
            f"above {show(result.above)} (every pressure up to it has P(terminated) over the "
            "cap at 95%)"
            if result.above is not None
            else "no lower end: no trial's 95% interval lies wholly over the cap"
        )
        + " and "
        + (
            f"at most {show(result.meets)} (the least pressure whose 95% interval lies under "
            "the cap)"
            if result.meets is not None
            else "no upper end: no trial's 95% interval lies wholly under the cap, so the "
            "answer may be above the greatest pressure tried"
        ),
        f"- {len(result.trials)} trials; assumes P(terminated) falls as pressure rises. "
        "P(terminated) is settled: a notice still running at the end was followed until it "
        "was lifted or lapsed.",
        "",
        "| us.pressure | replications | P(terminated) | 95% interval |",
        "| --- | --- | --- | --- |",
    ]
    for row in result.trials.itertuples(index=False):
        lines.append(
            f"| {row.pressure:.3f} | {row.replications} | {row.p_terminated:.3f} | "
            f"[{row.lo:.3f}, {row.hi:.3f}] |"
        )
    return "\n".join(lines) + "\n"


class ThresholdCallback(Callback):
    """Hydra callback: answer the least-pressure question when the optimising sweep ends."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write threshold.json, threshold.md and threshold.png into the sweep folder."""
        folder = Path(config.hydra.sweep.dir)
        objective = OmegaConf.select(config, "run.objective") or ""
        try:
            name, cap = parse_objective(objective)
            if name != CAPPED or cap is None:
                raise EscalationError(f"the threshold needs run.objective={CAPPED}:CAP")
            trials = int(OmegaConf.select(config, "hydra.sweeper.n_trials") or 0)
            summaries = trial_summaries(folder, trials)
            if not summaries:
                raise EscalationError(f"{folder} holds no finished trial")
            result = find_threshold(trial_table(summaries), cap)
        except EscalationError as problem:
            print(f"error: {problem}", file=sys.stderr)
            sys.exit(2)
        command = " ".join(["escalation run -m", *config.hydra.overrides.task])
        data = asdict(result) | {
            "no_estimate": result.no_estimate or None,
            "trials": result.trials.to_dict(orient="records"),
        }
        write_json(data | {"command": command}, folder / "threshold.json")
        write_text(render_threshold(result, command), folder / "threshold.md")
        write_figure(
            plot_threshold(result.trials, result.cap, result.above, result.meets),
            folder / "threshold.png",
        )
        print(f"{answer_line(result)} -> {folder / 'threshold.md'}")
