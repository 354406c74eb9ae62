"""A live A/B study of serving weights, with a simulated system playing the live traffic.

On a real recommender, replace ``system.bucket(...)`` by the per-group results of deploying the
arm to a slice of traffic (for a day, say), and run each step whenever it suits: the study lives
in the MLflow store, so each step can be a separate process (or the ``sysfair study`` command).
Run: ``python examples/live_study.py`` (writes ``studies.db`` in the current folder).
"""

from __future__ import annotations

import sysfair

system = sysfair.System.build(
    sysfair.load_config(overrides=["dataset.n_sessions=1000", "scorer.n_estimators=20"])
)
groups = [str(g) for g in range(system.n_groups)]
study = sysfair.Study.create(
    "example", groups=groups, labels=system.label_names, tracking_uri="sqlite:///studies.db"
)  # fails if the study exists: delete studies.db to start over

for day in range(3):
    arms = study.ask(n_arms=4)  # one round: 4 arms deployed side by side
    for arm in arms.itertuples():
        alpha = [getattr(arm, f"alpha_{k}") for k in system.label_names]
        seen = system.bucket(alpha, n_sessions=300, seed=100 * day + arm.Index)  # the live bucket
        study.tell(arm.arm, group_utility=seen["group_utility"], group_sessions=seen["group_sessions"])

# any process can continue or inspect it:
study = sysfair.Study.open("example", tracking_uri="sqlite:///studies.db")
print(study.status().to_string(index=False))
front = study.front()
print(
    front[
        ["arm", *[f"alpha_{k}" for k in system.label_names], "utility", "utility_se", "der", "der_se"]
    ].round(4)
)
tried = study.arms()[[f"alpha_{k}" for k in system.label_names]]
print(f"noise-free hypervolume regret of the arms tried: {system.hypervolume_regret(tried):.4f}")
