"""The variants study's symmetric variant follows the committed keys (loco_variants.py)."""

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from loco_variants import symmetric  # a study script beside the package


def test_the_symmetric_variant_ties_each_sides_key_to_its_twin():
    committed = [
        "seoul.activity",
        "seoul.provocation+tokyo.provocation:0.001:10:log",
        "payoffs.audience.tokyo:0.01:100:log",
        "payoffs.pressure.seoul:0.01:100:log",
        "payoffs.pressure.tokyo:0.01:100:log",
        "payoffs.deadline:0.01:1000:log",
    ]
    assert symmetric(committed) == [
        "seoul.activity+tokyo.activity",
        "seoul.provocation+tokyo.provocation:0.001:10:log",
        "payoffs.audience.seoul+payoffs.audience.tokyo:0.01:100:log",
        "payoffs.pressure.seoul+payoffs.pressure.tokyo:0.01:100:log",
        "payoffs.deadline:0.01:1000:log",
    ]


def test_the_symmetric_variant_of_the_shipped_keys_names_no_side_alone():
    params = yaml.safe_load(Path("conf/calibrate.yaml").read_text())["params"]
    for spec in symmetric(params):
        parts = spec.split(":")[0].split("+")
        sides = [p for p in parts if {"seoul", "tokyo"} & set(p.split("."))]
        assert len(sides) in (0, 2), spec
