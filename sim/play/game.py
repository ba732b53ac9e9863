"""A game: one run (R = 1) in which people play some capitals and agents play the others.

The terminal (`sim.play.terminal`) and the classroom (`sim.play.room`) both drive a `Game`:
people `submit` moves, the week `advance`s (a missing move is a hold), an instructor may
`inject` an event, and `debrief` sets the game beside 2019 and the model's runs over the same
weeks; `sim.play.record` writes and replays it. It is the one module of the apps that touches
the model, and everything it hands out is typed (`sim.reports.game_results`).
"""

import datetime as dt
import threading

import numpy as np

from sim.core.agents import Capital, Choice
from sim.core.errors import ConfigError, EscalationError, InvalidMoveError, ScenarioError
from sim.core.metrics import OUTCOMES, midrank_percentile, outcome_shares, replication_table
from sim.core.moves import MOVE_NAMES, US_MOVES, Act, Move, UsMove
from sim.core.payoffs import Payoffs
from sim.experiment.config import Config
from sim.experiment.factory import build_model, build_scenario
from sim.history import RealPath, real_path
from sim.play.materials import load_materials
from sim.play.preview import move_previews, term_payoffs
from sim.play.real import real_outcome_after
from sim.reports.game_results import (
    Briefing,
    Debrief,
    Injection,
    MovePreview,
    NoticeClock,
    WeekReport,
)
from sim.reports.labels import patron_target

DEBRIEF_REPLICATIONS = 1000


#: The third role of every game: the patron whose pressure the sides feel.
PATRON = "washington"


class GameError(EscalationError):
    """A game action that is not allowed now (wrong role, game over, already moved)."""


