"""A sweep's cells, known before any job starts: expansion and the launch manifest.

`sweep_cells` expands a multirun's overrides into one override list per cell, the way Hydra's
basic sweeper numbers its jobs (the sweeper's ``params`` first, then the command line, a later
override of a key replacing an earlier one, the cartesian product in that order), using only
Hydra's public override parser. The launch writes a `Manifest` (``manifest.json`` in the sweep
folder) naming each cell's overrides and identity; aggregation reads exactly those cells.
"""

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from sim import __version__
from sim.core.errors import ConfigError
from sim.experiment.store import write_json

MANIFEST = "manifest.json"
MANIFEST_SCHEMA = 1


@dataclass(frozen=True)
class SweepPlan:
    """The cells of a sweep, in job order, and the keys that vary across them."""

    cells: list[list[str]]
    keys: list[str]


def sweep_cells(params: Mapping[str, Any], overrides: Sequence[str]) -> SweepPlan:
    """Expand the sweeper's ``params`` and the command line's task ``overrides`` into cells."""
    arguments = [f"{key}={value}" for key, value in params.items()] + list(overrides)
    choices: dict[str, list[str]] = {}
    varies: dict[str, bool] = {}  # per key, from its last override: a list, or the preset's
    parsed = OverridesParser.create().parse_overrides(arguments)
    for position, override in enumerate(parsed):
        key = override.get_key_element()
        if override.is_sweep_override():
            if not override.is_discrete_sweep():
                raise ConfigError(
                    f"{override.input_line}: only lists of values can be swept here "
                    "(e.g. us.pressure=0,0.5,1); ranges and intervals need another sweeper"
                )
            choices[key] = [f"{key}={value}" for value in override.sweep_string_iterator()]
            if not choices[key]:
                raise ConfigError(
                    f"{override.input_line} gives no values, so the sweep has no cell; "
                    "give at least one (e.g. range(0,1,0.5) or 0,0.5)"
                )
        else:
            choices[key] = [f"{key}={override.get_value_element_as_str()}"]
        varies[key] = override.is_sweep_override() or position < len(params)
    cells = [list(cell) for cell in itertools.product(*choices.values())]
    keys = [key.lstrip("+~") for key in choices if varies[key]]
    return SweepPlan(cells=cells, keys=keys)


def override_values(overrides: Sequence[str]) -> dict[str, Any]:
    """``{"us.pressure": 0.5, ...}`` from ``["us.pressure=0.5", ...]`` (YAML-typed values)."""
    values = {}
    for text in overrides:
        key, _, value = text.partition("=")
        values[key.lstrip("+~")] = yaml.safe_load(value) if value else None
    return values


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """(the task's overrides, every override that is not a list to sweep).

    A list given to one of Hydra's own keys is refused here, before the sweep's folder and
    manifest: Hydra refuses it only after they are written.
    """
    parsed = OverridesParser.create().parse_overrides(list(overrides))
    for o in parsed:
        if o.is_hydra_override() and o.is_sweep_override():
            raise ConfigError(
                f"{o.input_line}: Hydra's own settings cannot be swept",
                advice="sweep a model key on the command line (us.pressure=0,0.5), or list "
                "the values under hydra.sweeper.params in an experiment preset (docs/sweeps.md)",
            )
    task = [str(o.input_line) for o in parsed if not o.is_hydra_override()]
    fixed = [str(o.input_line) for o in parsed if not o.is_sweep_override()]
    return task, fixed


def hydra_settings(overrides: Sequence[str]) -> list[str]:
    """The overrides of Hydra's own node (``hydra.searchpath=...``) that are not sweeps.

    A cell's task overrides leave them out, but composing a cell needs them: a preset found
    through ``hydra.searchpath`` is not found without it.
    """
    parsed = OverridesParser.create().parse_overrides(list(overrides))
    return [
        str(o.input_line) for o in parsed if o.is_hydra_override() and not o.is_sweep_override()
    ]


def swept_keys(task: Sequence[str]) -> list[str]:
    """The keys the task's overrides sweep (``KEY=a,b``, ``KEY=interval(0,1)``, ...)."""
    parsed = OverridesParser.create().parse_overrides(list(task))
    return [str(o.get_key_element()) for o in parsed if o.is_sweep_override()]  # strategy@seoul


def basic_plan(cfg: DictConfig, task: Sequence[str]) -> SweepPlan:
    """The cells Hydra's basic sweeper runs for ``task`` and ``hydra.sweeper.params``."""
    node = OmegaConf.select(cfg, "hydra.sweeper.params")
    container = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else {}
    params = container if isinstance(container, dict) else {}
    return sweep_cells({str(k): v for k, v in params.items()}, task)


@dataclass(frozen=True)
class ManifestCell:
    """One cell of a launch: its job number, overrides, identity digest and seed.

    ``seed`` is None only in a manifest written before it was recorded.
    """

    cell: int
    overrides: list[str]
    identity: str
    seed: int | None = None


@dataclass(frozen=True)
class Manifest:
    """What one launch of a sweep asked for: its cells, swept keys, command and process."""

    command: str
    keys: list[str]
    cells: list[ManifestCell]
    pid: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``manifest.json``), with the package version that launched it."""
        return {"schema": MANIFEST_SCHEMA, "version": __version__, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Any) -> "Manifest":
        """Read the JSON form back; raise `ValueError` when it is malformed."""
        if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA:
            raise ValueError(f"not a sweep manifest of schema {MANIFEST_SCHEMA}")
        try:
            cells = [ManifestCell(**cell) for cell in data["cells"]]
            return cls(data["command"], list(data["keys"]), cells, int(data["pid"]))
        except (KeyError, TypeError) as problem:
            raise ValueError(f"missing or malformed entry ({problem})") from None

    def write(self, folder: Path) -> Path:
        """Write ``manifest.json`` into the sweep folder, atomically."""
        return write_json(self.to_dict(), Path(folder) / MANIFEST)


def read_manifest(folder: Path) -> Manifest:
    """The sweep folder's manifest; raise `ConfigError` when it is missing or malformed."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise ConfigError(
            f"{folder} has no {MANIFEST}, so which cells belong to the sweep is unknown; "
            "run the sweep again with escalation run -m (finished cells are kept)"
        )
    try:
        return Manifest.from_dict(json.loads(path.read_text()))
    except (ValueError, UnicodeDecodeError) as problem:
        raise ConfigError(f"{path} is not a sweep manifest ({problem})") from None
