"""The payoff preview: what each move would pay a side this week, term by term.

Each term is the model's own utility (``model.payoffs``) with only that term switched on, less
the stage game, so the terms add up to the total (docs/model.md, the payoff equation).
"""

import dataclasses

from sim.core.agents import feel
from sim.core.model import EscalationModel
from sim.core.moves import Move
from sim.core.params import PayoffParams, PerAlly
from sim.core.payoffs import Payoffs
from sim.reports.game_results import MovePreview

#: The payoff equation's terms, in the order pages show them (docs/model.md).
TERMS = ("stage", "audience", "economic", "security", "pressure", "deadline")


def _without(params: PayoffParams, term: str) -> PayoffParams:
    """Payoff parameters with every term but ``term`` switched off (``stage`` keeps none)."""
    zero = PerAlly(0.0, 0.0)
    off = {"audience": zero, "economic": zero, "security": zero, "pressure": zero, "deadline": 0.0}
    off.pop(term, None)
    return dataclasses.replace(params, **off)  # type: ignore[arg-type]


def term_payoffs(params: PayoffParams) -> dict[str, Payoffs]:
    """One payoff object per term, each with only that term on (kept by a game, reused)."""
    return {term: Payoffs(_without(params, term)) for term in TERMS}


def move_previews(
    model: EscalationModel, actor: str, options: dict[str, str], terms_on: dict[str, Payoffs]
) -> list[MovePreview]:
    """What each move would pay ``actor`` this week, by term, from the model's payoffs.

    Pressure is what the side will feel this week: Washington's last pressure, or the memory
    of earlier pressure (`sim.core.agents.feel`). A side the patron does not press has no
    pressure term, and one that cannot give the case's notice no deadline term. ``options``
    describes each move (`Game.options`).
    """
    for side in model.capitals.values():
        side.prepare()  # the outlooks of this week's moves, from the measures in force
    own = model.capitals[actor]
    washington = model.washington
    felt = feel(washington.felt, washington.pressure, model.params.payoffs.persistence)
    args = (own.slot, own.outlook, own.other.outlook, felt if own.pressed else 0 * felt)
    total = model.payoffs.utility(*args)[0]
    parts = {term: p.utility(*args)[0] for term, p in terms_on.items()}
    stage = parts["stage"]
    terms = {t: (stage if t == "stage" else parts[t] - stage) for t in TERMS}
    if not own.pressed:
        del terms["pressure"]
    if own.notice_index is None:
        del terms["deadline"]
    return [
        MovePreview(
            move=m.name.lower(),
            described=options[m.name.lower()],
            terms={t: float(v[m, Move.HOLD]) for t, v in terms.items()},
            total=float(total[m, Move.HOLD]),
            low=float(total[m].min()),
            high=float(total[m].max()),
        )
        for m in Move
    ]
