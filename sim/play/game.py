"""A game: one run (R = 1) in which people play some capitals and agents play the others.

The terminal (`sim.play.terminal`) and the web page (`sim.play.web`) both drive a `Game`: people
`submit` moves for their roles, the week `advance`s when everyone has moved (or when the
instructor says so: a missing move is a hold), an instructor may `inject` an event, and at the
end `debrief` sets the game beside 2019 and beside the model's own distribution. The `record`
holds every move with its time and the config, and `Game.replay` plays it again exactly.
"""

import datetime as dt
import json
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sim import __version__
from sim.core.agents import Choice
from sim.core.errors import EscalationError, InvalidMoveError
from sim.core.metrics import OUTCOMES, replication_table
from sim.core.moves import ACTORS, ALLIES, MOVE_NAMES, US_MOVES, Act, Move, UsMove
from sim.experiment.config import Config, config_from_dict
from sim.experiment.factory import build_model, build_scenario
from sim.history import RealPath, real_path

DEBRIEF_REPLICATIONS = 1000


class GameError(EscalationError):
    """A game action that is not allowed now (wrong role, game over, already moved)."""


def parse_choice(actor: str, text: str) -> str:
    """Normalise a person's choice for ``actor`` to a move name, or raise `InvalidMoveError`."""
    key = text.strip().lower()
    names = tuple(m.label for m in US_MOVES) if actor == "washington" else MOVE_NAMES
    for name in names:
        if key in (name, name[0]):
            return name
    raise InvalidMoveError(f"{text!r} is not a move for {actor}: choose one of {', '.join(names)}")


@dataclass
class WeekReport:
    """What happened in one week, as named moves."""

    week: int
    date: str
    moves: dict[str, str]
    described: dict[str, str]
    tension: float
    pressure: float
    injected: list[str] = field(default_factory=list)


