"""Calibration: fit the model to a real sequence and make the fit the default."""
