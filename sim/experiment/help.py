"""``escalation run|compare|calibrate|explore --help``: the options of that command alone.

Hydra's ``--help`` lists every config group on the search path and the whole composed config,
so `escalation run --help` offered the ``explore`` group, and `escalation calibrate --help`
listed ``run.replications``, ``compare.*`` and ``train_events``, keys calibrate refuses
(`sim.experiment.unread`). This composes the same config with the same overrides and fills the
command's own help template (``hydra.help`` in its ``conf/*.yaml``) with the groups the
command reads and the keys it can read. Other Hydra flags (``--cfg``, ``--hydra-help``) still go
to Hydra.
"""

import string
from collections.abc import Callable, Sequence
from typing import Any, cast

HELP_FLAGS = ("-h", "--help")

#: Arguments the help leaves out: the help flags, and -m (a sweep's keys are a run's keys).
SKIPPED = (*HELP_FLAGS, "-m", "--multirun")

#: The config each Hydra command composes.
CONFIG_NAMES = {
    "run": "config",
    "compare": "compare",
    "calibrate": "calibrate",
    "explore": "explore",
}

MODEL_GROUPS = ("conduct", "fit", "payoffs", "scenario", "strategy", "us")

#: The config groups each command reads: the sweep presets (``experiment``) are for runs and
#: comparisons, the design presets (``explore``) for explorations.
GROUPS = {
    "run": (*MODEL_GROUPS, "experiment"),
    "compare": (*MODEL_GROUPS, "experiment"),
    "calibrate": MODEL_GROUPS,
    "explore": (*MODEL_GROUPS, "explore"),
}


#: How a group is listed when it is not picked as ``group=option``.
LABELS = {"experiment": "+experiment (added, not picked; the sweep presets with -m)"}


def with_help(command: str, body: Callable[[list[str]], None]) -> Callable[[list[str]], None]:
    """``body``, except that ``-h``/``--help`` among its arguments prints the command's help."""

    def run(args: list[str]) -> None:
        if any(a in HELP_FLAGS for a in args):
            print(command_help(command, [a for a in args if a not in SKIPPED]))
            return
        body(args)

    return run


def command_help(command: str, overrides: Sequence[str]) -> str:
    """The help text of ``command`` under ``overrides`` (`ConfigError` if they do not compose)."""
    from omegaconf import OmegaConf

    from sim.experiment.launch import compose

    if command == "explore":
        from sim.experiment.explore.options import register_explore

        register_explore()
    cfg = compose(overrides, CONFIG_NAMES[command])
    template = str(cfg.hydra.help.template)
    keys = cast(dict[str, Any], OmegaConf.to_container(cfg, resolve=False))
    del keys["hydra"]
    for key in never_read(command):
        drop(keys, key)
    options = group_options(GROUPS[command])
    groups = "\n".join(f"{LABELS.get(g, g)}: {', '.join(options[g])}" for g in sorted(options))
    config = OmegaConf.to_yaml(keys) + switched_section(command)
    return (
        string.Template(template)
        .safe_substitute(APP_CONFIG_GROUPS=groups, CONFIG=config, HYDRA_CONFIG_GROUPS="")
        .rstrip()
    )


#: Keys a command refuses with an error of its own rather than as unread: a comparison's
#: weeks are its events file's (`sim.analysis.case`).
REFUSED = {"compare": ("run.weeks",), "calibrate": ("run.weeks",)}


def never_read(command: str) -> list[str]:
    """The keys ``command`` never reads, whatever its switches (`sim.experiment.unread`)."""
    from sim.experiment.unread import UNREAD

    unread = [key for rule in UNREAD.get(command, ()) if rule.on is None for key in rule.keys]
    return [*unread, *REFUSED.get(command, ())]


def switched_section(command: str) -> str:
    """The help's list of keys ``command`` reads only when a switch is on ('' if none).

    Listed with the other keys but unmarked, such a key looked as if it always counted, and
    setting it without its switch is refused (`sim.experiment.unread`): the list says which.
    """
    from sim.experiment.unread import UNREAD

    lines = [
        f"  {', '.join(rule.keys)}: only with {rule.switch}"
        for rule in UNREAD.get(command, ())
        if rule.on is not None
    ]
    return "\n== Keys read only with a switch ==\n" + "\n".join(lines) + "\n" if lines else ""


def drop(keys: dict[str, Any], dotted: str) -> None:
    """Remove ``dotted`` (``run.replications``, ``compare``) from nested ``keys``, if there."""
    *path, leaf = dotted.split(".")
    node: Any = keys
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(leaf, None)


def group_options(groups: Sequence[str]) -> dict[str, list[str]]:
    """The options of each config group, as Hydra finds them (files and registered schemas)."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.core.folders import CONF_DIR

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        return {group: loader.get_group_options(group) for group in groups}
