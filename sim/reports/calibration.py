"""Renderers of a `CalibrationReport`: what `escalation calibrate` prints and writes."""

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.analysis.posterior import MIN_KEPT_STEPS, Posterior
from sim.analysis.results import CalibrationReport
from sim.core.moves import ALLIES
from sim.reports.forecasts import (
    FORECAST_FIGURE,
    FORECAST_TABLE,
    clear_report,
    forecasts_markdown,
    write_forecasts,
)
from sim.reports.labels import role_name
from sim.reports.likelihood import likelihood_markdown, likelihood_text
from sim.reports.tables import (
    diebold_mariano_rows,
    forecast_rows,
    markdown_table,
    text_table,
    uninformed_lines,
    uninformed_paragraph,
)
from sim.reports.text import plural

if TYPE_CHECKING:  # matplotlib loads only when a figure is drawn
    from sim.figures.comparison import PosteriorData

POSTERIOR_FIGURE = "posterior.png"
LOCO_FIGURE = "loco.png"
CONVERGED = "every R-hat below 1.05 and every bulk ESS above 100"


def posterior_state(p: Posterior) -> str:
    """Whether the posterior converged, and if not, why, in a few words."""
    if not p.long_enough:
        return (
            f"NOT converged: {p.kept_steps} kept steps per walker, too few to estimate R-hat and "
            f"ESS (at least {MIN_KEPT_STEPS}: raise calibrate.steps or lower calibrate.thin)"
        )
    return "converged" if p.converged else "NOT converged (R-hat >= 1.05 or ESS < 100)"


def estimate_rows(report: CalibrationReport) -> list[tuple[str, ...]]:
    """Rows of the estimates table: ML estimate, posterior median and 90% interval, R-hat."""
    rows: list[tuple[str, ...]] = [
        ("parameter", "ML estimate", "posterior median", "90% interval", "R-hat", "ESS", "box")
    ]
    long_enough = report.posterior is None or report.posterior.long_enough
    fitted = [(row, "") for row in report.estimates()]
    conduct = [(row, " (conduct)") for row in report.conduct_estimates()]
    for row, note in fitted + conduct:
        posterior = ("—", "—", "—", "—")
        if "posterior_q50" in row:
            posterior = (
                f"{row['posterior_q50']:.4g}",
                f"[{row['posterior_q05']:.4g}, {row['posterior_q95']:.4g}]",
                f"{row['posterior_r_hat']:.3f}" if long_enough else "—",
                f"{row['posterior_ess_bulk']:.0f}" if long_enough else "—",
            )
        tied = "".join(f" = {twin}" for twin in row.get("tied", []))
        rows.append(
            (
                row["key"] + tied,
                f"{row['estimate']:.4g}" + note + (" (at bound)" if row["at_bound"] else ""),
                *posterior,
                f"[{row['low']:g}, {row['high']:g}]",
            )
        )
    return rows


def _loco_rows(report: CalibrationReport) -> list[tuple[str, ...]]:
    table = report.loco
    if table is None:
        return []
    names = [
        c
        for c in table.columns
        if c not in ("case", "side", "weeks", "uninformed") and not c.endswith("_when")
    ]
    rows: list[tuple[str, ...]] = [
        ("case left out", "side", "weeks", *(n.replace("_", " ") for n in names))
    ]
    for _, r in table.iterrows():
        rows.append((r["case"], r["side"], str(r["weeks"]), *(f"{r[n]:.2f}" for n in names)))
    totals = [("" if n == "r_hat" else f"{table[n].sum():.2f}") for n in names]
    rows.append(("all", "", str(table["weeks"].sum()), *totals))
    return rows


def loco_part_rows(table: pd.DataFrame) -> list[tuple[str, ...]]:
    """Each plug-in score of the left-out cases split into when to move and which move.

    One row per case and part, both sides summed, then the totals; the two parts of a column
    add up to its score in the leave-one-case-out table (`sim.analysis.likelihood.when_to_move`).
    """
    scorers = [c[: -len("_when")] for c in table.columns if c.endswith("_when")]
    rows: list[tuple[str, ...]] = [
        ("case left out", "part", *(s.replace("_", " ") for s in scorers))
    ]
    groups = [(name, part) for name, part in table.groupby("case", sort=False)] + [("all", table)]
    for name, part in groups:
        when = [part[f"{s}_when"].sum() for s in scorers]
        which = [part[s].sum() - w for s, w in zip(scorers, when, strict=True)]
        rows.append((name, "when to move", *(f"{w:.2f}" for w in when)))
        rows.append((name, "which move", *(f"{w:.2f}" for w in which)))
    return rows


