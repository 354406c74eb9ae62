"""Tables and text made from trial results: per-trial tables, summary, front of alphas, printout."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sysfair.experiment import record as rec
from sysfair.experiment.trials import TrialResult
from sysfair.system.oracle import OracleFront
from sysfair.system.pareto import pareto_mask

__all__ = [
    "convergence_table",
    "best_so_far",
    "format_front_alphas",
    "format_summary",
    "front_alphas",
    "model_audit_metrics",
    "oracle_metrics",
    "oracle_table",
    "summarise",
    "trial_table",
]


def oracle_metrics(oracle: OracleFront) -> dict[str, float]:
    """The exact front's landmarks as MLflow metrics (``setting/oracle/...``)."""
    values = {
        "hypervolume": oracle.hypervolume,
        "max_utility": float(oracle.max_utility[0]),
        "der_at_max_utility": float(oracle.max_utility[1]),
        "max_der": float(oracle.max_der[1]),
        "utility_at_max_der": float(oracle.max_der[0]),
        "reference_utility": float(oracle.reference[0]),
        "reference_der": float(oracle.reference[1]),
        "front_size": float(len(oracle.points)),
    }
    return {rec.oracle_metric(k): v for k, v in values.items()}


def oracle_table(oracle: OracleFront, label_names: tuple[str, ...]) -> pd.DataFrame:
    """The exact front as a table: one row per point, its alpha and (utility, DER)."""
    return pd.DataFrame(
        {
            **{f"alpha_{n}": oracle.alphas[:, k] for k, n in enumerate(label_names)},
            "utility": oracle.points[:, 0],
            "der": oracle.points[:, 1],
        }
    )


def model_audit_metrics(table: pd.DataFrame) -> dict[str, float]:
    """Model-level audit rows as MLflow metrics ``setting/model/<label>_group<g>_<auc|ece>``."""
    return {
        rec.model_metric(r.label, r.group, col): float(getattr(r, col))
        for r in table.itertuples()
        for col in ("auc", "ece")
        if np.isfinite(getattr(r, col))
    }


def trial_table(result: TrialResult, label_names: tuple[str, ...]) -> pd.DataFrame:
    """One row per iteration: alpha, observed and noise-free (utility, DER), on the observed front."""
    table = pd.DataFrame(
        {
            "trial": result.index,
            "iteration": np.arange(result.alphas.shape[0]),
            **{f"alpha_{n}": result.alphas[:, k] for k, n in enumerate(label_names)},
            "observed_utility": result.observed_utility,
            "observed_der": result.observed_der,
            "exact_utility": result.exact_utility,
            "exact_der": result.exact_der,
        }
    )
    table["on_observed_front"] = pareto_mask(table[["observed_utility", "observed_der"]].to_numpy())
    return table


def summarise(results: list[TrialResult], reference: np.ndarray, oracle: OracleFront | None) -> pd.DataFrame:
    """Mean and sd (ddof=1; 0 for one trial) over trials, in trial order, of each final score."""
    ordered = sorted(results, key=lambda r: r.index)
    per_trial = pd.DataFrame([r.summary(reference, oracle) for r in ordered])
    per_trial = per_trial[[k for k in (*rec.SUMMARY_KEYS, "n_fallbacks") if k in per_trial]]
    return pd.DataFrame({"mean": per_trial.mean(), "sd": per_trial.std(ddof=1).fillna(0.0)})


def convergence_table(
    results: list[TrialResult], reference: np.ndarray, oracle: OracleFront | None
) -> pd.DataFrame:
    """Per iteration: the mean over trials of the best-so-far noise-free hypervolume (and regret)."""
    curves = [r.convergence(reference, oracle) for r in sorted(results, key=lambda r: r.index)]
    table = pd.DataFrame({k: np.mean([c[k] for c in curves], axis=0) for k in curves[0]})
    table.index.name = "iteration"
    return table


def front_alphas(results: list[TrialResult], label_names: tuple[str, ...]) -> pd.DataFrame:
    """The non-dominated alphas found across all trials, by noise-free (utility, DER); one row per
    distinct point, best utility first: the candidates a team would deploy."""
    tables = [trial_table(r, label_names) for r in sorted(results, key=lambda r: r.index)]
    every = pd.concat(tables, ignore_index=True)
    points = every[["exact_utility", "exact_der"]].to_numpy()
    front = every[pareto_mask(points)]
    front = front.drop_duplicates(subset=["exact_utility", "exact_der"])
    cols = ["trial", "iteration", *[f"alpha_{n}" for n in label_names], "exact_utility", "exact_der"]
    front = front[cols].rename(columns={"exact_utility": "utility", "exact_der": "der"})
    return front.sort_values("utility", ascending=False, ignore_index=True)


def format_front_alphas(front: pd.DataFrame, label_names: tuple[str, ...]) -> str:
    """The front of alphas as a printed table."""
    lines = [f"{'alpha':<24}{'utility':>10}{'DER':>10}   (trial, iteration)"]
    for _, r in front.iterrows():
        alpha = "(" + ", ".join(f"{r['alpha_' + n]:.4f}" for n in label_names) + ")"
        lines.append(
            f"{alpha:<24}{r['utility']:>10.4f}{r['der']:>10.4f}   ({int(r['trial'])}, {int(r['iteration'])})"
        )
    return "\n".join(lines)


def best_so_far(results: dict[int, TrialResult]) -> str:
    """Best noise-free values so far across finished trials, for the progress bar."""
    if not results:
        return ""
    u = max(float(np.nanmax(r.exact_utility)) for r in results.values())
    d = max(float(np.nanmax(r.exact_der)) for r in results.values())
    return f"best utility {u:.4f}, best DER {d:.4f}"


def format_summary(result: Any, n_trials: int | None = None) -> str:
    """The text printed at the end of a run (``result``: an ``ExperimentResult``): mean and sd,
    the front of alphas, where to look."""
    n = len(result.trials) if n_trials is None else n_trials
    rows = [f"{'metric':<22}{'mean':>10}{'sd':>10}"]
    rows += [
        f"{k:<22}{result.summary.loc[k, 'mean']:>10.4f}{result.summary.loc[k, 'sd']:>10.4f}"
        for k in result.summary.index
    ]
    front = ""
    if len(result.front):
        front = (
            f"\n\nNon-dominated alphas found ({len(result.front)}; utility and DER noise-free on the "
            f"whole pool):\n{format_front_alphas(result.front, result.label_names)}"
        )
    from sysfair.experiment.tracking import ui_command

    where = ui_command(result.tracking_uri, result.experiment_id or None)
    return (
        f"\nSummary of {result.title or 'the experiment'} over {n} trials (alphas re-evaluated "
        "noise-free on the whole pool):\n" + "\n".join(rows) + front + f"\n\nMLflow run {result.run_id}. "
        f"Open the results with:\n  {where.replace(chr(10), chr(10) + '  ')}\n"
    )
