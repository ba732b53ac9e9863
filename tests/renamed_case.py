"""A copy of the shipped 2019 case with its actors renamed: a case of one's own, in a test."""

import shutil
from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[1] / "scenarios" / "gsomia_2019"


def renamed_case(folder: Path, renames: dict[str, str]) -> Path:
    """``folder/gsomia_2019``: the shipped case, each name in ``renames`` replaced in its
    scenario and events (``{"washington": "brussels"}``). Returns the case's folder, which a
    command takes as ``scenario.name=PATH``."""
    case = folder / "gsomia_2019"
    shutil.copytree(SHIPPED, case)
    for name in ("scenario.yaml", "events.csv"):
        path = case / name
        text = path.read_text()
        for old, new in renames.items():
            text = text.replace(old, new)
        path.write_text(text)
    return case
