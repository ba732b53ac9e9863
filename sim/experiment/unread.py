"""Overrides a command would not read: refused with one line rather than silently ignored.

Some options of `escalation compare` and `escalation calibrate` are read only when a switch is
on (``calibrate.cases`` only with ``calibrate.loco=true``), and some are not read by the
command at all (``train_events`` is `escalation compare`'s; `escalation explore` takes its
runs per point from ``explore.replications``, not ``run.replications``). Ignored, such a key
leaves the user believing a fit or a score used it, and a calibration can take an hour before
anyone notices. Only the overrides as typed are checked: a config file that sets a key for a
later run is not refused. An override of ``run.weeks`` has its own error (`sim.analysis.case`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sim.core.errors import ConfigError


@dataclass(frozen=True)
class ReadOnlyWith:
    """``keys`` (and the keys under them) are read only when ``on(config)`` holds.

    ``switch`` says, as the user would type it, what turns them on; ``on`` is None for keys
    the command never reads, and then ``switch`` says what reads them instead.
    """

    keys: tuple[str, ...]
    switch: str
    on: Callable[[Any], bool] | None = None

    def covers(self, key: str) -> bool:
        """Whether the override of ``key`` sets one of these keys or a key under them."""
        return any(key == k or key.startswith(f"{k}.") for k in self.keys)

    @property
    def switch_keys(self) -> list[str]:
        """The keys that turn these keys on (none for keys never read)."""
        return [part.split("=")[0] for part in self.switch.split(" or ")] if self.on else []

    def message(self, key: str, command: str) -> str:
        """The one line for an override of ``key`` that ``command`` would not read."""
        if self.on is None:
            return f"escalation {command} does not read {key}: {self.switch}; drop {key}"
        return f"{key} is read only with {self.switch}: add {self.switch}, or drop {key}"


#: The run options `escalation calibrate` does not read (``run.weeks`` has its own error);
#: `escalation explore` reads ``run.weeks`` but none of these either.
RUN_KEYS = ("replications", "trajectories", "posterior", "follow", "objective", "progress")

#: For each command, the keys it reads only under a switch, or never.
UNREAD: dict[str, tuple[ReadOnlyWith, ...]] = {
    "compare": (
        ReadOnlyWith(("compare.origin",), "compare.rolling=true", lambda c: c.compare.rolling),
        ReadOnlyWith(
            ("run.trajectories", "run.follow"),
            "it keeps every run's path and follows every notice past the end",
        ),
        ReadOnlyWith(("run.objective",), "it is escalation run's, for optimising sweeps"),
        ReadOnlyWith(("run.progress",), "it shows no progress bar (escalation run does)"),
    ),
    "explore": (
        ReadOnlyWith(("run.replications",), "explore.replications sets the runs at each point"),
        ReadOnlyWith(  # set by hand, its chunk ran and the others never did, forever
            ("explore.chunk",),
            "the sweep sets each job's chunk itself (explore.chunks sets how many)",
        ),
        ReadOnlyWith(
            ("explore.design.levels",),
            "explore.design.method=morris or explore=morris",
            lambda c: c.explore.design.method == "morris",
        ),
        ReadOnlyWith(
            ("explore.design.second_order",),
            "explore.design.method=sobol or explore=sobol",
            lambda c: c.explore.design.method == "sobol",
        ),
        ReadOnlyWith(
            tuple(f"run.{k}" for k in RUN_KEYS if k != "replications"),
            "of the run options it reads run.seed and run.weeks alone",
        ),
    ),
    "calibrate": (
        ReadOnlyWith(
            ("train_events",),
            "it fits the model and the baselines alike on events= (train_events is "
            "escalation compare's)",
        ),
        ReadOnlyWith(
            ("compare",),
            "its own options are calibrate.* (calibrate.rolling, calibrate.origin)",
        ),
        ReadOnlyWith(
            tuple(f"run.{k}" for k in RUN_KEYS),
            "of the run options it reads run.seed alone (the others set escalation run's "
            "and escalation compare's runs)",
        ),
        ReadOnlyWith(("calibrate.cases",), "calibrate.loco=true", lambda c: c.calibrate.loco),
        ReadOnlyWith(("calibrate.conf_dir",), "calibrate.write=true", lambda c: c.calibrate.write),
        ReadOnlyWith(
            ("calibrate.origin",), "calibrate.rolling=true", lambda c: c.calibrate.rolling
        ),
        ReadOnlyWith(
            ("calibrate.predictive",),
            "calibrate.rolling=true or calibrate.loco=true",
            lambda c: c.calibrate.rolling or c.calibrate.loco,
        ),
        ReadOnlyWith(
            ("calibrate.predictive_steps", "calibrate.predictive_burn", "calibrate.jobs"),
            "calibrate.predictive=true",
            lambda c: c.calibrate.predictive,
        ),
        ReadOnlyWith(
            ("calibrate.walkers", "calibrate.steps", "calibrate.burn", "calibrate.thin"),
            "calibrate.posterior=true",
            lambda c: c.calibrate.posterior,
        ),
    ),
}


def override_keys(overrides: Sequence[str]) -> list[str]:
    """The config keys ``overrides`` set (Hydra's own and deletions left out)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(list(overrides))
    return [o.key_or_group for o in parsed if not o.is_hydra_override() and not o.is_delete()]


def check_read(config: Any, overrides: Sequence[str], command: str, sweep: bool = False) -> None:
    """Raise `ConfigError` for the first override ``command`` would not read under ``config``.

    In a sweep's job (``sweep``) a key whose switch the overrides set too is let pass: a sweep
    over ``calibrate.loco=true,false`` reads ``calibrate.cases`` in half its jobs.
    """
    keys = override_keys(overrides)
    for key in keys:
        for rule in UNREAD.get(command, ()):
            if not rule.covers(key) or (rule.on is not None and rule.on(config)):
                continue
            if sweep and any(k in keys for k in rule.switch_keys):
                continue
            raise ConfigError(rule.message(key, command))
