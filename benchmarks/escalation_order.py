"""Study: what the order of Seoul's 2019 measures is worth to the fit and the free runs.

Run from the project root (about 2 minutes on the slow 2-core machine)::

    .venv/bin/python benchmarks/escalation_order.py [--replications 1000]

Until 2026-12-06 `scenarios/gsomia_2019` listed Seoul's measures in the order 2019 enacted
them, which put the white-list removal (intensity 0.60) and the GSOMIA notice (0.85) before the
Dokdo drills (0.50) and the WTO case (0.40), against the rule that lists run mildest first
(docs/coding.md). That order was read from the data the model is scored on, and it held the
conduct's `order` at its bound. The case now lists them by intensity. This study copies the
case into a temporary folder with Seoul's list in 2019's order of enactment (`ENACTED_ORDER`,
the list as it stood), and for the shipped case and that copy runs ``escalation calibrate``
(ML only, nothing written) and then ``escalation compare`` with the values that fit found, so
each row is a model fitted and simulated on its own order. It prints the conduct's fitted
order, the acts' log-likelihood (which the baselines share), the margins by AIC and BIC
(calibrate's: compare, given the values on the command line, would count them as hand-set,
k = 0), and the free runs' tension band coverage, outcome probability (raw, and once every
notice is settled) and milestone percentiles (docs/comparison.md, section 7.2, "The order of
Seoul's measures").
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ESCALATION = [sys.executable, "-m", "sim"]
CASE = ROOT / "scenarios" / "gsomia_2019"


# Seoul's measures in the order 2019 first enacted them: the case's list until 2026-12-06.
ENACTED_ORDER = (
    "court_rulings",
    "asset_seizure",
    "boycott",
    "whitelist_removal",
    "gsomia_notice",
    "dokdo_drills",
    "wto_case",
)


def enacted_order_case(folder: Path) -> Path:
    """A copy of the 2019 case whose Seoul list runs in 2019's order of enactment."""
    copy = folder / CASE.name
    shutil.copytree(CASE, copy)
    path = copy / "scenario.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    seoul = raw["measures"]["seoul"]
    seoul["list"] = sorted(seoul["list"], key=lambda m: ENACTED_ORDER.index(m["id"]))
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return copy


def escalation(*args: str) -> None:
    """Run an escalation command; stop with its error if it fails."""
    done = subprocess.run([*ESCALATION, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"escalation {' '.join(args)} failed:\n{done.stderr}")


def fitted_overrides(calibration: dict) -> list[str]:
    """The fit's values as command-line overrides: the keys, the keys tied to them, the conduct."""
    values = {row["key"]: row["estimate"] for row in calibration["estimates"]}
    for row in calibration["estimates"]:
        values |= {twin: row["estimate"] for twin in row["tied"]}
    values |= calibration["conduct"]
    return [f"{key}={value!r}" for key, value in values.items()]


def study(case: str, work: Path, replications: int) -> dict:
    """Calibrate on ``case``, then compare the refitted model with the real sequence."""
    fit, runs = work / "calibrate", work / "compare"
    escalation(
        "calibrate",
        f"scenario.name={case}",
        "calibrate.posterior=false",
        "calibrate.write=false",
        f"hydra.run.dir={fit}",
    )
    calibration = json.loads((fit / "calibration.json").read_text())
    escalation(
        "compare",
        f"scenario.name={case}",
        *fitted_overrides(calibration),
        f"run.replications={replications}",
        f"hydra.run.dir={runs}",
    )
    comparison = json.loads((runs / "comparison.json").read_text())
    return {"calibration": calibration, "comparison": comparison}


def row(name: str, found: dict) -> list[str]:
    """One line of the table."""
    fit, comparison = found["calibration"], found["comparison"]
    percentiles = "/".join(
        "start" if m["percentile"] is None else f"{100 * m['percentile']:.0f}"
        for m in comparison["milestones"]
    )
    return [
        name,
        f"{fit['conduct']['conduct.order']:.2f}",
        f"{fit['loglik']['model']['acts']:.2f}",
        f"{fit['margin_aic']:.1f}",
        f"{fit['margin_bic']:.1f}",
        f"{comparison['path']['band_coverage']:.0%}",
        f"{comparison['outcome_probability']:.1%}",
        f"{comparison['outcome_probability_settled']:.1%}",
        percentiles,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replications", type=int, default=1000)
    options = parser.parse_args()
    header = ["order", "conduct.order", "acts", "AIC margin", "BIC margin", "band"]
    header += ["outcome", "settled", "milestone percentiles"]
    lines = [header]
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        rows = (("by intensity (shipped)", "gsomia_2019"), ("2019's order", None))
        for i, (name, case) in enumerate(rows):
            folder = work / f"row{i}"  # a name Hydra's override parser reads as it is
            folder.mkdir()
            found = study(case or str(enacted_order_case(folder)), folder, options.replications)
            lines.append(row(name, found))
            print(f"done: {name}", file=sys.stderr, flush=True)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


if __name__ == "__main__":
    main()
