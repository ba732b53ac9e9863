"""Check a scenario's coding.csv against the coding protocol, then print it as Markdown.

Usage: .venv/bin/python scripts/coding_table.py NAME_OR_FOLDER   (default: gsomia_2019)

The table is docs/coding.md's. A coding.csv that disagrees with the protocol's coding of the
events file (`sim.history.code_events`), row by row, is refused with one line naming the first
row at fault, as `tests/test_history.py` checks the shipped cases: a case kept outside
scenarios/ gets the same check here.
"""

import csv
import sys

from sim.core.errors import EscalationError
from sim.core.scenario import Scenario
from sim.core.scenario_yaml import load_scenario
from sim.history import code_events, load_events

HEADER = ("date", "actor", "move", "code", "measure", "reason")


def coding_rows(scenario: Scenario) -> list[dict[str, str]]:
    """The rows of the scenario's coding.csv, checked against the protocol.

    Raises `EscalationError` naming the file and the first row that disagrees.
    """
    path = scenario.folder / "coding.csv" if scenario.folder else None
    if path is None or not path.is_file():
        raise EscalationError(f"{path}: no coding.csv; write it as scenarios/README.md says")
    if scenario.events_path is None:
        raise EscalationError(f"{path}: the case names no events file for it to code")
    with path.open(newline="", encoding="utf-8-sig") as handle:  # Excel's BOM too
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != HEADER:
            raise EscalationError(f"{path}: the header must be {','.join(HEADER)}")
        rows = list(reader)
    coded = code_events(load_events(scenario.events_path, scenario.actors), scenario)
    if len(rows) != len(coded):
        raise EscalationError(
            f"{path}: {len(rows)} rows for the {len(coded)} rows of the events file; keep one "
            "row per events row, in the same order"
        )
    for number, (row, c) in enumerate(zip(rows, coded, strict=True), start=2):
        event = c.event
        want = (event.date.isoformat(), event.actor, event.move, c.code.value, c.measure)
        have = tuple(row.get(k) or "" for k in HEADER[:5])  # a short row lacks some
        if have != want:
            raise EscalationError(
                f"{path}, line {number}: {','.join(have)}; the protocol codes events line "
                f"{event.line} as {','.join(want)}"
            )
        if not (row.get("reason") or "").strip():
            raise EscalationError(f"{path}, line {number}: the reason is empty; say why")
    return rows


def table(name: str) -> str:
    """The coding rows of a scenario as a Markdown table."""
    rows = coding_rows(load_scenario(name))
    lines = [
        "| date | actor | move | coded as | measure | reason |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        cells = [r["date"], r["actor"], f"`{r['move']}`", r["code"], r["measure"], r["reason"]]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    try:
        print(table(sys.argv[1] if len(sys.argv) > 1 else "gsomia_2019"))
    except (EscalationError, OSError, UnicodeDecodeError, csv.Error) as problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
