"""Decision rules, by name: each a small dataclass whose fields are its parameters.

`RULES` maps a rule's name (``strategy@seoul=NAME``) to its class, in the order the docs and
the tournament list them. `ALIASES` are former names still accepted on the command line.
"""

from sim.core.rules.base import Observation, Rule, activity_now, arouse, mix, rule_name, softmax
from sim.core.rules.learning import FictitiousPlay, QLearning
from sim.core.rules.reciprocal import GenerousTitForTat, GrimTrigger, TitForTat, WinStayLoseShift
from sim.core.rules.unconditional import AlwaysCooperate, AlwaysRetaliate, RandomMove

RULES: dict[str, type[Rule]] = {
    rule_name(cls): cls
    for cls in (
        TitForTat,
        GenerousTitForTat,
        GrimTrigger,
        WinStayLoseShift,
        AlwaysCooperate,
        AlwaysRetaliate,
        RandomMove,
        FictitiousPlay,
        QLearning,
    )
}

#: Former rule names, still accepted as ``strategy@seoul=NAME``: the rule once called
#: ``quantal_response`` is stochastic fictitious play (a learning rule, not an equilibrium).
ALIASES: dict[str, str] = {"quantal_response": "fictitious_play"}

__all__ = [
    "ALIASES",
    "RULES",
    "AlwaysCooperate",
    "AlwaysRetaliate",
    "GenerousTitForTat",
    "GrimTrigger",
    "Observation",
    "FictitiousPlay",
    "QLearning",
    "RandomMove",
    "Rule",
    "TitForTat",
    "WinStayLoseShift",
    "activity_now",
    "arouse",
    "mix",
    "rule_name",
    "softmax",
]
