"""What an instructor (or a single player) chooses when opening a room, and the game it makes.

Every setting left as None is the project's default (`default_config()`, the same composition
`escalation run` uses): the defaults are written once, in ``conf/`` and `sim.core.params`.
"""

import functools
import threading
from dataclasses import asdict, dataclass, fields

from sim.core.errors import EscalationError
from sim.core.folders import CONF_DIR
from sim.core.params import US_POLICIES
from sim.experiment.config import MAX_SEED, Config, default_config
from sim.play.game import DEBRIEF_REPLICATIONS, PATRON, Game, GameError

#: Longest round an instructor may set (seconds); 0 means no timer.
MAX_ROUND_SECONDS = 3600


class RoomError(GameError):
    """An action in a room that is refused: the message says why, for the person who tried."""


def _names(folder: str) -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in (CONF_DIR / folder).glob("*.yaml")))


def payoff_presets() -> tuple[str, ...]:
    """Names of the payoff presets (``conf/payoffs``)."""
    return _names("payoffs")


@functools.cache
def scenario_names() -> tuple[str, ...]:
    """Names of the scenarios a class can play (``conf/scenario``): those the game plays.

    Every case whose patron is the game's (`PATRON`): 2019's Seoul and Tokyo, and the other
    cases' sides (THAAD's Seoul and Beijing, ...), each with Washington.
    """
    from sim.core.scenario_yaml import load_scenario

    return tuple(n for n in _names("scenario") if load_scenario(n).patron == PATRON)


@functools.cache
def case_roles(scenario: str | None) -> tuple[str, ...]:
    """The roles of a scenario's game, in the game's order: its two sides, then the patron.

    None is the default scenario's. A scenario a class cannot play has none.
    """
    from sim.core.scenario_yaml import load_scenario

    name = defaults().scenario.name if scenario is None else scenario
    if name not in scenario_names():
        return ()
    return (*load_scenario(name).sides, PATRON)


_COMPOSE = threading.Lock()  # Hydra's composition uses process-wide state


@functools.cache
def _composed(overrides: tuple[str, ...]) -> Config:
    with _COMPOSE:
        return default_config(list(overrides))


def defaults() -> Config:
    """The default configuration, as `escalation run` composes it without overrides."""
    return _composed(())


@dataclass(frozen=True)
class RoomSettings:
    """A room's settings; None means the project's default for that setting."""

    scenario: str | None = None
    payoffs: str | None = None
    us_policy: str | None = None
    us_pressure: float | None = None
    humans: tuple[str, ...] | None = None  # the roles people play; None: every role of the case
    seed: int | None = None
    weeks: int | None = None
    solo: bool = False
    round_seconds: int = 0

    @classmethod
    def from_dict(cls, data: dict) -> "RoomSettings":
        """Settings from their stored form (unknown keys are refused)."""
        names = {f.name for f in fields(cls)}
        if unknown := sorted(set(data) - names):
            raise RoomError(f"unknown room settings {unknown}")
        humans = data.get("humans")
        return cls(**{**data, "humans": None if humans is None else tuple(humans)})

    def to_dict(self) -> dict:
        """The settings as JSON-ready data."""
        return {**asdict(self), "humans": None if self.humans is None else list(self.humans)}

    def validated(self) -> "RoomSettings":
        """Return the settings with roles in order; raise `RoomError` naming a bad one."""
        if self.scenario is not None and self.scenario not in scenario_names():
            raise RoomError(
                f"scenario {self.scenario!r}: choose one of {', '.join(scenario_names())}"
            )
        roles = case_roles(self.scenario)
        given = roles if self.humans is None else self.humans
        humans = tuple(a for a in roles if a in set(given))
        if unknown := sorted(set(given) - set(roles)):
            case = f" in {self.scenario}" if self.scenario is not None else ""
            listed = ", ".join(roles)
            raise RoomError(f"no such role {', '.join(unknown)}{case}: roles are {listed}")
        if not humans:
            raise RoomError("choose at least one role played by people")
        if self.solo and len(humans) != 1:
            raise RoomError("a single-player game has exactly one role played by a person")
        if self.payoffs is not None and self.payoffs not in payoff_presets():
            presets = ", ".join(payoff_presets())
            raise RoomError(f"payoffs {self.payoffs!r}: choose one of {presets}")
        if self.us_policy is not None and self.us_policy not in US_POLICIES:
            raise RoomError(f"US policy {self.us_policy!r}: choose one of {', '.join(US_POLICIES)}")
        if self.us_pressure is not None and not 0.0 <= float(self.us_pressure) <= 1.0:
            raise RoomError(f"US pressure {self.us_pressure} must lie between 0 and 1")
        if self.seed is not None and (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not 0 <= self.seed <= MAX_SEED
        ):
            raise RoomError(bad_seed(self.seed))
        if self.weeks is not None and (not isinstance(self.weeks, int) or self.weeks < 1):
            raise RoomError(f"weeks {self.weeks!r} must be a whole number, 1 or more")
        if not 0 <= int(self.round_seconds) <= MAX_ROUND_SECONDS:
            raise RoomError(
                f"round timer {self.round_seconds} s: choose 0 (none) to {MAX_ROUND_SECONDS} s"
            )
        return RoomSettings(**{**asdict(self), "humans": humans})

    def overrides(self) -> tuple[str, ...]:
        """The Hydra overrides that turn the default config into this room's."""
        chosen = {
            "scenario": self.scenario,
            "payoffs": self.payoffs,
            "us": self.us_policy,
            "us.pressure": None if self.us_pressure is None else float(self.us_pressure),
            "run.seed": self.seed,
            "run.weeks": self.weeks,
        }
        given = tuple(f"{key}={value}" for key, value in chosen.items() if value is not None)
        # the game itself is one run; run.replications is what its debrief compares it with,
        # kept in the config so that a room's record replays to the same debrief
        return (*given, f"run.replications={DEBRIEF_REPLICATIONS}", "run.progress=false")


def bad_seed(seed: object) -> str:
    """What a form says of a seed it cannot use: what to type in the Seed box instead."""
    return f"seed {seed}: type a whole number from 0 to {MAX_SEED} in the Seed box"


def room_config(settings: RoomSettings) -> Config:
    """The validated config of a room (composed once per distinct settings)."""
    try:
        return _composed(settings.validated().overrides())
    except EscalationError as problem:
        raise RoomError(str(problem)) from None


def new_game(settings: RoomSettings) -> Game:
    """Build the `Game` a room plays from its settings."""
    settings = settings.validated()
    config = room_config(settings)
    try:
        return Game(config, settings.humans or (), config.run.seed)
    except EscalationError as problem:  # e.g. more weeks than the scenario's span
        raise RoomError(str(problem)) from None


def check_patron_settings(roles: list[str], overrides: list[str]) -> None:
    """Refuse ``us.*`` settings when a person plays Washington: the person sets the pressure.

    They were accepted and did nothing (press is always pressure 1), while the README's
    example set us.pressure=0.8 for a game played as Washington.
    """
    if PATRON not in roles:
        return
    for override in overrides:
        key = override.lstrip("+~").split("=", 1)[0]
        if key.split(".", 1)[0] == "us":
            raise GameError(
                f"{override} sets the model's Washington, and a person plays Washington here "
                "(press is pressure 1, engage 0.3, abstain 0): drop it, or play another role"
            )
