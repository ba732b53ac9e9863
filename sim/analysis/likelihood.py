"""Likelihood of the real weekly moves under the model, by teacher forcing through the model itself.

The real history is fed in (`Forcing`: Seoul's and Tokyo's moves and rungs, Washington's
pressure) and the model steps week by week; after the allies choose, each ally's
``probabilities`` hold the chance the model gave to each move that week, and the log of the one
really played is that week's score. Washington's pressure is data, not scored. Nothing random is
drawn: forced moves replace sampling, so a score is a deterministic function of the config.

With both allies forced, the rules' intents (the probabilities before noise and activity) do not
depend on ``noise`` or ``activity``: those only mix the intent with the uniform distribution and
with ``hold`` (`sim.core.rules.mix`). `TeacherForcing` therefore runs the model once per
*structural* config (activity 1, noise 0, so the agents' probabilities are the intents), keeps
the intents, and mixes in any noise and activity afterwards, all weeks at once. Calibrating the
activity rates thus costs no model run at all.
"""

import dataclasses
import json
from collections import OrderedDict

import numpy as np

from sim.core.model import Forcing
from sim.core.moves import ALLIES, N_MOVES
from sim.core.rules import mix
from sim.core.scenario import Scenario
from sim.experiment.config import Config
from sim.experiment.factory import build_model
from sim.history import RealPath

#: Probabilities are floored here before the log, so a move the model rules out costs about
#: 708 nats instead of making every total minus infinity.
FLOOR = np.finfo(float).tiny


def forcing(real: RealPath) -> Forcing:
    """The forcing that replays a real path: both allies' moves and rungs, and US pressure."""
    return Forcing(
        moves={a: real.moves[a] for a in ALLIES},
        rungs={a: real.rungs[a] for a in ALLIES},
        pressure=real.pressure,
    )


def forced_probabilities(
    config: Config,
    scenario: Scenario,
    real: RealPath,
    weeks: int | None = None,
    replications: int = 1,
    record: bool = False,
) -> np.ndarray:
    """Each ally's move probabilities each week, with the real history fed in.

    Returns shape (weeks, replications, allies, 3), allies in `ALLIES` order. Replications are
    identical copies (forcing leaves nothing to chance); more than one only checks that. The
    model's outcome trackers and recorders only watch, so they are off unless ``record``.
    """
    weeks = weeks or scenario.weeks
    model = build_model(
        config,
        scenario,
        replications=replications,
        weeks=weeks,
        keep_trajectories=False,
        track=record,
        forcing=forcing(real),
    )
    allies = [model.capitals[a] for a in ALLIES]
    probabilities = np.empty((weeks, replications, len(ALLIES), N_MOVES))
    for week in range(weeks):
        model.step()
        for i, ally in enumerate(allies):
            probabilities[week, :, i] = ally.probabilities
    return probabilities


def real_moves(real: RealPath, weeks: int | None = None) -> np.ndarray:
    """The real moves as shape (weeks, allies)."""
    moves = np.stack([real.moves[a] for a in ALLIES], axis=1).astype(np.int64)
    return moves if weeks is None else moves[:weeks]


def log_of_real(probabilities: np.ndarray, moves: np.ndarray) -> np.ndarray:
    """Log of the probability of each real move: ``probabilities[..., move]``, floored.

    ``probabilities`` has shape (weeks, ..., allies, 3) and ``moves`` (weeks, allies); the
    result drops the last axis.
    """
    shape = (moves.shape[0],) + (1,) * (probabilities.ndim - 3) + (moves.shape[1], 1)
    picked = np.take_along_axis(probabilities, moves.reshape(shape), axis=-1)[..., 0]
    return np.log(np.maximum(picked, FLOOR))


def structural(config: Config) -> Config:
    """The config with both allies' activity 1 and noise 0: what the rules' intents depend on."""
    changes = {a: dataclasses.replace(getattr(config, a), activity=1.0, noise=0.0) for a in ALLIES}
    return dataclasses.replace(config, **changes)


def _key(config: Config) -> str:
    data = dataclasses.asdict(config)
    data.pop("run", None)
    return json.dumps(data, sort_keys=True, default=str)


class TeacherForcing:
    """Scores configs on one real path; keeps the model's intents per structural config.

    ``weeks`` limits the run to the first weeks of the path (a hold-out fit needs no more).
    ``runs`` counts the model runs made, for benchmarks.
    """

    def __init__(
        self, scenario: Scenario, real: RealPath, weeks: int | None = None, cache: int = 512
    ) -> None:
        self.scenario = scenario
        self.real = real
        self.weeks = weeks or scenario.weeks
        self.moves = real_moves(real, self.weeks)
        self.cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.cache_size = cache
        self.runs = 0

    def intents(self, config: Config) -> np.ndarray:
        """Each ally's rule intent each week, shape (weeks, allies, 3)."""
        base = structural(config)
        key = _key(base)
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        intents = forced_probabilities(base, self.scenario, self.real, self.weeks)[:, 0]
        self.runs += 1
        self.cache[key] = intents
        if len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return intents

    def probabilities(self, config: Config) -> np.ndarray:
        """Each ally's move probabilities each week, shape (weeks, allies, 3)."""
        intents = self.intents(config)
        return np.stack(
            [
                mix(
                    intents[:, i],
                    config.model_params.strategy(a).noise,
                    config.model_params.strategy(a).activity,
                )
                for i, a in enumerate(ALLIES)
            ],
            axis=1,
        )

    def log_probabilities(self, config: Config) -> np.ndarray:
        """Log-probability of each ally's real move each week, shape (weeks, allies)."""
        return log_of_real(self.probabilities(config), self.moves)


def summarize(log_probabilities: np.ndarray) -> dict:
    """Total, per-actor and per-actor-week log-likelihood of a (weeks, allies) array."""
    weeks = log_probabilities.shape[0]
    per_actor = log_probabilities.sum(axis=0)
    total = float(per_actor.sum())
    return {
        "total": total,
        "per_actor": {a: float(v) for a, v in zip(ALLIES, per_actor, strict=True)},
        "per_actor_week": total / max(weeks * len(ALLIES), 1),
        "weeks": weeks,
    }
