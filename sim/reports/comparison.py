"""Renderers of a `ComparisonReport`: the table `escalation compare` prints, and its Markdown."""

from pathlib import Path

from sim.analysis.predictive import SET_BY_START
from sim.analysis.results import ComparisonReport
from sim.reports.forecasts import (
    FORECAST_FIGURE,
    FORECAST_TABLE,
    clear_report,
    forecasts_markdown,
    write_forecasts,
)
from sim.reports.labels import pressed_alone, runs_caption
from sim.reports.likelihood import likelihood_markdown, likelihood_text
from sim.reports.tables import (
    diebold_mariano_rows,
    forecast_rows,
    markdown_table,
    number,
    percent,
    text_table,
    uninformed_lines,
)

FAN_FIGURE = "tension_fan.png"
RASTER_FIGURE = "event_raster.png"
GAIN_FIGURE = "cumulative_gain.png"


def milestone_rows(report: ComparisonReport) -> list[tuple[str, ...]]:
    """Rows of the milestone table; a milestone the case's start sets says so, no percentile."""
    rows: list[tuple[str, ...]] = [
        ("milestone", "real week", "real date", "percentile", "never", "sim. median")
    ]
    for m in report.milestones:
        rows.append(
            (
                m.label,
                number(m.real_week),
                m.real_date or "never",
                SET_BY_START if m.unscored == SET_BY_START else percent(m.percentile),
                percent(m.never_share),
                number(m.simulated_median_week, 1),
            )
        )
    return rows


MILESTONES_INTRO = (
    "Percentile: where the real week falls among the runs in which the milestone happens (50% is"
    "\nthe middle; near 0% the real one came early, near 100% late). Never: share of runs without"
    " it."
)


def _milestones_intro(report: ComparisonReport) -> str:
    """The Milestones section's opening, with a note when the case's start sets a milestone."""
    if not any(m.unscored == SET_BY_START for m in report.milestones):
        return MILESTONES_INTRO
    return MILESTONES_INTRO + (
        "\n\nA milestone reached in the real week 0 is set by the start: either a measure in "
        "force when the case begins, which every run has too, or an event of the first week, "
        "whose week the start was chosen by and the earliest a run can give (runs play week 0 "
        "freely, the real week's events not replayed). Its percentile would say nothing of the "
        "model's timing; it has none and counts as neither a pass nor a miss."
    )


def statistic(value: float) -> str:
    """A statistic to two decimals; NaN (undefined, e.g. burstiness without moves) as a dash."""
    return "—" if value != value else f"{value:.2f}"


def count_rows(report: ComparisonReport) -> list[tuple[str, ...]]:
    """Rows of the counts table: real value, simulated median, percentile."""
    rows: list[tuple[str, ...]] = [("side", "statistic", "real", "sim. median", "percentile")]
    for c in report.counts:
        rows.append(
            (
                c.side,
                c.statistic,
                statistic(c.real),
                statistic(c.simulated_median),
                percent(c.percentile),
            )
        )
    return rows


def _outcome_line(report: ComparisonReport) -> str:
    if report.notice is None:
        return (
            f"outcome: not scored ({report.scenario} has no outcome rule: no agreement is put "
            "on notice)"
        )
    pending = report.outcome_shares.get("pending", 0.0)
    probability = report.outcome_probability
    line = f"real outcome {report.outcome}: probability {probability:.1%} among the runs"
    if pending:
        line += (
            f" ({pending:.1%} still pending at the end: censored, neither kept nor terminated);"
            f" {report.outcome_probability_settled:.1%} once every running notice is followed"
            " until it is lifted or lapses"
        )
    return line


def _outcome_markdown(report: ComparisonReport) -> str:
    """The Outcome section's text: the real outcome's probability and every outcome's share."""
    line = _outcome_line(report)
    if report.notice is None:
        return line[0].upper() + line[1:] + "."
    shares = ", ".join(f"{k} {v:.1%}" for k, v in report.outcome_shares.items())
    settled = ", ".join(
        f"{k} {v:.1%}" for k, v in report.outcome_shares_settled.items() if k != "pending"
    )
    return (
        f"{line.replace('real', 'Real', 1)}; every outcome's share: {shares}; with the runs "
        f"followed past the end until every running notice was lifted or lapsed: {settled}."
    )


def _best(report: ComparisonReport) -> str:
    """The best baseline by AIC, as the tables name it."""
    return report.in_sample.best("aic").name.replace("_", " ")


