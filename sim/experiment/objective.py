"""Objectives: the one number a run returns to an optimising sweeper (Optuna, Nevergrad).

``run.objective=NAME`` makes ``escalation run`` return a float instead of its summary, so
``escalation run -m hydra/sweeper=optuna 'us.pressure=interval(0,1)' run.objective=...``
works. Names:

- ``p_<outcome>`` (``p_terminated``, ``p_noticed_then_kept``, ...): an outcome's share;
- ``p_settled_<outcome>`` (not ``pending``): the share once every notice running at the end
  was lifted or lapsed (runs followed past the end, ``run.follow=true``, the default);
- ``p_real``: the share of the real case's outcome;
- ``peak_tension``: the median peak tension;
- ``least_pressure:T``: for "the least US pressure that keeps P(terminated) under T": the run's
  ``us.pressure`` when the upper end of P(terminated)'s 95% Wilson interval is under T, else
  1 plus the excess, so any run that meets the cap beats any that does not. Minimise it.
  P(terminated) here is the settled share (runs followed past the end): a notice still running
  at the end is censored, and counting it as not terminated would let a cap be met by notices
  that lapse the week after.
"""

from sim.core.errors import ConfigError
from sim.core.metrics import OUTCOMES, wilson_interval

SETTLED = tuple(f"p_settled_{o}" for o in OUTCOMES if o != "pending")
SIMPLE = (*(f"p_{o}" for o in OUTCOMES), *SETTLED, "p_real", "peak_tension")
CAPPED = "least_pressure"


def parse_objective(name: str, follow: bool = True) -> tuple[str, float | None]:
    """The objective's name and its cap (for ``least_pressure:T``); `ConfigError` if unknown.

    ``follow`` is ``run.follow``: a settled share needs the runs followed past the end.
    """
    base, _, cap = name.partition(":")
    if (base in SETTLED or base == CAPPED) and not follow:
        raise ConfigError(f"run.objective={base} needs runs followed past the end: run.follow=true")
    if base in SIMPLE and not cap:
        return base, None
    if base == CAPPED:
        try:
            value = float(cap)
        except ValueError:
            value = -1.0
        if 0.0 < value < 1.0:
            return base, value
        raise ConfigError(
            f"run.objective={name}: give the cap on P(terminated) as a share, "
            f"e.g. run.objective={CAPPED}:0.10"
        )
    raise ConfigError(
        f"run.objective={name!r} is not an objective; choose one of {', '.join(SIMPLE)}, "
        f"or {CAPPED}:CAP"
    )


def settled_shares(base: str, simulated: dict) -> dict:
    """The outcome shares once every running notice was settled; `ConfigError` if not followed."""
    settled = simulated.get("outcome_shares_settled")
    if settled is None:
        raise ConfigError(f"run.objective={base}: this run was not followed (run.follow)")
    return settled


def objective_value(name: str, summary: dict) -> float:
    """The objective ``name`` of a finished run, from its summary."""
    base, cap = parse_objective(name)
    simulated = summary["simulated"]
    shares = simulated["outcome_shares"]
    match base:
        case "p_real":
            real = (summary.get("real") or {}).get("outcome")
            if real is None:
                raise ConfigError("run.objective=p_real needs a scenario with real events")
            return float(shares[real])
        case _ if base in SETTLED:
            return float(settled_shares(base, simulated)[base.removeprefix("p_settled_")])
        case "peak_tension":
            return float(simulated["median_peak_tension"])
        case "least_pressure":
            n = summary["replications"]
            terminated = settled_shares(base, simulated)["terminated"]
            _, high = wilson_interval(terminated * n, n)
            assert cap is not None  # parse_objective gives least_pressure its cap
            excess = float(high) - cap
            return float(summary["us_pressure"]) if excess < 0 else 1.0 + excess
        case _:
            return float(shares[base.removeprefix("p_")])
