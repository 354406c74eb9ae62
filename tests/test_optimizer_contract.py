"""The ask/tell contract (sysfair.optimizers.base), run against every built-in optimizer.

Each check takes a factory ``make(n_labels, seed, lower, upper) -> Optimizer`` so that the same
suite also runs on a user's optimizer (tests/test_extensions.py): shapes and bounds, the same seed
giving the same proposals in this process and in another one, and tell of an alpha that ask did
not return (or returned and was told already) refused without recording anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from test_optimizers import fast_config, toy

from sysfair.errors import SysfairError
from sysfair.optimizers import Optimizer, make_optimizer
from sysfair.optimizers.base import UnknownAlphaError
from sysfair.optimizers.configs import OPTIMIZER_SCHEMAS

Make = Callable[..., Optimizer]
BUILT_IN = sorted(n for n, s in OPTIMIZER_SCHEMAS.items() if s.__module__.startswith("sysfair."))
N_ASK = 4  # three Sobol points of the BO optimizers (FAST n_init), then one model-based proposal


def built_in(name: str) -> Make:
    """Factory of the built-in optimizer ``name`` with small acquisition budgets."""

    def make(n_labels: int = 2, seed: int = 0, lower: float = 0.0, upper: float = 1.0) -> Optimizer:
        return make_optimizer(fast_config(name, lower=lower, upper=upper), n_labels, seed)

    return make


def drive(opt: Optimizer, n: int = N_ASK) -> np.ndarray:
    """``n`` ask/tell steps on the toy bi-objective; the proposals ``[n, K]``."""
    alphas = []
    for _ in range(n):
        alpha = opt.ask()
        opt.tell(alpha, toy(np.asarray(alpha)))
        alphas.append(np.asarray(alpha))
    return np.stack(alphas)


def check_shapes_and_bounds(make: Make) -> None:
    for n_labels, lower, upper in [(2, 0.0, 1.0), (3, 0.2, 3.0)]:
        alphas = drive(make(n_labels=n_labels, seed=1, lower=lower, upper=upper))
        assert alphas.shape == (N_ASK, n_labels) and alphas.dtype == np.float64
        assert np.isfinite(alphas).all()
        assert (alphas >= lower).all() and (alphas <= upper).all(), alphas
        assert (alphas.sum(axis=1) > 0).all()


def check_same_seed_same_proposals(make: Make) -> list[list[float]]:
    first, second = drive(make(seed=7)).tolist(), drive(make(seed=7)).tolist()
    assert first == second
    return first


def check_unknown_alpha_refused(make: Make) -> None:
    opt = make(seed=3)
    alpha = np.asarray(opt.ask())
    other = np.clip(alpha * 0.5 + 0.123, opt.bounds[0], opt.bounds[1])
    with pytest.raises(UnknownAlphaError, match="never asked") as info:
        opt.tell(other, toy(other))
    assert isinstance(info.value, SysfairError)  # the CLI prints it as one line
    assert opt.alphas == [] and opt.observations == []  # nothing recorded
    opt.tell(alpha.copy(), toy(alpha))  # a copy of the asked alpha is fine
    with pytest.raises(UnknownAlphaError, match="told already"):
        opt.tell(alpha, toy(alpha))
    assert len(opt.alphas) == 1
    drive(opt, 2)  # the optimizer goes on normally after a refused tell


def proposals_of_all() -> dict[str, list[list[float]]]:
    """seed-7 proposals of every built-in optimizer (run in a subprocess by the test below)."""
    return {name: drive(built_in(name)(seed=7)).tolist() for name in BUILT_IN}


@pytest.fixture(scope="module")
def proposals_in_subprocess() -> dict[str, list[list[float]]]:
    code = "import json, test_optimizer_contract as t; print(json.dumps(t.proposals_of_all()))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).parent, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_built_in_optimizer_is_covered() -> None:
    expected = {"random", "sobol", "ei", "constrained_ei", "parego", "fair_ehvi", "fair_nehvi"}
    assert expected <= set(BUILT_IN)


@pytest.mark.parametrize("name", BUILT_IN)
def test_shapes_and_bounds(name: str) -> None:
    check_shapes_and_bounds(built_in(name))


@pytest.mark.parametrize("name", BUILT_IN)
def test_same_seed_same_proposals_here_and_in_another_process(name: str, proposals_in_subprocess) -> None:
    here = check_same_seed_same_proposals(built_in(name))
    assert here == proposals_in_subprocess[name]  # JSON keeps float64 exactly
    assert drive(built_in(name)(seed=8)).tolist() != here  # the seed matters


@pytest.mark.parametrize("name", BUILT_IN)
def test_tell_of_an_unknown_alpha_is_refused(name: str) -> None:
    check_unknown_alpha_refused(built_in(name))


def test_optimizer_gets_its_own_config_and_the_box_only() -> None:
    cfg = fast_config("sobol", lower=0.5, upper=2.0)
    opt = make_optimizer(cfg, 3, seed=0)
    assert opt.config is cfg
    assert np.array_equal(opt.bounds, [[0.5, 0.5, 0.5], [2.0, 2.0, 2.0]])
