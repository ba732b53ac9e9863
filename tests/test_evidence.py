"""The evidence estimate against quadrature, where the integral can be done on a grid."""

import numpy as np
import pytest

from sim.analysis.evidence import log_evidence
from sim.analysis.fit import MovesObjective
from sim.analysis.likelihood import Episode
from sim.analysis.space import Space

KEYS = ["seoul.provocation:0.001:10:log", "payoffs.audience.seoul:0.01:100:log"]


def quadrature(space: Space, episode: Episode, points: int = 151) -> float:
    """log of the mean likelihood over the box (flat in coordinates), by the trapezoid rule."""
    objective = MovesObjective(space, (episode,), acts=True)
    axes = [np.linspace(lo, hi, points) for lo, hi in zip(space.low, space.high, strict=True)]
    grid = np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")])
    loglik = objective.loglik(grid).reshape(points, points)
    top = loglik.max()
    inner = np.trapezoid(np.exp(loglik - top), axes[1], axis=1)
    volume = float(np.prod(space.high - space.low))
    return float(np.log(np.trapezoid(inner, axes[0]) / volume) + top)


@pytest.mark.slow
def test_log_evidence_matches_quadrature_in_two_dimensions(gsomia_case, compare_default):
    # Seoul's provocation hazard and audience weight over the first 20 weeks, conduct held:
    # nautilus's estimate within 0.05 nats of a 151 x 151 trapezoid grid (seed fixed).
    episode = Episode(gsomia_case.scenario, gsomia_case.real, 20)
    space = Space.of(compare_default.model_params, KEYS)
    evidence = log_evidence(space, (episode,), live=300, seed=1, conduct=False)
    assert evidence.keys == ("seoul.provocation", "payoffs.audience.seoul")
    assert evidence.log_z == pytest.approx(quadrature(space, episode), abs=0.05)
    # A mean of the likelihood over a normalised prior cannot exceed its largest value.
    assert evidence.log_z < evidence.max_loglik
    assert evidence.likelihood_calls > 0 and evidence.effective_samples > 1000
