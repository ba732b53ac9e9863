"""Print a scenario's coding table (scenarios/<name>/coding.csv) as Markdown, for docs/coding.md.

Usage: .venv/bin/python scripts/coding_table.py gsomia_2019
"""

import csv
import sys

from sim.core.scenario_yaml import load_scenario


def table(name: str) -> str:
    """The coding rows of a scenario as a Markdown table."""
    scenario = load_scenario(name)
    rows = list(csv.DictReader((scenario.folder / "coding.csv").open(encoding="utf-8")))
    lines = [
        "| date | actor | move | coded as | measure | reason |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        cells = [r["date"], r["actor"], f"`{r['move']}`", r["code"], r["measure"], r["reason"]]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(sys.argv[1] if len(sys.argv) > 1 else "gsomia_2019"))