def slot_note(report: CalibrationReport) -> str:
    """Which side the keys seoul.* and tokyo.* set, in a case whose sides are others."""
    if tuple(report.sides) == ALLIES:
        return ""
    first, second = report.sides
    return (
        f"in {report.scenario}, the keys seoul.* set {role_name(first)} and tokyo.* set "
        f"{role_name(second)} (the case's first and second sides)"
    )


def left_out_note(report: CalibrationReport) -> str:
    """The params the case does not bear on: not fitted, not counted in k."""
    keys = ", ".join(report.left_out)
    return (
        f"{keys} left out of the fit: moving {'it' if len(report.left_out) == 1 else 'them'} "
        f"does not move the log-likelihood of {report.scenario}, so k does not count "
        f"{'it' if len(report.left_out) == 1 else 'them'} and the config's value stays"
    )


def format_calibration(report: CalibrationReport, folder: Path | None = None) -> str:
    """The plain-text summary `escalation calibrate` prints."""
    ml = report.ml
    lines = [
        f"{report.scenario}: fitted {plural(len(ml.keys), 'parameter')} and the conduct "
        f"({ml.parameters} in all) to {report.events} ({report.weeks} weeks from {report.start}; "
        f"rules {report.rules['seoul']}/{report.rules['tokyo']}; seed {report.seed})",
        "",
        text_table(estimate_rows(report)),
        "",
        likelihood_text(report.in_sample),
    ]
    if slots := slot_note(report):
        lines.insert(1, slots)
    if ml.warning is not None:
        lines.append(f"warning: {ml.warning}")
    if report.left_out:
        lines.append(f"note: {left_out_note(report)}")
    if report.posterior is not None:
        p = report.posterior
        lines.append(
            f"posterior: {len(p.draws)} draws from {p.walkers} walkers, acceptance "
            f"{p.acceptance:.2f}, {posterior_state(p)}"
        )
    if report.forecasts is not None:
        lines += ["", "rolling-origin forecasts (mean log score per side-week)"]
        lines.append(text_table(forecast_rows(report.forecasts)))
        lines += [
            "",
            "the model's gain on each baseline over all origins, nats (Diebold-Mariano p)",
        ]
        lines.append(text_table(diebold_mariano_rows(report.forecasts)))
        lines += uninformed_lines(report.forecasts, "origin")
    if report.loco is not None:
        lines += ["", "leave one case out (log-likelihood of the left-out case's moves)"]
        lines.append(text_table(_loco_rows(report)))
        lines += uninformed_lines(report.loco, "case")
        lines += ["", "the same plug-in scores split: when to move, which move once moving"]
        lines.append(text_table(loco_part_rows(report.loco)))
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
    lines.append(f"time: {timings}; {ml.evaluations} likelihood evaluations in the ML fit")
    if folder is not None:
        lines.append(f"results: {folder}")
    return "\n".join(lines)


