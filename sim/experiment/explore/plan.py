"""The start of an exploration: check everything, draw the design, write it down.

`plan_exploration` runs once, in the process that launches the jobs, before any job starts:
it turns the composed config into the input space and the design, composes one model config
per combination of categorical levels (a *group*), and writes the design, the groups and a
manifest into the result folder. Jobs read those files, so every launcher evaluates the very
same design.
"""

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf, open_dict

from sim import __version__
from sim.core.errors import ConfigError
from sim.core.params import lookup
from sim.experiment.config import Config, config_folders, config_from_dict, to_config
from sim.experiment.explore.design import Design, draw_design
from sim.experiment.explore.models import Evaluator, evaluator
from sim.experiment.explore.options import OUTCOMES, ExploreJobConfig
from sim.experiment.explore.space import build_space
from sim.experiment.factory import build_scenario
from sim.experiment.identity import config_hash
from sim.experiment.store import write_json, write_parquet
from sim.history import real_path

DESIGN = "design.parquet"
DESIGN_UNIT = "design_unit.parquet"
GROUPS = "groups.json"
MANIFEST = "explore.json"


def explore_config(cfg: DictConfig) -> ExploreJobConfig:
    """The validated config of `escalation explore` (the ``hydra`` node, if any, left out)."""
    folders = config_folders(cfg.hydra) if "hydra" in cfg else None  # a fit of one's own
    cfg = cfg.copy()
    with open_dict(cfg):
        cfg.pop("hydra", None)
    config = to_config(cfg, folders)
    if not isinstance(config, ExploreJobConfig):
        raise ConfigError("this is not an `escalation explore` configuration (no explore node)")
    return config


def explore_hash(config: ExploreJobConfig) -> str:
    """The hash of an exploration's config, the same in every chunk's job."""
    return config_hash(replace(config, explore=replace(config.explore, chunk=-1)))


def model_config(config: Config) -> Config:
    """The plain model config inside an exploration's config."""
    return Config(
        scenario=config.scenario,
        payoffs=config.payoffs,
        seoul=config.seoul,
        tokyo=config.tokyo,
        us=config.us,
        conduct=config.conduct,
        fit=config.fit,
        run=config.run,
    )


@dataclass
class Plan:
    """A checked exploration: its config, evaluator, design and one model config per group."""

    config: ExploreJobConfig
    evaluator: Evaluator
    design: Design
    table: pd.DataFrame
    groups: list[dict[str, Any]]
    outcomes: list[str]
    left_out: dict[str, str] = field(default_factory=dict)  # requested, not measurable: why
    notice: str | None = None  # what the case's notice threatens (GSOMIA); None: no rule


def left_out_line(left_out: dict[str, str]) -> str | None:
    """One line naming the outcomes left out and why, or None when none is."""
    if not left_out:
        return None
    reasons = sorted(set(left_out.values()))
    return f"{', '.join(left_out)} left out: {'; '.join(reasons)}"


def check_outcomes(
    config: ExploreJobConfig, available: list[str], left_out: dict[str, str] | None = None
) -> list[str]:
    """The requested outcomes this model can measure; an unknown name is a `ConfigError`.

    An outcome in ``left_out`` (one the case cannot give) is dropped, and may still be the
    PRIM outcome: the report then says there is no box, and why.
    """
    left_out = left_out or {}
    for name in config.explore.outcomes:
        if name not in available and name not in OUTCOMES:
            raise ConfigError(
                f"explore.outcomes: {name!r} is not an outcome; choose among {', '.join(available)}"
            )
    chosen = [o for o in config.explore.outcomes if o in available]
    if not chosen:
        why = f" ({line})" if (line := left_out_line(left_out)) else ""
        raise ConfigError(f"explore.outcomes: none of these can be measured{why}; use {available}")
    if config.explore.prim.outcome not in chosen and config.explore.prim.outcome not in left_out:
        raise ConfigError(
            f"explore.prim.outcome={config.explore.prim.outcome!r} is not among the outcomes "
            f"measured ({', '.join(chosen)})",
            advice=f"set explore.prim.outcome={chosen[0]} (with a threshold on its scale), or "
            f"add {config.explore.prim.outcome} to explore.outcomes",
        )
    prim = config.explore.prim
    if (prim.outcome.startswith("p_") or prim.outcome == "peak_tension") and not (
        0.0 < prim.threshold <= 1.0
    ):  # a 22-minute exploration that cannot find a box: of interest is y >= t (above), y < t
        raise ConfigError(
            f"explore.prim.threshold={prim.threshold:g}: {prim.outcome} runs from 0 to 1, so no "
            "design point (or every one) would be of interest; give a threshold above 0, at "
            "most 1"
        )
    return chosen


