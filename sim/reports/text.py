"""Text that people typed, made inert before it goes into Markdown or HTML."""

import html
import re

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def markdown_text(text: object) -> str:
    """User text for a Markdown page: shown as typed, never a link, image, tag or table cell."""
    flat = " ".join(str(text).split())
    return MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def signed(value: float, digits: int = 1) -> str:
    """A number with its sign and ``digits`` decimals (``+3.2``).

    A number that rounds to zero reads ``+0.0``, never ``-0.0`` (a payoff of -0.001 is no loss).
    """
    rounded = round(float(value), digits) + 0.0  # adding +0.0 turns -0.0 into 0.0
    return f"{rounded:+.{digits}f}"


def plural(count: int, noun: str) -> str:
    """``1 chunk``, ``8 chunks``: a count and its noun as a sentence says them."""
    return f"{count} {noun}{'s' * (count != 1)}"


def week_count(count: int) -> str:
    """``1 week``, ``2 weeks``."""
    return plural(count, "week")


def listing(names: list[str]) -> str:
    """Names as a sentence lists them: ``Seoul, Tokyo and Washington``, ``Seoul and Tokyo``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def cell_count(count: int) -> str:
    """``1 cell``, ``11 cells``: a number of sweep cells."""
    return plural(count, "cell")


def share(value: float) -> str:
    """A share as a percentage, with a decimal when it is small or nearly all.

    ``0.3%``, ``42%``, ``99.9%``: a share that is not all is never shown as ``100%`` (nor one
    that is not none as ``0%``), which would contradict the text that gives it to a decimal.
    """
    whole = f"{value:.0%}"
    if value == 0 or value == 1 or (value >= 0.1 and whole != "100%"):
        return whole
    tenth = f"{value:.1%}"
    return "over 99.9%" if tenth == "100.0%" else tenth