def calibration_markdown(report: CalibrationReport) -> str:
    """``calibration.md``: a methods-appendix report of the fit."""
    ml = report.ml
    posterior = "No posterior was sampled (calibrate.posterior=false)."
    if report.posterior is not None:
        p = report.posterior
        posterior = (
            f"emcee ensemble sampler, {p.walkers} walkers x {p.steps} steps, the first {p.burn} "
            f"discarded, {len(p.draws)} draws kept; mean acceptance {p.acceptance:.2f}; "
            f"{CONVERGED if p.converged else posterior_state(p)} ({p.seconds:.0f} s).\n\n"
            f"![posterior draws]({POSTERIOR_FIGURE})"
        )
    left_out = f"\n\nNote: {left_out_note(report)}." if report.left_out else ""
    unconverged = "" if ml.warning is None else f"**Warning:** {ml.warning}.\n\n"
    slots = f"\n\nNote: {slot_note(report)}." if slot_note(report) else ""
    extra = ""
    if report.forecasts is not None:
        extra += "\n## Rolling-origin forecasts\n\n" + forecasts_markdown(report.forecasts)
    if report.loco is not None:
        extra += (
            "\n## Leave one case out\n\n"
            + markdown_table(_loco_rows(report))
            + uninformed_paragraph(report.loco, "case")
            + "\n\nThe plug-in scores split into when to move (moving or holding each week) and "
            + "which move (given that the side moved):\n\n"
            + markdown_table(loco_part_rows(report.loco))
            + f"\n\n![leave one case out: gains by part]({LOCO_FIGURE})\n"
        )
    return f"""# Calibration to {report.scenario}: methods and results

Data: `{report.events}`, {report.weeks} weeks from {report.start}. Rules
{report.rules["seoul"]} (first side) and {report.rules["tokyo"]} (second side); version
{report.version}, seed {report.seed}, date {report.date}. Command: `{report.command}`.

## Method

Conduct (how moves became acts) fitted first by maximum likelihood of the acts given the moves;
then the rule and payoff parameters by maximum likelihood of the moves, with the real history fed
in: scipy's differential evolution over the whole box (seeded), polished by L-BFGS-B
({ml.evaluations} evaluations, {ml.seconds:.0f} s; {ml.message}). The posterior is the joint
one of the fitted keys and the conduct's parameters, with uniform priors on each parameter's
box (log-uniform for a key searched on a log scale). docs/comparison.md explains every number.

## Estimates

{unconverged}{markdown_table(estimate_rows(report))}{left_out}{slots}

## Posterior

{posterior}

## Fit beside the baselines

{likelihood_markdown(report.in_sample)}
{extra}"""


#: What ``escalation calibrate`` writes into its folder, its JSON first.
CALIBRATION_FILES = (
    "calibration.json",
    "calibration.md",
    LOCO_FIGURE,
    POSTERIOR_FIGURE,
    FORECAST_TABLE,
    FORECAST_FIGURE,
)


def clear_calibration(folder: Path) -> None:
    """Remove the files an earlier ``escalation calibrate`` wrote into ``folder``."""
    clear_report(folder, list(CALIBRATION_FILES))


def posterior_figure_data(posterior: Posterior, rows: dict[str, dict], log_keys) -> "PosteriorData":
    """The posterior figure's numbers: draws, each key's ML estimate (``rows``) and box.

    A posterior that did not converge carries the report's words for it, which the figure
    shows above its panels: its histograms are not a posterior to read.
    """
    from sim.figures.comparison import make_posterior_data

    keys = posterior.keys
    return make_posterior_data(
        keys,
        posterior.draws,
        [rows[k]["estimate"] for k in keys],
        [rows[k]["low"] for k in keys],
        [rows[k]["high"] for k in keys],
        [k in log_keys for k in keys],
        {k: rows[k].get("tied", []) for k in keys},
        note=None if posterior.converged else posterior_state(posterior),
    )


def write_calibration(report: CalibrationReport, folder: Path) -> Path:
    """Write the figures, the forecasts' table, ``calibration.md`` and (last) the JSON."""
    from sim.experiment.store import json_text, write_figure, write_text
    from sim.figures.comparison import make_loco_gain_data, plot_loco_gain, plot_posterior

    folder = Path(folder)
    if report.forecasts is not None:
        write_forecasts(report.forecasts, report.start, folder)
    if report.loco is not None:
        write_figure(plot_loco_gain(make_loco_gain_data(report.loco)), folder / LOCO_FIGURE)
    if report.posterior is not None:
        rows = {r["key"]: r for r in [*report.estimates(), *report.conduct_estimates()]}
        data = posterior_figure_data(report.posterior, rows, report.log_keys)
        write_figure(plot_posterior(data), folder / POSTERIOR_FIGURE)
    write_text(calibration_markdown(report), folder / "calibration.md")
    write_text(json_text(report.to_json(), strict=False), folder / "calibration.json")
    return folder
