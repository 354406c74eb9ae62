"""Contract and quality tests of every optimizer of serving weights (sysfair.optimizers).

The contract suite (Optuna style) runs for every registered name: proposals have shape [K], lie
in the bounds, and the same seed gives the same proposals in this process and in a subprocess.
Toy objectives below stand in for the platform so the file runs in about a minute.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys

import numpy as np
import pytest

from sysfair.optimizers import OPTIMIZERS, Observation, make_optimizer
from sysfair.optimizers.configs import OPTIMIZER_SCHEMAS
from sysfair.system.pareto import hypervolume

NAMES = sorted(OPTIMIZERS)
# Small acquisition budgets keep the suite fast; fair_ehvi gets q = 2 instead of the paper's 10.
FAST = {
    "n_init": 3,
    "num_restarts": 2,
    "raw_samples": 32,
    "mc_samples": 16,
    "grid_size": 64,
    "n_candidates": 4,
    "q": 2,
}


def fast_config(name: str, **overrides: object) -> object:
    """The schema of ``name`` with the FAST budgets (where it has such fields) and ``overrides``."""
    schema = OPTIMIZER_SCHEMAS[name]
    fields = {f.name for f in dataclasses.fields(schema)}
    cfg = schema(**{k: v for k, v in {**FAST, **overrides}.items() if k in fields})
    cfg.check()
    return cfg


def toy(alpha: np.ndarray) -> Observation:
    """A bi-objective of alpha's direction: utility peaks at theta ~ 0.35, DER at theta ~ 1.0."""
    d = alpha / np.linalg.norm(alpha)
    theta = np.arctan2(np.linalg.norm(d[1:]), d[0])
    utility = float(np.exp(-(((theta - 0.35) / 0.4) ** 2)))
    der = float(np.exp(-(((theta - 1.0) / 0.4) ** 2)))
    return Observation(utility, der, np.array([utility, der]))


def run(name: str, n_labels: int, seed: int, n_iter: int, objective=toy, **overrides: object):
    """Drive optimizer ``name`` for ``n_iter`` ask/tell steps; return it and its proposals [T, K]."""
    opt = make_optimizer(fast_config(name, **overrides), n_labels, seed)
    alphas = []
    for _ in range(n_iter):
        alpha = opt.ask()
        opt.tell(alpha, objective(alpha))
        alphas.append(alpha)
    return opt, np.stack(alphas)


# ---- contract: every optimizer ------------------------------------------------------------------


@pytest.mark.parametrize("n_labels", [2, 3])
@pytest.mark.parametrize("name", NAMES)
def test_ask_shape_and_bounds(name: str, n_labels: int) -> None:
    opt, alphas = run(name, n_labels, seed=1, n_iter=4)  # 3 Sobol points, then one model-based step
    assert alphas.shape == (4, n_labels)
    assert alphas.dtype == np.float64
    assert np.all(alphas >= opt.bounds[0]) and np.all(alphas <= opt.bounds[1])
    assert np.all(alphas.sum(axis=1) > 0)
    assert getattr(opt, "n_fallbacks", 0) == 0


@pytest.mark.parametrize("name", NAMES)
def test_bounds_other_than_unit_box(name: str) -> None:
    opt, alphas = run(name, 2, seed=2, n_iter=4, lower=0.2, upper=3.0)
    assert np.all(alphas >= 0.2) and np.all(alphas <= 3.0)


def _proposals(name: str) -> list[list[float]]:
    return run(name, 2, seed=7, n_iter=5)[1].tolist()


@pytest.fixture(scope="module")
def proposals_in_subprocess() -> dict[str, list[list[float]]]:
    code = "import json, test_optimizers as t; print(json.dumps({n: t._proposals(n) for n in t.NAMES}))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=str(__import__("pathlib").Path(__file__).parent),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_proposals(name: str, proposals_in_subprocess) -> None:
    first, second = _proposals(name), _proposals(name)
    assert first == second
    assert first == proposals_in_subprocess[name]  # JSON keeps float64 exactly
    if name != "random":
        assert run(name, 2, seed=8, n_iter=5)[1].tolist() != first


# ---- quality ------------------------------------------------------------------------------------


def peak_1d(alpha: np.ndarray) -> Observation:
    """Known 1-D function of the direction angle u in [0, 1]: maximum 1 at u = 0.8."""
    u = np.arctan2(alpha[1], alpha[0]) / (np.pi / 2)
    value = float(np.exp(-(((u - 0.8) / 0.12) ** 2)) + 0.3 * np.exp(-(((u - 0.2) / 0.1) ** 2)))
    return Observation(value, 1.0, np.array([value, value]))


