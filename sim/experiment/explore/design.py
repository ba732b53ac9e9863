"""Designs: where in the input space the model is evaluated (SALib's samplers).

Every design is drawn on the unit hypercube and mapped to config units by the input space, so
one set of samplers serves real, integer and categorical inputs alike. The design's table has
one row per design point: its number, its group (the combination of categorical levels, which
must share one lockstep model) and its input values.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.sample import latin, morris
from SALib.sample import sobol as saltelli

from sim.core.errors import ConfigError
from sim.experiment.explore.options import DesignMethod, DesignOptions
from sim.experiment.explore.space import InputSpace


@dataclass(frozen=True)
class Design:
    """A drawn design: the method, its base size, and the points on the unit hypercube.

    Attributes:
        method: how the points were drawn.
        n: the base size (Saltelli's N, Morris trajectories, Latin-hypercube points).
        second_order: whether a Sobol design also supports second-order indices.
        levels: the Morris grid's levels.
        space: the inputs, in column order.
        unit: shape (points, inputs), each value in [0, 1].
    """

    method: DesignMethod
    n: int
    second_order: bool
    levels: int
    space: InputSpace
    unit: np.ndarray

    @property
    def points(self) -> int:
        """Number of design points."""
        return self.unit.shape[0]

    def table(self) -> pd.DataFrame:
        """design.parquet: ``point``, ``group``, then one column per input in config units."""
        values = self.space.values(self.unit)
        categorical = self.space.categorical
        if categorical:
            combos = values[categorical].astype(str).agg("|".join, axis=1)
            group = pd.factorize(combos, sort=True)[0]
        else:
            group = np.zeros(self.points, dtype=int)
        table = pd.DataFrame({"point": np.arange(self.points), "group": group})
        return pd.concat([table, values], axis=1)

    def unit_table(self) -> pd.DataFrame:
        """design_unit.parquet: the same points on the unit hypercube (what SALib analyses)."""
        table = pd.DataFrame(self.unit, columns=self.space.names)
        table.insert(0, "point", np.arange(self.points))
        return table


def sobol_points(n: int, inputs: int, second_order: bool) -> int:
    """Points in a Saltelli design of base size ``n``."""
    return n * (2 * inputs + 2 if second_order else inputs + 2)


def draw_design(space: InputSpace, options: DesignOptions, seed: int) -> Design:
    """Draw the design ``options`` describe over ``space``, reproducibly from ``seed``.

    Raises:
        ConfigError: for an unknown method, a Sobol ``n`` that is not a power of two, or an
            odd number of Morris levels.
    """
    problem = space.problem()
    n = options.n
    match options.method:
        case DesignMethod.SOBOL:
            if n & (n - 1):
                power = 1 << max(n.bit_length() - 1, 1)
                raise ConfigError(
                    f"explore.design.n={n} is not a power of two, which Saltelli's Sobol "
                    f"design needs; use {power} or {power * 2}"
                )
            unit = saltelli.sample(problem, n, calc_second_order=options.second_order, seed=seed)
        case DesignMethod.MORRIS:
            if options.levels % 2:
                raise ConfigError(
                    f"explore.design.levels={options.levels} must be even for a Morris design"
                )
            unit = morris.sample(problem, n, num_levels=options.levels, seed=seed)
        case DesignMethod.LATIN:
            unit = latin.sample(problem, n, seed=seed)
        case other:
            raise ConfigError(
                f"explore.design.method={other!r} is not a design; "
                f"choose one of {', '.join(DesignMethod)}"
            )
    return Design(
        DesignMethod(options.method), n, options.second_order, options.levels, space, unit
    )
