"""The rolling-origin forecasts' files: every origin's scores and their figure.

Written by `escalation calibrate calibrate.rolling=true` and `escalation compare
compare.rolling=true` alike, beside the summary table their reports print.
"""

from pathlib import Path

import pandas as pd

from sim.reports.tables import (
    diebold_mariano_rows,
    forecast_rows,
    markdown_table,
    uninformed_paragraph,
)

FORECAST_FIGURE = "forecasts.png"
FORECAST_TABLE = "forecasts.parquet"


def clear_report(folder: Path, names: list[str]) -> None:
    """Remove an earlier report's files from ``folder``, the first name (its JSON) first.

    A command run again into the same folder starts from none of the last run's files, so a
    run that fails half-way leaves no report of another run beside its own config.
    """
    for name in names:
        (Path(folder) / name).unlink(missing_ok=True)


def write_forecasts(forecasts: pd.DataFrame, start: str, folder: Path) -> None:
    """The rows of `sim.analysis.forecast.rolling_origin` as Parquet, and the gain figure."""
    from sim.experiment.store import write_figure, write_parquet
    from sim.figures.comparison import make_forecast_gain_data, plot_forecast_gain

    write_parquet(forecasts, folder / FORECAST_TABLE)
    figure = plot_forecast_gain(make_forecast_gain_data(forecasts, start))
    write_figure(figure, folder / FORECAST_FIGURE)


def forecasts_markdown(forecasts: pd.DataFrame) -> str:
    """The forecasts in a Markdown report: the scores, the tests, the file and the figure."""
    return (
        markdown_table(forecast_rows(forecasts))
        + "\n\nThe model's gain on each baseline over all origins, in nats, with the "
        + "Diebold-Mariano p-value (HAC errors, h - 1 lags):\n\n"
        + markdown_table(diebold_mariano_rows(forecasts))
        + uninformed_paragraph(forecasts, "origin")
        + f"\n\nEvery origin's scores: `{FORECAST_TABLE}`.\n\n"
        + f"![rolling-origin forecasts against the baselines]({FORECAST_FIGURE})\n"
    )