def bowl_2d(alpha: np.ndarray) -> Observation:
    """Known 2-D function of alpha in the box: maximum 0 at (0.8, 0.15)."""
    value = float(-((alpha[0] - 0.8) ** 2) - 2.0 * (alpha[1] - 0.15) ** 2)
    return Observation(value, 1.0, np.array([value, value]))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("objective", "space", "optimum"), [(peak_1d, "directions", 1.0), (bowl_2d, "box", 0.0)]
)
def test_ei_beats_random(objective, space: str, optimum: float) -> None:
    def regret(name: str, seed: int) -> float:
        _, alphas = run(name, 2, seed, 10, objective, space=space, num_restarts=4, raw_samples=64)
        return optimum - max(objective(a).utility for a in alphas)

    seeds = range(3)
    ei = np.mean([regret("ei", s) for s in seeds])
    rnd = np.mean([regret("random", s) for s in seeds])
    assert ei < 0.5 * rnd, (ei, rnd)


@pytest.mark.slow
def test_fair_nehvi_front_beats_random() -> None:
    def front_hv(name: str, seed: int) -> float:
        _, alphas = run(name, 2, seed, 10, grid_size=128, mc_samples=32, n_candidates=10)
        points = np.array([[o.utility, o.der] for o in map(toy, alphas)])
        return hypervolume(points, np.zeros(2))

    seeds = range(2)
    nehvi = [front_hv("fair_nehvi", s) for s in seeds]
    rnd = [front_hv("random", s) for s in seeds]
    assert np.mean(nehvi) > np.mean(rnd), (nehvi, rnd)


# ---- numerics -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ei", "fair_nehvi"])
def test_failed_fit_falls_back_to_sobol(name: str, monkeypatch, caplog) -> None:
    from botorch.exceptions.errors import ModelFittingError

    import sysfair.optimizers.gp as gp

    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise ModelFittingError("forced failure")

    monkeypatch.setattr(gp, "fit_gpytorch_mll", broken)
    with caplog.at_level(logging.WARNING, logger="sysfair.optimizers.bo"):
        opt, alphas = run(name, 2, seed=0, n_iter=6)
    assert opt.n_fallbacks == 3  # every step after the 3 Sobol points
    assert opt.diagnostics()["n_fallbacks"] == 3.0  # logged to MLflow per trial
    assert len(calls) == 3 * len(gp.JITTERS)  # each step retried at every jitter
    assert "falling back" in caplog.text or "Sobol point" in caplog.text
    assert np.all(alphas >= 0) and np.all(alphas <= 1)
    assert len({tuple(a) for a in alphas}) == 6  # fallback points continue the Sobol sequence


@pytest.mark.parametrize("name", ["fair_nehvi", "fair_ehvi", "constrained_ei", "parego"])
def test_constant_der_and_nan_der(name: str) -> None:
    count = iter(range(100))

    def flat(alpha: np.ndarray) -> Observation:
        o = toy(alpha)
        der = np.nan if next(count) % 3 == 1 else 1.0  # DER identically 1, sometimes missing
        return Observation(o.utility, der, o.group_utility)

    opt, alphas = run(name, 2, seed=3, n_iter=6, objective=flat)
    assert np.all(np.isfinite(alphas)) and np.all(alphas >= 0) and np.all(alphas <= 1)
    assert opt.n_fallbacks == 0


def test_no_duplicate_proposals() -> None:
    opt, alphas = run("ei", 2, seed=4, n_iter=8, objective=peak_1d, space="directions")
    u = np.array(opt._u)
    gaps = np.abs(u[:, None, :] - u[None, :, :]).max(axis=-1) + np.eye(len(u))
    assert gaps.min() > opt.config.duplicate_tol


def test_degenerate_alpha_never_proposed() -> None:
    """The floor keeps every alpha_k > 0, also on the box's faces where BO likes to go."""
    _, alphas = run("ei", 2, seed=5, n_iter=6, objective=bowl_2d, space="box")
    assert np.all(alphas >= 1e-6)


def test_count_warnings_counts_known_ones_and_reemits_others() -> None:
    """optimize_acqf's restart notes are counted, an unknown warning still reaches the caller."""
    import warnings
    from collections import Counter

    from sysfair.optimizers.gp import count_warnings

    counter: Counter[str] = Counter()
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        with count_warnings(counter):
            warnings.warn("Optimization failed in `gen_candidates_scipy` ...", RuntimeWarning, stacklevel=1)
            warnings.warn("Optimization failed on the second try, after ...", RuntimeWarning, stacklevel=1)
            warnings.warn("something new", UserWarning, stacklevel=1)
    assert counter == {"AcquisitionRestart": 1, "AcquisitionRestartFailed": 1}
    assert [str(w.message) for w in outside] == ["something new"]
