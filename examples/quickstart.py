"""sysfair from Python: build a small system, evaluate serving weights, run an experiment, read it back.

Run from any folder: ``python examples/quickstart.py``. It writes ``mlflow.db`` in the current
folder; the built system is cached in sysfair's cache folder (printed), so a second run loads it.
"""

from __future__ import annotations

import sysfair

# 1. A system from plain overrides (the same keys as `sysfair run`; a YAML file works too:
#    sysfair.load_config("my_config.yaml")). Small sizes so that this runs in seconds.
config = sysfair.load_config(
    overrides=[
        "dataset.n_sessions=1000",  # synthetic data: 200 sessions train the scorers, 800 serve
        "scorer.n_estimators=20",
        "optimizer=fair_nehvi",
        "trials.n_trials=2",
        "trials.n_iterations=8",
        "trials.batch_size=200",
        "trials.n_jobs=1",
        "progress=false",
    ]
)
system = sysfair.System.build(config)  # prints the cache folder and whether it built or loaded

# 2. Serving weights alpha -> utility, DER and per-group utility on every session.
print(system.evaluate([[0.9, 0.1], [0.5, 0.5], [0.1, 0.9]]).round(4).to_string(index=False))
front = system.oracle_front()
print(f"\nexact Pareto front over alpha: {len(front)} points, DER up to {front['der'].max():.4f}")

# 3. An experiment: the optimizer's trials, logged to MLflow, returned as DataFrames.
result = sysfair.run_experiment(config, tracking_uri="sqlite:///mlflow.db")
print(
    "\nper trial:\n" + result.trials[["trial", "best_utility", "best_der", "hypervolume_regret"]].to_string()
)
print(f"\n{len(result.iterations)} iterations, {len(result.fronts)} on the trials' observed fronts")

# 4. Later, from any process: the same tables read back from the MLflow store.
again = sysfair.read_experiment(result.run_id, tracking_uri="sqlite:///mlflow.db")
assert again.iterations[["exact_utility", "exact_der"]].equals(
    result.iterations[["exact_utility", "exact_der"]]
)
print("\nsummary (mean, sd over trials):\n" + again.summary.round(4).to_string())
