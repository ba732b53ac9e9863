"""Decision rules, by name: each a small dataclass whose fields are its parameters.

`RULES` maps a rule's name (``strategy@seoul=NAME``) to its class, in the order the docs and
the tournament list them.
"""

from sim.core.rules.base import Observation, Rule, mix, rule_name, softmax
from sim.core.rules.learning import QLearning, QuantalResponse
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
        QuantalResponse,
        QLearning,
    )
}

__all__ = [
    "RULES",
    "AlwaysCooperate",
    "AlwaysRetaliate",
    "GenerousTitForTat",
    "GrimTrigger",
    "Observation",
    "QLearning",
    "QuantalResponse",
    "RandomMove",
    "Rule",
    "TitForTat",
    "WinStayLoseShift",
    "mix",
    "rule_name",
    "softmax",
]