def parse_choice(actor: str, text: str) -> str:
    """Normalise a person's choice for ``actor`` to a move name, or raise `InvalidMoveError`."""
    key = str(text).strip().lower()
    names = tuple(m.label for m in US_MOVES) if actor == "washington" else MOVE_NAMES
    for name in names:
        if key and key in (name, name[0]):
            return name
    raise InvalidMoveError(f"{text!r} is not a move for {actor}: choose one of {', '.join(names)}")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class Game:
    """One game: a single-replication model with some roles played by people."""

    def __init__(self, config: Config, humans: set[str] | list[str], seed: int | None = None):
        self.config = config
        self.scenario = build_scenario(config.scenario)
        self.sides: tuple[str, ...] = tuple(self.scenario.sides)
        self.roles: tuple[str, ...] = (*self.sides, PATRON)
        if self.scenario.patron != PATRON:
            raise GameError(
                f"the game plays only a patron named {PATRON}; scenario {self.scenario.name} "
                f"has {self.scenario.patron}: use `escalation run` or `compare` for this case, "
                f"or name its patron {PATRON} in its scenario.yaml to play it"
            )
        unknown = set(humans) - set(self.roles)
        if unknown:
            raise GameError(
                f"no such role {', '.join(sorted(unknown))} in {self.scenario.name}: "
                f"roles are {', '.join(self.roles)}"
            )
        self.humans = tuple(a for a in self.roles if a in set(humans))
        if config.run.posterior:  # it crashed the game: one run cannot take a draw per run
            raise ConfigError(
                "run.posterior=true draws each model run's values from the posterior, and a "
                "game is one run played with the fit's values",
                "drop run.posterior (use it with escalation run or compare)",
            )
        self.seed = config.run.seed if seed is None else seed
        weeks = config.run.weeks or self.scenario.weeks
        self.model = build_model(
            config,
            self.scenario,
            replications=1,
            weeks=weeks,
            keep_trajectories=True,
            rng=self.seed,
        )
        self.materials = load_materials(self.scenario.folder or self.scenario.name)
        self.pending: dict[str, str] = {}
        self.timeline: list[WeekReport] = []
        self.moves_log: list[dict] = []
        self.injections: list[dict] = []
        self.created = _now()  # when the game began (a replay or a restored room sets its own)
        self.lock = threading.RLock()
        # read now, so a malformed events file is refused before week 1, not after the game
        self._real: RealPath | None = (
            real_path(self.scenario) if self.scenario.events_path is not None else None
        )
        self._term_payoffs: dict[str, Payoffs] | None = None

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
            whom = patron_target(self.scenario.pressed, self.scenario.sides)
            return {
                m.label: f"Washington {m.verb_on(whom)} (pressure {m.value:g})" for m in US_MOVES
            }
        side = self.model.capitals[actor]
        mask, locked = int(side.mask[0]), locked_now(side)
        return {m.name.lower(): side.repertoire.describe(mask, m, locked) for m in Move}

    def total_score(self, actor: str) -> float:
        """Summed payoff of an ally, or Washington's score, over the weeks played."""
        if actor in self.sides:
            return float(self.model.capitals[actor].total_payoff[0])
        return float(sum(r.payoffs.get("washington", 0.0) for r in self.timeline))

    def washington_week(self, tension: float, pressure: float) -> float:
        """Washington's score for one week (docs/model.md): calm allies, cheap pressure."""
        return 1.0 - tension - self.materials.pressure_cost * pressure

    def previews(self, actor: str) -> list[MovePreview]:
        """What each move would pay ``actor`` this week, by term (`sim.play.preview`)."""
        if actor not in self.sides:
            return []
        if self._term_payoffs is None:
            self._term_payoffs = term_payoffs(self.model.payoffs.params)
        return move_previews(self.model, actor, self.options(actor), self._term_payoffs)

    def notice_clock(self) -> NoticeClock | None:
        """The notice now running (GSOMIA's), with the weeks left before it lapses, or None.

        A notice an event brought in this week runs from this week, as the week's end counts it.
        Once the notice has lapsed, the clock says in which week the agreement ended.
        """
        notice, rule = self.model.notice, self.scenario.notice
        if rule is None:
            return None
        status = int(notice.status[0])
        if status == OUTCOMES.index("terminated"):
            given, ended = int(notice.given_week[0]), int(notice.termination_week[0])
            return NoticeClock(rule.actor, rule.label, given, 0, ended_week=ended)
        if status == OUTCOMES.index("pending"):
            week, age = int(notice.given_week[0]), int(notice.age[0])  # a second notice's
        else:  # not running: given by an event this week, or not at all
            side = self.model.capitals[rule.actor]
            if not int(side.mask[0]) >> side.repertoire.index(rule.measure) & 1:
                return None
            week, age = self.week, 0
        return NoticeClock(rule.actor, rule.label, week, max(rule.lapse_weeks - age, 0))

    def briefing(self, actor: str) -> Briefing:
        """What ``actor`` knows at the start of this week."""
        last = self.timeline[-1] if self.timeline else None
        return Briefing(
            role=actor,
            week=self.week,
            weeks=self.weeks,
            date=self.date.isoformat(),
            last_week={a: last.described[a] for a in self.roles if a != actor} if last else {},
            injected=list(last.injected) if last else [],
            tension=float(self.model.tension[0]),
            pressure=float(self.model.washington.pressure[0]),
            in_force={a: self.in_force(a) for a in self.sides},
            payoff=self.total_score(actor),
            last_payoff=last.payoffs.get(actor) if last else None,
            options=self.options(actor),
            previews=self.previews(actor) if not self.finished else [],
            moved=actor in self.pending,
            finished=self.finished,
            notice=self.notice_clock(),
            chosen=self.pending.get(actor),
        )

    def submit(self, actor: str, choice: str, at: str | None = None) -> str:
        """Record a person's move for this week; refuse it with a reason when not allowed.

        ``at`` is the move's time (ISO, UTC) when it is replayed from a record or a room's
        stored actions; a live move is stamped now.
        """
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
                {"week": self.week, "actor": actor, "move": move, "time": at or _now()}
            )
            return move

    @property
    def ready(self) -> bool:
        """Whether every person has moved this week."""
        return all(a in self.pending for a in self.humans)

    def waiting_for(self) -> list[str]:
        """Roles played by people that have not moved this week."""
        return [a for a in self.humans if a not in self.pending]

    def inject(
        self,
        actor: str,
        direction: str,
        text: str,
        at: str | None = None,
        measure: str | None = None,
    ) -> None:
        """An event moves ``actor``'s measures (`Repertoire.event_step`); ``at`` as in `submit`."""
        with self.lock:
            if self.finished:
                raise GameError("the game is over: nothing to inject")
            if actor not in self.sides:
                choose = " or ".join(self.sides)
                raise GameError(f"events move a side's measures: choose {choose}")
            if direction not in ("escalate", "deescalate"):
                raise GameError(f"direction {direction!r}: choose escalate or deescalate")
            side, up = self.model.capitals[actor], direction == "escalate"
            locked = 0 if up else locked_now(side)  # a lapsed notice stays in force
            try:
                if measure is not None and locked & side.repertoire.bit(measure):
                    raise ScenarioError(f"the agreement has lapsed: {measure} stays in force")
                k = side.repertoire.event_step(int(side.mask[0]) & ~locked, up, measure)
            except ScenarioError as problem:  # a measure the side lacks, or no change
                raise GameError(str(problem)) from None
            bit = 0 if k is None else 1 << k
            act = Choice(Act.ENACT, enacted=bit) if up else Choice(Act.LIFT, lifted=bit)
            self.model.apply_event(actor, act)
            entry = {"week": self.week, "actor": actor, "direction": direction, "text": text}
            named = {"measure": measure} if measure is not None else {}
            self.injections.append(entry | named | {"time": at or _now()})

    def advance(self, at: str | None = None) -> WeekReport:
        """Play this week: people's moves as submitted (a missing one is a hold), agents decide.

        ``at`` is the time of the advance when replayed, given to the holds it records for
        people who did not move (as in `submit`).
        """
        with self.lock:
            if self.finished:
                raise GameError("the game is over")
            week = self.week
            moves: dict[str, Choice] = {}
            pressure = None
            for actor in self.humans:
                choice = self.pending.get(actor)
                if choice is None:
                    choice = "hold" if actor in self.sides else "abstain"
                    self.moves_log.append(
                        {"week": week, "actor": actor, "move": choice, "time": at or _now()}
                        | {"default": True}
                    )
                if actor == "washington":
                    pressure = UsMove.parse(choice).value
                else:
                    moves[actor] = self._concrete(actor, Move[choice.upper()])
            self.model.impose(moves, pressure)
            self.model.step()
            report = self._report(week)
            self.timeline.append(report)
            self.pending = {}
            return report

    def _concrete(self, actor: str, move: Move) -> Choice:
        """The act a person's move is, as `options` describes it.

        Retaliating enacts the mildest measure not yet in force (a protest when all are);
        cooperating lifts a running notice, or else the last reversible measure in force (a
        gesture when none is).
        """
        side = self.model.capitals[actor]
        mask = int(side.mask[0])
        match move:
            case Move.RETALIATE:
                k = side.repertoire.next_available(mask)
                return Choice(Act.HOSTILE_SIGNAL) if k is None else Choice(Act.ENACT, 1 << k)
            case Move.COOPERATE:
                k = side.repertoire.to_lift(mask & ~locked_now(side))
                if k is None:
                    return Choice(Act.CONCILIATORY_SIGNAL)
                return Choice(Act.LIFT, lifted=1 << k)
            case Move.HOLD:
                return Choice(Act.NOTHING)
            case other:
                raise InvalidMoveError(f"unknown move {other!r}")

    def _report(self, week: int) -> WeekReport:
        moves, described, payoffs = {}, {}, {}
        for actor in self.sides:
            side = self.model.capitals[actor]
            move = Move(int(side.move[0]))
            moves[actor] = move.name.lower()
            act = Act(int(side.act_code[0]))
            described[actor] = side.repertoire.describe_act(
                act, int(side.enacted[0]), int(side.lifted[0])
            )
            payoffs[actor] = float(side.payoff[0])
        pressure = float(self.model.washington.pressure[0])
        tension = float(self.model.tension[0])
        level = US_MOVES[int(UsMove.of(np.array(pressure)))]
        calm = self.model.params.us.calm_level()
        if "washington" not in self.humans and calm > 0 and np.isclose(pressure, calm):
            level = US_MOVES[0]  # the model's calm baseline reads as abstaining, as in the figures
        moves["washington"] = level.label
        verb = level.verb_on(patron_target(self.scenario.pressed, self.scenario.sides))
        quiet = "its calm level, " if level is US_MOVES[0] and pressure > 0 else ""
        described["washington"] = f"Washington {verb} ({quiet}pressure {pressure:.2g})"
        payoffs["washington"] = self.washington_week(tension, pressure)
        injected = [i["text"] for i in self.injections if i["week"] == week]
        date = self.scenario.week_start(week).isoformat()
        return WeekReport(week, date, moves, described, tension, pressure, injected, payoffs)

    def play_agents_to_end(self) -> None:
        """Advance every remaining week with holds for people (used by replays and tests)."""
        while not self.finished:
            self.advance()

    def outcome(self) -> str:
        """The game's outcome class so far."""
        return OUTCOMES[int(self.model.notice.outcome_codes()[0])]

    @property
    def real(self) -> RealPath | None:
        """The real sequence on this game's weekly grid (None if the scenario has none)."""
        return self._real

    def debrief(self, replications: int = DEBRIEF_REPLICATIONS) -> Debrief:
        """The game beside 2019 and beside model runs of exactly the weeks played."""
        played = len(self.timeline)
        tension = [r.tension for r in self.timeline]
        scores = {a: self.total_score(a) for a in self.roles}
        real = self.real
        common = {
            "weeks_played": played,
            "replications": replications,
            "humans": list(self.humans),
            "seed": self.seed,
            "outcome": self.outcome(),
            "real_outcome": real.outcome if real else None,
            "real_outcome_by_end": (
                real_outcome_after(real, self.scenario, played)
                if real is not None and played < len(real.tension)
                else None
            ),
            "peak_tension": max(tension, default=0.0),
            "payoffs": scores,
            "tension": tension,
            "real_tension": real.tension[:played].tolist() if real else None,
            "dates": [r.date for r in self.timeline],
            "injections": [
                Injection(i["week"], i["actor"], i["direction"], i["text"]) for i in self.injections
            ],
        }
        if played == 0:
            return Debrief(
                **common,
                outcome_share_in_model=0.0,
                model_outcome_shares=dict.fromkeys(OUTCOMES, 0.0),
                peak_tension_percentile=0.0,
                model_median_payoffs=dict.fromkeys(self.roles, 0.0),
                payoff_percentiles=dict.fromkeys(self.roles, 0.0),
                model_fan=[],
            )
        model = build_model(
            self.config,
            self.scenario,
            replications=replications,
            weeks=played,
            keep_trajectories=True,
            rng=self.seed,
        ).run()
        table = replication_table(model)
        shares = outcome_shares(table["outcome"])
        peaks = table["peak_tension"].to_numpy()
        model_scores = {a: table[f"payoff_{a}"].to_numpy() for a in self.sides}
        recorder = model.recorder
        model_scores["washington"] = self.washington_week(recorder.tension, recorder.pressure).sum(
            axis=0
        )
        return Debrief(
            **common,
            outcome_share_in_model=shares[self.outcome()],
            model_outcome_shares=shares,
            peak_tension_percentile=midrank_percentile(peaks, common["peak_tension"]),
            peak_tension_ties=float(np.mean(peaks == common["peak_tension"])),
            model_median_payoffs={a: float(np.median(v)) for a, v in model_scores.items()},
            payoff_percentiles={
                a: midrank_percentile(model_scores[a], scores[a]) for a in self.roles
            },
            model_fan=recorder.fan[:played].tolist(),
        )


def locked_now(side: Capital) -> int:
    """The measures ``side`` cannot lift this week (a lapsed notice: `Capital.spent`)."""
    spent = side.spent()
    return 0 if spent is None else int(spent[0])
