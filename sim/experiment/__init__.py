"""Experiments: config schemas, config to model, the job that writes results, sweeps."""
