"""The fitted model: the values `escalation calibrate` wrote, applied by default.

A fit lives in the config tree as ``conf/fit/<name>.yaml``: a Hydra preset (package
``_global_``) that sets the fitted keys; ``escalation run`` includes ``fit: gsomia_2019`` in its
defaults list, and a bare `EscalationModel()` applies the same file through `fitted_params`,
so both run the fitted model (``fit=none`` gives the hand-set values of `sim.core.params`).
Beside it, ``<name>.json`` records what was fitted (the keys, the parameter count, the
log-likelihood, how and when) and ``<name>.posterior.parquet`` holds posterior draws, which a
run can give each replication (``run.posterior=true``).
"""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.core.errors import ConfigError
from sim.core.folders import CONF_DIR
from sim.core.params import ModelParams, with_values

#: The fit every run uses unless told otherwise.
DEFAULT_FIT = "gsomia_2019"


def fit_folder() -> Path:
    """Where fits live: ``conf/fit``."""
    return CONF_DIR / "fit"


def _flatten(node: dict, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys: {"a": {"b": 1}} -> {"a.b": 1}."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            out |= _flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def fit_file(name: str, config_folders: Sequence[str | Path] = ()) -> Path:
    """The file the preset ``fit=<name>`` is read from.

    ``conf/fit/<name>.yaml``, else the first ``<folder>/fit/<name>.yaml`` among
    ``config_folders`` (the folders ``hydra.searchpath`` adds, in Hydra's order); the
    ``conf/fit`` path when none holds it.
    """
    shipped = fit_folder() / f"{name}.yaml"
    for path in (shipped, *(Path(f) / "fit" / f"{name}.yaml" for f in config_folders)):
        if path.is_file():
            return path
    return shipped


def hidden_fits(name: str, config_folders: Sequence[str | Path]) -> list[Path]:
    """Presets ``<folder>/fit/<name>.yaml`` of ``config_folders`` that a shipped fit hides.

    ``conf/`` comes first on Hydra's search path, so a fit of one's own given a shipped fit's
    name is never run, and nothing else would say so.
    """
    shipped = fit_folder() / f"{name}.yaml"
    if not shipped.is_file():
        return []
    found = (Path(f) / "fit" / f"{name}.yaml" for f in config_folders)
    return [p for p in found if p.is_file() and p.resolve() != shipped.resolve()]


def fit_values(name: str = DEFAULT_FIT, path: Path | None = None) -> dict[str, float]:
    """The fitted keys and values of ``conf/fit/<name>.yaml``, or of ``path`` when given."""
    path = path or fit_folder() / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"no fit {name!r}: {path} does not exist")
    data = yaml.safe_load(path.read_text()) or {}
    data.pop("defaults", None)
    data.pop("fit", None)
    return {key: float(value) for key, value in _flatten(data).items()}


def fitted_params(name: str = DEFAULT_FIT, base: ModelParams | None = None) -> ModelParams:
    """``base`` (default: the hand-set values) with the fit ``name`` applied.

    Without a fit file (a fresh checkout before the first calibration) the base is returned.
    """
    if not (fit_folder() / f"{name}.yaml").is_file():
        return base or ModelParams()
    return with_values(base or ModelParams(), fit_values(name))


def fit_record(
    name: str = DEFAULT_FIT, config_folders: Sequence[str | Path] = ()
) -> dict[str, Any] | None:
    """What a fit recorded about itself, or None without a record.

    The record is ``<name>.json`` beside the fit's preset (`fit_file`).
    """
    path = fit_file(name, config_folders).with_suffix(".json")
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as problem:  # JSONDecodeError too
        raise ConfigError(f"{path}: {_damaged(problem)}") from None
    if not isinstance(record, dict):
        raise ConfigError(f"{path}: {_damaged(ValueError('not a JSON object'))}")
    if wrong := record_problem(record):
        raise ConfigError(f"{path}: {_damaged(ValueError(wrong))}")
    return record


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _are_names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _names_to_names(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


#: What the fields of a fit's record must hold, as `escalation calibrate` writes them, and
#: whether a record may lack them (older records have no convergence flags).
RECORD_FIELDS: dict[str, tuple[str, Any, bool]] = {
    "parameters": ("a count of parameters", lambda v: _is_int(v) and v >= 0, True),
    "keys": ("a list of fitted keys", _are_names, True),
    "scenario": ("a scenario's name", lambda v: isinstance(v, str) and v != "", True),
    "params": ("a list of search entries", _are_names, False),
    "conduct_keys": ("a list of keys", _are_names, False),
    "tied": ("a mapping of keys to keys", _names_to_names, False),
    "rules": ("a mapping of sides to rules", _names_to_names, False),
    "events": ("an events file's path", lambda v: v is None or isinstance(v, str), False),
    "ml_converged": ("true or false", lambda v: v is None or isinstance(v, bool), False),
    "posterior_converged": ("true or false", lambda v: v is None or isinstance(v, bool), False),
}


def record_problem(record: dict[str, Any]) -> str | None:
    """What is wrong with a fit's record (a field missing or of the wrong kind), or None.

    A record that is valid JSON but lacks its count of parameters, or holds "no" where true or
    false belongs, ended `compare` in a KeyError or passed a check unseen.
    """
    for field, (kind, holds, required) in RECORD_FIELDS.items():
        if field not in record:
            if required:
                return f"it has no {field!r}"
        elif not holds(record[field]):
            return f"its {field!r} is {json.dumps(record[field])[:40]}, not {kind}"
    return None


def posterior_file(name: str = DEFAULT_FIT, config_folders: Sequence[str | Path] = ()) -> Path:
    """Where a fit's posterior draws are: ``<name>.posterior.parquet`` beside its preset."""
    return fit_file(name, config_folders).with_suffix(".posterior.parquet")


def posterior_draws(
    name: str = DEFAULT_FIT, config_folders: Sequence[str | Path] = ()
) -> pd.DataFrame | None:
    """A fit's posterior draws (one column per key), or None without them (`posterior_file`)."""
    path = posterior_file(name, config_folders)
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as problem:  # pyarrow's ArrowInvalid is a ValueError
        raise ConfigError(f"{path}: {_damaged(problem)}") from None


def _damaged(problem: BaseException) -> str:
    """Why a fit's file cannot be read, and what to do: write the fit again."""
    reason = (str(problem).strip().splitlines() or [type(problem).__name__])[0]
    return f"cannot be read ({reason}); restore it, or run `escalation calibrate` again"