class Game:
    """One game: a single-replication model with some roles played by people."""

    def __init__(self, config: Config, humans: set[str] | list[str], seed: int | None = None):
        unknown = set(humans) - set(ACTORS)
        if unknown:
            raise GameError(f"no such role {sorted(unknown)}: roles are {', '.join(ACTORS)}")
        self.config = config
        self.humans = tuple(a for a in ACTORS if a in set(humans))
        self.seed = config.run.seed if seed is None else seed
        self.scenario = build_scenario(config.scenario)
        weeks = config.run.weeks or self.scenario.weeks
        self.model = build_model(
            config,
            self.scenario,
            replications=1,
            weeks=weeks,
            keep_trajectories=True,
            rng=self.seed,
        )
        self.pending: dict[str, str] = {}
        self.timeline: list[WeekReport] = []
        self.moves_log: list[dict] = []
        self.injections: list[dict] = []
        self.lock = threading.RLock()
        self._real: RealPath | None = None

    # -- state a player sees -------------------------------------------------------------
    @property
    def week(self) -> int:
        """The week now being decided (0-based)."""
        return self.model.week

    @property
    def weeks(self) -> int:
        """Number of weeks in the game."""
        return self.model.weeks

    @property
    def finished(self) -> bool:
        """Whether every week has been played."""
        return self.model.week >= self.model.weeks

    @property
    def date(self) -> dt.date:
        """Monday of the week being decided (or of the last week, once finished)."""
        return self.scenario.week_start(min(self.week, self.weeks - 1))

    def in_force(self, actor: str) -> list[str]:
        """Names of the measures ``actor`` has in force now."""
        side = self.model.capitals[actor]
        return side.repertoire.names_in_force(int(side.mask[0]))

    def options(self, actor: str) -> dict[str, str]:
        """Each move ``actor`` may choose this week, with the concrete step it would be."""
        if actor == "washington":
            return {
                move.label: f"Washington {move.verb} (pressure {move.value:g})" for move in US_MOVES
            }
        side = self.model.capitals[actor]
        return {m.name.lower(): side.repertoire.describe(int(side.mask[0]), m) for m in Move}

    def briefing(self, actor: str) -> dict:
        """What ``actor`` knows at the start of this week, ready to print or render."""
        last = self.timeline[-1] if self.timeline else None
        others = {a: last.described[a] for a in ACTORS if a != actor} if last else {}
        payoff = float(self.model.capitals[actor].total_payoff[0]) if actor in ALLIES else None
        return {
            "role": actor,
            "week": self.week,
            "weeks": self.weeks,
            "date": self.date.isoformat(),
            "last_week": others,
            "injected": last.injected if last else [],
            "tension": float(self.model.tension[0]),
            "pressure": float(self.model.washington.pressure[0]),
            "in_force": {a: self.in_force(a) for a in ALLIES},
            "payoff": payoff,
            "options": self.options(actor),
            "moved": actor in self.pending,
            "finished": self.finished,
        }

    # -- actions -------------------------------------------------------------------------
    def submit(self, actor: str, choice: str) -> str:
        """Record a person's move for this week; refuse it with a reason when not allowed."""
        with self.lock:
            if self.finished:
                raise GameError("the game is over: no more moves")
            if actor not in self.humans:
                raise GameError(f"{actor} is played by the model, not by a person")
            if actor in self.pending:
                raise GameError(f"{actor} has already moved this week ({self.pending[actor]})")
            move = parse_choice(actor, choice)
            self.pending[actor] = move
            self.moves_log.append(
                {
                    "week": self.week,
                    "actor": actor,
                    "move": move,
                    "time": dt.datetime.now(dt.UTC).isoformat(),
                }
            )
            return move

    @property
    def ready(self) -> bool:
        """Whether every person has moved this week."""
        return all(a in self.pending for a in self.humans)

    def waiting_for(self) -> list[str]:
        """Roles played by people that have not moved this week."""
        return [a for a in self.humans if a not in self.pending]

    def inject(self, actor: str, direction: str, text: str) -> None:
        """Apply a scenario event now.

        ``actor`` enacts its next measure (``escalate``) or lifts its last reversible one
        (``deescalate``).
        """
        with self.lock:
            if self.finished:
                raise GameError("the game is over: nothing to inject")
            if actor not in ALLIES:
                raise GameError(f"events change a side's measures: choose {' or '.join(ALLIES)}")
            if direction not in ("escalate", "deescalate"):
                raise GameError(f"direction {direction!r}: choose escalate or deescalate")
            self._apply_injection(actor, direction)
            self.injections.append(
                {
                    "week": self.week,
                    "actor": actor,
                    "direction": direction,
                    "text": text,
                    "time": dt.datetime.now(dt.UTC).isoformat(),
                }
            )

    def _apply_injection(self, actor: str, direction: str) -> None:
        side = self.model.capitals[actor]
        mask = int(side.mask[0])
        if direction == "escalate":
            k = side.repertoire.next_available(mask)
            choice = Choice(Act.ENACT, enacted=0 if k is None else 1 << k)
        else:
            k = side.repertoire.last_liftable(mask)
            choice = Choice(Act.LIFT, lifted=0 if k is None else 1 << k)
        self.model.apply_event(actor, choice)

    def advance(self) -> WeekReport:
        """Play this week: people's moves as submitted (a missing one is a hold), agents decide."""
        with self.lock:
            if self.finished:
                raise GameError("the game is over")
            week = self.week
            moves: dict[str, Move] = {}
            pressure = None
            for actor in self.humans:
                choice = self.pending.get(actor)
                if choice is None:
                    choice = "hold" if actor in ALLIES else "abstain"
                    self.moves_log.append(
                        {
                            "week": week,
                            "actor": actor,
                            "move": choice,
                            "time": dt.datetime.now(dt.UTC).isoformat(),
                            "default": True,
                        }
                    )
                if actor == "washington":
                    pressure = UsMove.parse(choice).value
                else:
                    moves[actor] = Move[choice.upper()]
            before = {a: int(self.model.capitals[a].mask[0]) for a in ALLIES}
            self.model.impose(moves, pressure)
            self.model.step()
            report = self._report(week, before)
            self.timeline.append(report)
            self.pending = {}
            return report

    def _report(self, week: int, before: dict[str, int]) -> WeekReport:
        moves, described = {}, {}
        for actor in ALLIES:
            ally = self.model.capitals[actor]
            move = Move(int(ally.move[0]))
            moves[actor] = move.name.lower()
            described[actor] = ally.repertoire.describe(before[actor], move)
        pressure = float(self.model.washington.pressure[0])
        level = US_MOVES[int(UsMove.of(np.array(pressure)))]
        moves["washington"] = level.label
        described["washington"] = f"Washington {level.verb} (pressure {pressure:.2g})"
        injected = [i["text"] for i in self.injections if i["week"] == week]
        return WeekReport(
            week,
            self.scenario.week_start(week).isoformat(),
            moves,
            described,
            float(self.model.tension[0]),
            pressure,
            injected,
        )

    def play_agents_to_end(self) -> None:
        """Advance every remaining week with holds for people (used by replays and tests)."""
        while not self.finished:
            self.advance()

    # -- record and replay ---------------------------------------------------------------
    def record(self) -> dict:
        """Everything needed to replay the game: config, seed, roles, moves, injections."""
        return {
            "version": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(),
            "seed": self.seed,
            "humans": list(self.humans),
            "config": asdict(self.config),
            "moves": self.moves_log,
            "injections": self.injections,
            "timeline": [asdict(r) for r in self.timeline],
            "outcome": self.outcome() if self.finished else None,
        }

    def save(self, path: Path) -> Path:
        """Write the record as JSON (atomically)."""
        from sim.experiment.store import write_json

        return write_json(self.record(), Path(path))

    @classmethod
    def replay(cls, record: dict) -> "Game":
        """Play a recorded game again, move for move; the result is the same game."""
        game = cls(config_from_dict(record["config"]), record["humans"], record["seed"])
        moves = [m for m in record["moves"] if not m.get("default")]
        while not game.finished:
            week = game.week
            for inj in (i for i in record["injections"] if i["week"] == week):
                game._apply_injection(inj["actor"], inj["direction"])
                game.injections.append(inj)
            for move in (m for m in moves if m["week"] == week):
                game.submit(move["actor"], move["move"])
            if week >= len(record["timeline"]):
                break
            game.advance()
        return game

    @classmethod
    def load(cls, path: Path) -> "Game":
        """Replay the game recorded in a JSON file."""
        return cls.replay(json.loads(Path(path).read_text()))

    # -- debrief -------------------------------------------------------------------------
    def outcome(self) -> str:
        """The game's outcome class so far."""
        return OUTCOMES[int(self.model.notice.outcome_codes()[0])]

    @property
    def real(self) -> RealPath | None:
        """The real sequence on this game's weekly grid (None if the scenario has none)."""
        if self._real is None and self.scenario.events_path is not None:
            self._real = real_path(self.scenario)
        return self._real

    def debrief(self, replications: int = DEBRIEF_REPLICATIONS) -> dict:
        """The game beside 2019 and beside the model's distribution for the same settings."""
        from dataclasses import replace

        run = replace(
            self.config.run,
            replications=replications,
            trajectories=False,
            progress=False,
            seed=self.seed,
        )
        model = build_model(replace(self.config, run=run), self.scenario).run()
        table = replication_table(model)
        played = len(self.timeline)
        tension = [r.tension for r in self.timeline]
        peak = max(tension) if tension else 0.0
        shares = table["outcome"].astype(str).value_counts(normalize=True)
        payoffs = {a: float(self.model.capitals[a].total_payoff[0]) for a in ALLIES}
        return {
            "weeks_played": played,
            "outcome": self.outcome(),
            "outcome_share_in_model": float(shares.get(self.outcome(), 0.0)),
            "model_outcome_shares": {o: float(shares.get(o, 0.0)) for o in OUTCOMES},
            "real_outcome": self.real.outcome if self.real else None,
            "peak_tension": peak,
            "peak_tension_percentile": float(
                (table["peak_tension"] < peak).mean() + 0.5 * (table["peak_tension"] == peak).mean()
            ),
            "payoffs": payoffs,
            "model_median_payoffs": {a: float(table[f"payoff_{a}"].median()) for a in ALLIES},
            "tension": tension,
            "real_tension": self.real.tension[:played].tolist() if self.real else None,
            "model_fan": model.recorder.fan[:played].tolist(),
            "dates": [r.date for r in self.timeline],
        }
