"""Plain-text and Markdown tables: the shape every report prints its rows in."""

import pandas as pd

from sim.analysis.forecast import diebold_mariano, forecast_parts, forecast_summary


def markdown_table(rows: list[tuple[str, ...]]) -> str:
    """A Markdown table from a header row and body rows."""
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def text_table(rows: list[tuple[str, ...]]) -> str:
    """A plain-text table with aligned columns (first column left, the rest right)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        )
        for row in rows
    )


def number(value: object, digits: int = 3) -> str:
    """A cell: a float with ``digits`` decimals, None as an em dash, anything else as text."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def percent(value: float | None) -> str:
    """A share as a whole percentage; None or NaN (undefined, e.g. no moves) as an em dash."""
    return "—" if value is None or value != value else f"{value:.0%}"


def forecast_rows(forecasts: pd.DataFrame | None) -> list[tuple[str, ...]]:
    """Rows of the out-of-sample table: the mean log score by horizon, one column per model.

    Each horizon's row is followed by its two parts (when to move, which move;
    `sim.analysis.forecast.forecast_parts`).

    ``forecasts`` is `sim.analysis.forecast.rolling_origin`'s table (one row per origin,
    horizon and side).
    """
    if forecasts is None:
        return []
    table = forecast_summary(forecasts)
    parts = forecast_parts(forecasts)
    names = list(table.columns)
    rows: list[tuple[str, ...]] = [("horizon", *(n.replace("_", " ") for n in names))]
    for h, r in table.iterrows():
        rows.append((f"{h} week(s)", *(f"{r[n]:.3f}" for n in names)))
        for part in ("when to move", "which move"):
            split = parts.loc[(h, part)]
            rows.append((f"  {part}", *(f"{split[n]:.3f}" for n in names)))
    return rows


def diebold_mariano_rows(forecasts: pd.DataFrame | None) -> list[tuple[str, ...]]:
    """Rows of the model's gain on each baseline, in nats, with its Diebold-Mariano p-value.

    One row per horizon and model forecaster, one column per baseline, each cell
    ``gain (p = ...)`` (`sim.analysis.forecast.diebold_mariano`).
    """
    if forecasts is None:
        return []
    tests = diebold_mariano(forecasts)
    baselines = list(dict.fromkeys(tests["baseline"]))
    rows: list[tuple[str, ...]] = [("horizon, forecast", *(b.replace("_", " ") for b in baselines))]
    for (h, model), block in tests.groupby(["horizon", "model"], sort=False):
        cells = block.set_index("baseline")
        rows.append(
            (
                f"{h} week(s), {model.replace('_', ' ')}",
                *(
                    f"{cells.at[b, 'gain_nats']:+.1f} (p = {cells.at[b, 'p']:.3f})"
                    for b in baselines
                ),
            )
        )
    return rows


def uninformed_note(table: pd.DataFrame | None, by: str) -> str:
    """One line naming the keys a plug-in score set to the middle of their prior, or "".

    ``by`` is the column that names a fit (``case`` left out, or ``origin``); consecutive
    origins with the same keys are joined into a range (`sim.analysis.fit.plug_in`).
    """
    if table is None or "uninformed" not in table.columns:
        return ""
    fits = table.drop_duplicates(by)[[by, "uninformed"]]
    groups: list[list] = []  # [first, last, keys]
    for label, keys in fits.itertuples(index=False):
        if not keys:
            continue
        if groups and groups[-1][2] == keys and by == "origin" and groups[-1][1] == label - 1:
            groups[-1][1] = label
        else:
            groups.append([label, label, keys])
    if not groups:
        return ""
    parts = []
    for first, last, keys in groups:
        where = f"{by} {first}" if first == last else f"{by}s {first}-{last}"
        if by == "origin":  # the origin is a week of the case, counted from 0
            where = f"origin week {first}" if first == last else f"origin weeks {first}-{last}"
        parts.append(f"{where}: {keys.replace(',', ', ')}")
    return (
        "plug-in: keys the fitted weeks do not bear on, set to the middle of their prior "
        f"rather than taken from the fit ({'; '.join(parts)})"
    )


def uninformed_lines(table: pd.DataFrame | None, by: str) -> list[str]:
    """`uninformed_note` as lines of a printed report: none when no key was set aside."""
    note = uninformed_note(table, by)
    return [note] if note else []


def uninformed_paragraph(table: pd.DataFrame | None, by: str) -> str:
    """`uninformed_note` as a paragraph of a Markdown report, or "" when it is empty."""
    note = uninformed_note(table, by)
    return f"\n\n{note}." if note else ""
