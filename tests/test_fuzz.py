"""Fuzz the boundaries: config overrides, events files and stored configs (game records).

No input may end in anything but a valid result or an `EscalationError` (one line at the CLI):
no other exception, and no NaN or infinity in what is accepted or computed.
"""

import csv
import dataclasses
import io
import json
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.core.errors import EscalationError
from sim.core.metrics import OUTCOMES
from sim.core.scenario_yaml import load_scenario
from sim.experiment.config import check_seed, config_from_dict, default_config, load_config
from sim.experiment.factory import build_scenario, horizon, read_events
from sim.experiment.job import simulate
from sim.history import COLUMNS, encode

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def all_finite(obj: Any) -> bool:
    """Whether every number in ``obj`` (dataclasses, dicts, lists, arrays) is finite."""
    if dataclasses.is_dataclass(obj):
        return all(all_finite(getattr(obj, f.name)) for f in dataclasses.fields(obj))
    if isinstance(obj, dict):
        return all(all_finite(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return all(all_finite(v) for v in obj)
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, np.ndarray):
        return bool(np.all(np.isfinite(obj)))
    return True


KEYS = [
    "us.pressure",
    "us.delay",
    "us.baseline",
    "seoul.noise",
    "tokyo.activity",
    "seoul.rationality",
    "payoffs.audience.seoul",
    "payoffs.cooperation_reward",
    "payoffs.stage.seoul",
    "run.weeks",
    "run.seed",
    "run.replications",
    "scenario.start",
    "scenario.end",
    "+run.foo",
    "us.presure",
    "+seoul.nois",
    "+scenario.initial_rungs.tokyo",
]
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
)
VALUES = st.one_of(
    NUMBERS.map(repr),
    st.sampled_from(["nan", "-inf", "null", "''", "[[1,2],[3,nan]]", "[[1,2],[3]]", "[1]"]),
    st.sampled_from(["2019-06-03", "0001-01-01", "9999-12-27", "2019-13-01", "export_controls"]),
    st.text(alphabet="abc019._-[],:=+' ", max_size=12),
)


@pytest.mark.slow
@FUZZ
@given(st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=3))
def test_any_overrides_give_a_clean_config_or_one_error(pairs):
    overrides = [f"{key}={value}" for key, value in pairs]
    try:
        config = load_config(["run.progress=false", *overrides])
        scenario = build_scenario(config.scenario)
        weeks = horizon(config, scenario)
    except EscalationError as problem:
        assert str(problem) and "\n" not in str(problem)
        event("refused")
        return
    event("accepted")
    assert all_finite(config)
    small = dataclasses.replace(
        config, run=dataclasses.replace(config.run, replications=5, weeks=min(weeks, 4))
    )
    summary = simulate(small).summary
    json.dumps(summary.to_dict(), allow_nan=False)  # no NaN or infinity in the results


MOVE_IDS = ["announce_export_controls_three_chemicals", "file_wto_complaint", "Bad Id", "x"]
ROWS = st.fixed_dictionaries(
    {
        "date": st.one_of(
            st.dates().map(str), st.sampled_from(["2019-07-01", "2019-7-1", "", "yesterday"])
        ),
        "actor": st.sampled_from(["seoul", "tokyo", "washington", "pyongyang", ""]),
        "domain": st.sampled_from(["legal", "trade", "security", "diplomatic", "society", "x"]),
        "direction": st.sampled_from(["retaliate", "pressure", "cooperate", "neutral", "up"]),
        "move": st.one_of(st.sampled_from(MOVE_IDS), st.text(max_size=10)),
        "description": st.text(max_size=40),
        "source": st.one_of(st.just("https://example.org"), st.text(max_size=5)),
    }
)


def events_bytes(rows: list[dict], header: list[str], encoding: str) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return text.getvalue().encode(encoding, errors="replace")


@FUZZ
@given(
    st.lists(ROWS, max_size=8),
    st.sampled_from([list(COLUMNS), list(COLUMNS)[:-1], ["date", *COLUMNS]]),
    st.sampled_from(["utf-8", "latin-1", "utf-16"]),
    st.binary(max_size=20),
)
def test_any_events_file_gives_a_clean_path_or_one_error(tmp_path, rows, header, encoding, junk):
    path = tmp_path / "events.csv"
    path.write_bytes(events_bytes(rows, header, encoding) + junk)
    scenario = load_scenario("gsomia_2019")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            real = encode(read_events(path), scenario)
    except EscalationError as problem:
        assert str(problem) and "\n" not in str(problem)
        event("refused")
        return
    event("accepted")
    assert np.all(np.isfinite(real.tension)) and np.all((real.tension >= 0) & (real.tension <= 1))
    assert real.outcome in OUTCOMES


LEAVES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=6),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def paths_of(data: Any, prefix: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        found = [prefix] if prefix else []
        for key, value in data.items():
            found += paths_of(value, (*prefix, key))
        return found
    if isinstance(data, list):
        return [prefix] + [p for i, v in enumerate(data) for p in paths_of(v, (*prefix, i))]
    return [prefix]


@FUZZ
@given(st.data())
def test_any_tampered_stored_config_is_refused_or_clean(default, data):
    stored = dataclasses.asdict(default)
    path = data.draw(st.sampled_from(paths_of(stored)))
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    node = stored
    for key in path[:-1]:
        node = node[key]
    if action == "replace":
        node[path[-1]] = data.draw(LEAVES)
    elif action == "delete" and isinstance(node, dict):
        del node[path[-1]]
    elif isinstance(node, dict):
        node[data.draw(st.text(min_size=1, max_size=6))] = data.draw(LEAVES)
    seed = data.draw(st.one_of(st.integers(min_value=-5, max_value=2**33), st.floats()))
    try:
        check_seed(seed, "seed")
        config = config_from_dict(stored)
        horizon(config, build_scenario(config.scenario))
    except EscalationError as problem:
        assert str(problem) and "\n" not in str(problem)
        event("refused")
        return
    event("accepted")
    assert all_finite(config)
    assert 0 <= config.run.seed < 2**32 and 1 <= config.run.replications <= 10_000_000


def test_the_fuzzed_defaults_are_the_shipped_defaults():
    assert config_from_dict(dataclasses.asdict(default_config())) == default_config()
