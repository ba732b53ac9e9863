"""The comparison with history: likelihood, baselines, compare and calibrate."""
