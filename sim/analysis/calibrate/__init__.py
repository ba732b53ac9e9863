"""Calibration to a real sequence."""

from sim.analysis.calibrate.fit import *  # noqa: F403