def _unequal(report: ComparisonReport) -> str:
    """Why the rows are not alike when the model's fit comes from another case ('' if not).

    The model (and its conduct) is then out of sample, while the baselines and their conduct
    are fitted on the compared case itself unless ``train_events`` names other data. The
    other way round, a model fitted on the compared case against baselines fitted on another
    file, flatters the model.
    """
    if report.fitted_on == report.scenario and not report.own_events:
        return (
            f"the events compared are not those the model's fit was made on "
            f"({report.fitted_events}): the model and its conduct come from that file, the "
            f"baselines and theirs from {report.train_events or report.events}, so the rows are "
            "not fitted on the same data (the acts row, where each side's conduct is scored, "
            "shows it first)"
        )
    if report.train_events and report.fitted_on == report.scenario:
        if Path(report.train_events).resolve() == Path(report.events).resolve():
            return ""
        return (
            f"the model is the fit on {report.scenario}, in sample here, while the baselines "
            f"are fitted on {report.train_events}, out of sample: the comparison favours the "
            "model; drop train_events to fit the baselines on these events too, or compare "
            "a case the model was not fitted on"
        )
    if report.fitted_on in (None, report.scenario) or report.train_events:
        return ""
    return (
        f"the model is the fit on {report.fitted_on}, out of sample here (its conduct too), "
        f"while the baselines and their conduct are fitted on {report.scenario}'s own events, "
        f"in sample; to fit them out of sample too, add "
        f"train_events=scenarios/{report.fitted_on}/events.csv, or leave one case out "
        "(escalation calibrate calibrate.loco=true)"
    )


def _unequal_markdown(report: ComparisonReport) -> str:
    """`_unequal` as a sentence of the Markdown report's opening paragraph."""
    note = _unequal(report)
    return f"\n\n**Note:** {note[0].upper()}{note[1:]}." if note else ""


def _trained_on(report: ComparisonReport) -> str:
    """Said on the report's first line when the baselines are fitted on another file."""
    return f"; baselines fitted on {report.train_events}" if report.train_events else ""


def _pressed_note(report: ComparisonReport) -> str:
    """A note when the patron presses one side alone (the case's ``patron_presses``)."""
    alone = pressed_alone(report.pressed, report.sides)
    return f"; the patron presses {alone}" if alone else ""


HAND_SET = (
    "the hand-set values count as k = 0, yet they were set with 2019 in view "
    "(docs/comparison.md, section 7.2): their AIC and BIC flatter them"
)


def _hand_set(report: ComparisonReport) -> str:
    """Said when the model is the hand-set one, whose k = 0 counts no choice made on data."""
    return HAND_SET if report.fitted_on is None else ""


def _parameters(report: ComparisonReport) -> str:
    """Where the runs' parameters come from: the fit's point estimate, its posterior, hand-set."""
    if report.fitted_on is None:
        return f"parameters: {report.parameters}"
    named = "" if report.fit in (None, report.fitted_on) else f" {report.fit}, made"
    return f"parameters: the fit{named} on {report.fitted_on} ({report.parameters})"


def fan_caption(report: ComparisonReport) -> str:
    """The simulated runs in one line, under the fan's title (as a run's fan has)."""
    rules = dict(zip(report.sides, report.rules.values(), strict=True))
    source = _parameters(report).removeprefix("parameters: ")
    return runs_caption(
        report.replications,
        rules,
        report.us_policy,
        report.us_pressure,
        source,
        report.seed,
        report.patron,
    )


def _likelihood_note(report: ComparisonReport) -> str:
    """Said when the runs draw from the posterior: the likelihood is the point estimate's."""
    if not report.parameters.startswith("posterior"):
        return ""
    return " The likelihood scores the point estimate; the simulated runs below draw their own."


def format_comparison(report: ComparisonReport, folder: Path | None = None) -> str:
    """The plain-text report `escalation compare` prints."""
    path = report.path
    lines = [
        f"{report.scenario}: real sequence {report.events} ({report.weeks} weeks from "
        f"{report.start}) against {report.replications} runs (seed {report.seed}, rules "
        f"{report.rules['seoul']}/{report.rules['tokyo']}; {_parameters(report)})"
        f"{_pressed_note(report)}{_trained_on(report)}",
        "",
        "log-likelihood of the real acts (teacher forcing; moves per side, then the acts given "
        "the moves)" + (" under the point estimate" if _likelihood_note(report) else ""),
        likelihood_text(report.in_sample),
        f"log-likelihood gain on the best baseline by AIC ({_best(report)}), its parameters "
        f"not charged: {report.gain_nats_per_actor_week:+.4f} nats per side-week",
        "",
        text_table(milestone_rows(report)),
        "",
        _outcome_line(report),
        f"tension path: RMSE {path.rmse:.3f}, DTW {path.dtw:.3f} ({path.dtw_per_week:.4f} per "
        f"week), real path inside the 5-95% band {path.band_coverage:.0%} of weeks",
        "",
        text_table(count_rows(report)),
    ]
    if report.forecasts is not None:
        lines += [
            "",
            "rolling-origin forecasts, mean log score per side-week",
            text_table(forecast_rows(report.forecasts)),
            "",
            "the model's gain on each baseline over all origins, nats (Diebold-Mariano p)",
            text_table(diebold_mariano_rows(report.forecasts)),
        ]
        lines += uninformed_lines(report.forecasts, "origin")
    if report.events_left_out:
        lines.append(f"note: {report.events_left_out} events fall outside the span, left out")
    if _unequal(report):
        lines.append(f"note: {_unequal(report)}")
    if _hand_set(report):
        lines.append(f"note: {_hand_set(report)}")
    if folder is not None:
        lines.append(f"results: {folder}")
    return "\n".join(lines)


