"""Decision rules, by name."""

from sim.core.rules.base import *  # noqa: F403
from sim.core.rules.base import RULES, Observation, Rule, softmax  # noqa: F401