def group_configs(
    config: ExploreJobConfig,
    plan_table: pd.DataFrame,
    categorical: list[str],
    numeric: list[str],
    model: Evaluator,
    compose: Callable[[list[str]], DictConfig],
) -> list[dict[str, Any]]:
    """One model config per group, composed with the group's levels as config-group choices.

    Raises:
        ConfigError: when a numeric input does not exist under some group's choices.
    """
    groups = []
    first = plan_table.drop_duplicates("group").sort_values("group")
    for _, row in first.iterrows():
        levels = {key: str(row[key]) for key in categorical}
        if levels:
            overrides = [f"{model.choices[key]}={level}" for key, level in levels.items()]
            group = model_config(explore_config(compose(overrides)))
        else:
            group = model_config(config)
        for key in numeric:
            try:
                lookup(model.schema(group), key)
            except KeyError:
                chosen = ", ".join(f"{k}={v}" for k, v in levels.items())
                raise ConfigError(
                    f"explore: input {key} does not exist when {chosen}; drop it "
                    f"(explore.exclude=[{key}]) or that level"
                ) from None
        groups.append({"group": int(row["group"]), "levels": levels, "config": asdict(group)})
    return groups


def plan_exploration(cfg: DictConfig, compose: Callable[[list[str]], DictConfig]) -> Plan:
    """Check the config, build the input space and draw the design; raise `ConfigError`.

    ``compose`` composes the app's config with extra overrides (for the groups' levels).
    """
    config = explore_config(cfg)
    options = config.explore
    model = evaluator(options)
    sides: tuple[str, ...] = ()
    if options.model == "escalation":  # a malformed events file: its one line before any chunk
        scenario = build_scenario(config.scenario)
        sides = scenario.sides
        if scenario.events_path is not None:
            real_path(scenario)
    left_out = {o: why for o, why in model.left_out(config).items() if o in options.outcomes}
    outcomes = check_outcomes(config, model.outcomes(config), left_out)
    space = build_space(
        model.schema(config),
        list(options.inputs) if options.inputs is not None else None,
        list(options.exclude),
        options.ranges,
        options.levels,
        model.levels(),
        model.optional(),
        sides,
    )
    design = draw_design(space, options.design, config.run.seed)
    if options.chunks > design.points:  # Hydra would start the empty chunks as jobs too
        raise ConfigError(
            f"explore.chunks={options.chunks} is more than the design's {design.points} points",
            advice=f"give at most explore.chunks={design.points}",
        )
    table = design.table()
    groups = group_configs(config, table, space.categorical, space.numeric, model, compose)
    return Plan(config, model, design, table, groups, outcomes, left_out, model.notice(config))


def manifest(plan: Plan, command: str) -> dict[str, Any]:
    """explore.json: what was explored, how, by which command and version."""
    options = plan.config.explore
    return {
        "command": command,
        "version": __version__,
        "seed": plan.config.run.seed,
        "config_hash": explore_hash(plan.config),
        "model": options.model,
        "scenario": plan.config.scenario.name,
        "fit": plan.config.fit if options.model == "escalation" else None,
        "method": plan.design.method.value,
        "n": plan.design.n,
        "second_order": plan.design.second_order,
        "morris_levels": plan.design.levels,
        "points": plan.design.points,
        "replications": options.replications if options.model == "escalation" else 1,
        "chunks": min(options.chunks, plan.design.points),
        "outcomes": plan.outcomes,
        "left_out": plan.left_out,
        "notice": plan.notice,
        "prim": asdict(options.prim),
        "pressure_effect": asdict(options.pressure_effect),
        "bootstrap": options.bootstrap,
        "confidence": options.confidence,
        "inputs": plan.design.space.table().to_dict(orient="records"),
        "groups": [{"group": g["group"], "levels": g["levels"]} for g in plan.groups],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def write_plan(plan: Plan, folder: Path, command: str) -> bool:
    """Write the design, the groups and the manifest; keep them when already there (resume).

    Returns True when a finished plan with the same config hash was already in ``folder``.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if path.is_file() and (folder / DESIGN).is_file() and (folder / GROUPS).is_file():
        old = json.loads(path.read_text())
        if old.get("config_hash") == explore_hash(plan.config):
            return True
    write_parquet(plan.table, folder / DESIGN)
    write_parquet(plan.design.unit_table(), folder / DESIGN_UNIT)
    write_json({"groups": plan.groups}, folder / GROUPS)
    write_json(manifest(plan, command), path)
    return False


def read_groups(folder: Path) -> dict[int, Config]:
    """Each group's model config, as the plan wrote it."""
    data = json.loads((Path(folder) / GROUPS).read_text())
    return {g["group"]: config_from_dict(g["config"]) for g in data["groups"]}


def search_path_of(cfg: DictConfig) -> list[str]:
    """The ``hydra.searchpath=...`` override of a multirun, if the user gave one.

    Composing the config again (a level of a categorical input) needs it: without it a preset
    found through the search path (a fit of one's own) is not found.
    """
    given = list(OmegaConf.select(cfg, "hydra.overrides.hydra") or [])
    return [o for o in given if o.lstrip("+~").split("=")[0] == "hydra.searchpath"]


def overrides_of(cfg: DictConfig) -> list[str]:
    """The user's command-line overrides of a multirun (the sweeper's own keys left out)."""
    task = list(OmegaConf.select(cfg, "hydra.overrides.task") or [])
    return [o for o in task if not o.lstrip("+~").startswith("explore.chunk=")]
