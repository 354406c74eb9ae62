"""The command-line edge: the ``sysfair`` command, the Hydra task and the sweep callback."""
