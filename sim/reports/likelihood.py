"""The in-sample likelihood table, shared by the comparison and the calibration reports."""

from sim.analysis.insample import InSample
from sim.reports.tables import markdown_table, text_table


def likelihood_rows(table: InSample) -> list[tuple[str, ...]]:
    """Rows: model and baselines; per side, moves, their two parts, acts, total, k, AIC, BIC.

    The two parts split both sides' moves into when to move and which move.
    """
    sides = list(table.model.per_side)
    rows = [
        (
            "",
            *(f"{s} (moves)" for s in sides),
            "when to move",
            "which move",
            "acts",
            "total",
            "k",
            "AIC",
            "BIC",
        )
    ]
    best_aic, best_bic = table.best("aic").name, table.best("bic").name
    for row in table.rows:
        mark = "".join(["*" if row.name == best_aic else "", "+" if row.name == best_bic else ""])
        rows.append(
            (
                row.name.replace("_", " ") + (f" {mark}" if mark else ""),
                *(f"{row.per_side[s]:.2f}" for s in sides),
                f"{row.when:.2f}",
                f"{row.which:.2f}",
                f"{row.acts:.2f}",
                f"{row.loglik:.2f}",
                str(row.parameters),
                f"{row.aic:.1f}",
                f"{row.bic:.1f}",
            )
        )
    return rows


def verdict(table: InSample) -> str:
    """One sentence: does the model beat the best baseline by AIC and by BIC, and by how much."""
    parts = []
    for criterion in ("aic", "bic"):
        best, margin = table.best(criterion), table.margin(criterion)
        result = "beats" if margin > 0 else "loses to"
        parts.append(
            f"by {criterion.upper()} the model {result} the best baseline "
            f"({best.name.replace('_', ' ')}) by {abs(margin):.1f}"
        )
    return "; ".join(parts)


def _sentence(text: str) -> str:
    """``text`` with its first letter capitalised (and nothing else) and a full stop."""
    return text[:1].upper() + text[1:] + "."


def likelihood_text(table: InSample) -> str:
    """The table as plain text, with its verdict and legend."""
    return "\n".join(
        [
            text_table(likelihood_rows(table)),
            "* best baseline by AIC, + by BIC; " + verdict(table),
        ]
    )


def likelihood_markdown(table: InSample) -> str:
    """The table as Markdown, with its verdict and legend."""
    return "\n\n".join(
        [
            markdown_table(likelihood_rows(table)),
            "`*` best baseline by AIC, `+` by BIC. " + _sentence(verdict(table)),
        ]
    )
