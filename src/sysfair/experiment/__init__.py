"""Experiments: the config schemas they run from, the trial loop and the MLflow record."""