def comparison_markdown(report: ComparisonReport) -> str:
    """``comparison.md``: the report as Markdown, with its figures."""
    path = report.path
    initial = ", ".join(f"{a}: {', '.join(m) or 'none'}" for a, m in report.initial.items())
    train = f" Baselines fitted on `{report.train_events}`." if report.train_events else ""
    runs = _parameters(report) + _pressed_note(report)
    note = _likelihood_note(report) + (f" Note: {_hand_set(report)}." if _hand_set(report) else "")
    forecasts = ""
    if report.forecasts is not None:
        forecasts = (
            "\n## Out of sample: rolling-origin forecasts\n\nMean log score of the real move per "
            "side-week (higher is better), each model fitted on the weeks before each origin.\n\n"
            + forecasts_markdown(report.forecasts)
        )
    return f"""# Comparison with the real sequence: {report.scenario}

Events file `{report.events}`, {report.weeks} weeks from {report.start} (week of the last:
{report.end}); measures in force at the start: {initial}. Model: rules
{report.rules["seoul"]} (first side) and {report.rules["tokyo"]} (second side),
{report.replications} simulated runs, seed {report.seed}, version {report.version}; {runs}.{train}
How to read each number: docs/comparison.md.{_unequal_markdown(report)}

## Likelihood of the real acts (teacher forcing)

Log-likelihood in nats (higher is better): each side's moves under the model or baseline, and
the acts given the moves under the fitted conduct. k counts every fitted parameter.{note}

{likelihood_markdown(report.in_sample)}

Log-likelihood gain on the best baseline by AIC ({_best(report)}), before AIC charges either
side for its parameters: **{report.gain_nats_per_actor_week:+.4f} nats per side-week**.

![cumulative log-likelihood gain]({GAIN_FIGURE})
{forecasts}
## Milestones

{_milestones_intro(report)}

{markdown_table(milestone_rows(report))}

## Outcome

{_outcome_markdown(report)}

## Tension path, counts and bursts

RMSE between the real path and the simulated median: {path.rmse:.3f}; dynamic time warping
distance {path.dtw:.3f} ({path.dtw_per_week:.4f} per week); the real path lies inside the
simulated 5-95% band in {path.band_coverage:.0%} of weeks.

{markdown_table(count_rows(report))}

![tension fan with the real path]({FAN_FIGURE})

![event raster: the real sequence above sampled runs]({RASTER_FIGURE})
"""


#: What ``escalation compare`` writes into its folder, its JSON first.
COMPARISON_FILES = (
    "comparison.json",
    "comparison.md",
    FAN_FIGURE,
    RASTER_FIGURE,
    GAIN_FIGURE,
    FORECAST_TABLE,
    FORECAST_FIGURE,
)


def clear_comparison(folder: Path) -> None:
    """Remove the files an earlier ``escalation compare`` wrote into ``folder``."""
    clear_report(folder, list(COMPARISON_FILES))


def raster_data(result, samples: int):
    """The event raster of a `sim.analysis.compare.Comparison`: history over ``samples`` runs.

    The patron's calm weeks (a reactive patron's baseline) are drawn as abstain, as a real week
    without its events is coded.
    """
    from sim.figures.comparison import make_raster_data

    recorder, case = result.model.recorder, result.case
    calm = result.model.params.us.calm_level()
    return make_raster_data(
        case.scenario, case.real, recorder.move, recorder.pressure, samples, calm
    )


def events_name(case) -> str | None:
    """The name of the events file ``case`` compares when it is not its scenario's own, else None.

    The fan's legend calls the scenario's own path "real"; an analyst's file is named instead.
    """
    own = case.scenario.events_path
    return None if own is not None and case.holds_events_of(own) else case.events_path.name


def write_comparison(result, folder: Path, samples: int) -> Path:
    """Write the figures, ``comparison.md`` and (last) ``comparison.json`` into ``folder``.

    ``result`` is a `sim.analysis.compare.Comparison`.
    """
    from sim.experiment.store import json_text, write_figure, write_text
    from sim.figures.comparison import make_gain_data, plot_cumulative_gain, plot_event_raster
    from sim.figures.fan import make_fan_data, plot_tension_fan

    folder = Path(folder)
    case, report = result.case, result.report
    caption, name = fan_caption(report), events_name(case)
    fan = make_fan_data(result.fan, case.scenario, case.real, caption, name)
    write_figure(plot_tension_fan(fan), folder / FAN_FIGURE)
    write_figure(plot_event_raster(raster_data(result, samples)), folder / RASTER_FIGURE)
    best = report.in_sample.best("aic")
    dates = [case.scenario.week_start(w) for w in range(case.weeks)]
    gain = make_gain_data(
        dates,
        case.scenario.sides,
        result.model_moves,
        {best.name: result.baseline_moves[best.name]},
        acts=report.in_sample.model.acts - best.acts,
        case=case.scenario.title,
    )
    write_figure(plot_cumulative_gain(gain), folder / GAIN_FIGURE)
    if report.forecasts is not None:
        write_forecasts(report.forecasts, report.start, folder)
    write_text(comparison_markdown(report), folder / "comparison.md")
    write_text(json_text(report.to_json(), strict=False), folder / "comparison.json")
    return folder
