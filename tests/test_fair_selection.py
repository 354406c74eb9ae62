"""Fair-BO's selection rules (paper Appendix C.4; sysfair.optimizers.selection) on hand-computed cases."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
import torch
from botorch.acquisition import LogExpectedImprovement
from botorch.acquisition.objective import ScalarizedPosteriorTransform
from botorch.models import SingleTaskGP

from sysfair.errors import ConfigError
from sysfair.optimizers import make_optimizer
from sysfair.optimizers.configs import FairEHVIConfig, FairNEHVIConfig
from sysfair.optimizers.selection import log_expected_improvement, selection_order

# Three candidates A, B, C with a known posterior (utility, DER): mean and standard deviation.
# Best observed utility 0.70, best observed DER 0.90. Expected improvement by hand,
# EI = sigma * (z Phi(z) + phi(z)), z = (mu - best) / sigma:
#   DER:     A mu 0.89 sd 0.001 -> z = -10  -> EI ~ 0.001 * phi(10) / 10^2 ~ 7.5e-28
#            B mu 0.88 sd 0.05  -> z = -0.4 -> 0.05 * (0.368270 - 0.4 * 0.344578) = 0.0115219
#            C mu 0.91 sd 0     -> EI = 0.91 - 0.90                                 = 0.01
#   utility: A mu 0.72 sd 0.01  -> z = 2    -> 0.01 * (2 * 0.977250 + 0.053991)    = 0.0200849
#            B mu 0.60 sd 0.001 -> z = -100 -> log EI ~ log(0.001 phi(100) / 100^2) ~ -5016.9
#            C mu 0.69 sd 0.1   -> z = -0.1 -> 0.1 * (0.396953 - 0.1 * 0.460172)    = 0.0350936
# so the paper's rule (highest expected DER improvement) serves B while the highest posterior-mean
# DER is C; the highest expected utility improvement is C while the highest mean utility is A.
MEAN = torch.tensor([[0.72, 0.89], [0.60, 0.88], [0.69, 0.91]], dtype=torch.float64)
SD = torch.tensor([[0.01, 0.001], [0.001, 0.05], [0.1, 0.0]], dtype=torch.float64)
BEST = torch.tensor([0.70, 0.90], dtype=torch.float64)
EI_DER = [None, 0.0115219, 0.01]
EI_UTILITY = [0.0200849, None, 0.0350936]


class StubPosterior:
    def __init__(self, index: torch.Tensor) -> None:
        self.mean = MEAN[index]
        self.variance = SD[index] ** 2


class StubModel:
    """``posterior(X [n, 1])``: the candidate whose index is stored in X's only column."""

    def posterior(self, X: torch.Tensor) -> StubPosterior:
        return StubPosterior(X[:, 0].round().long())


CANDIDATES = torch.tensor([[0.0], [1.0], [2.0]], dtype=torch.float64)  # A, B, C


def test_log_expected_improvement_hand_computed() -> None:
    ei_der = log_expected_improvement(MEAN[:, 1], SD[:, 1] ** 2, BEST[1]).exp()
    ei_utility = log_expected_improvement(MEAN[:, 0], SD[:, 0] ** 2, BEST[0]).exp()
    for got, want in [(ei_der, EI_DER), (ei_utility, EI_UTILITY)]:
        for g, w in zip(got.tolist(), want, strict=True):
            if w is not None:
                assert g == pytest.approx(w, rel=2e-5)
    assert ei_der[0].item() == pytest.approx(7.4746e-28, rel=1e-3)
    # far below the incumbent EI underflows, its log does not: the order stays defined
    log_b = log_expected_improvement(MEAN[1:2, 0], SD[1:2, 0] ** 2, BEST[0]).item()
    assert log_b == pytest.approx(
        math.log(0.001) - 0.5 * 100**2 - 0.5 * math.log(2 * math.pi) - 2 * math.log(100), abs=1e-3
    )


def test_log_expected_improvement_far_tail_and_zero_variance() -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    for z in (-1.0, -5.0, -37.0, -200.0, -3000.0, 0.5, 4.0):
        exact = mpmath.log(mpmath.npdf(z) + z * mpmath.ncdf(z))
        got = log_expected_improvement(torch.tensor([z], dtype=torch.float64), torch.tensor([1.0]), 0.0)
        assert float(got) == pytest.approx(float(exact), rel=1e-9), z
    # sigma = 0: log(max(mu - best, 0)); sigma = 2 scales EI by 2
    got = log_expected_improvement(torch.tensor([0.3, -0.3]), torch.tensor([0.0, 0.0]), 0.0)
    assert got[0].item() == pytest.approx(math.log(0.3)) and got[1].item() == -math.inf
    scaled = log_expected_improvement(torch.tensor([-2.0]), torch.tensor([4.0]), 0.0)
    assert scaled.item() == pytest.approx(
        math.log(2.0) + float(mpmath.log(mpmath.npdf(-1) - mpmath.ncdf(-1)))
    )


def test_log_expected_improvement_matches_botorch_on_a_gp() -> None:
    torch.manual_seed(0)
    x = torch.rand(8, 1, dtype=torch.float64)
    y = torch.stack([torch.sin(6 * x[:, 0]), torch.cos(5 * x[:, 0])], dim=-1)
    model = SingleTaskGP(x, y)
    model.eval()
    grid = torch.linspace(0, 1, 41, dtype=torch.float64).reshape(-1, 1)
    posterior = model.posterior(grid)
    best = y[:, 1].max()
    ours = log_expected_improvement(posterior.mean[:, 1], posterior.variance[:, 1], best)
    transform = ScalarizedPosteriorTransform(weights=torch.tensor([0.0, 1.0], dtype=torch.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = LogExpectedImprovement(model, best_f=best, posterior_transform=transform)(grid.unsqueeze(1))
    torch.testing.assert_close(ours, theirs.detach(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("der_improvement", [1, 2, 0]),  # B (0.01152) > C (0.01) > A (~0): the paper's rule
        ("der_mean", [2, 0, 1]),  # C 0.91 > A 0.89 > B 0.88: sysfair's former default
        ("utility_improvement", [2, 0, 1]),  # C (0.0351) > A (0.0201) > B (~0)
        ("utility_mean", [0, 2, 1]),  # A 0.72 > C 0.69 > B 0.60
    ],
)
def test_each_rule_picks_its_hand_computed_point(rule: str, expected: list[int]) -> None:
    order = selection_order(rule, StubModel(), CANDIDATES, BEST, np.random.default_rng(0))
    assert order.tolist() == expected


def test_random_rule_is_a_seeded_permutation() -> None:
    picks = [
        int(selection_order("random", StubModel(), CANDIDATES, BEST, np.random.default_rng(s))[0])
        for s in range(30)
    ]
    assert picks[0] == int(np.random.default_rng(0).permutation(3)[0])
    assert set(picks) == {0, 1, 2}


@pytest.mark.parametrize("name", ["fair_ehvi", "fair_nehvi"])
def test_fair_optimizers_default_to_the_papers_rule(name: str) -> None:
    """FairBO.order uses the observed maxima as incumbents: y's best DER 0.90 and utility 0.70."""
    cfg = {"fair_ehvi": FairEHVIConfig, "fair_nehvi": FairNEHVIConfig}[name]()
    assert cfg.select == "der_improvement"
    opt = make_optimizer(cfg, 2, seed=0)
    y = torch.tensor([[0.70, 0.85], [0.65, 0.90]], dtype=torch.float64)
    assert opt.order(StubModel(), CANDIDATES, y).tolist() == [[1.0], [2.0], [0.0]]
    opt.config = dataclasses.replace(cfg, select="der_mean")
    assert opt.order(StubModel(), CANDIDATES, y).tolist() == [[2.0], [0.0], [1.0]]


@pytest.mark.parametrize("old", ["der", "utility"])
def test_old_rule_names_get_a_clear_error(old: str) -> None:
    with pytest.raises(ConfigError, match=f"optimizer.select='{old}'.*is now '{old}_mean'"):
        FairEHVIConfig(select=old).check()


def test_log_expected_improvement_tail_keeps_its_digits_on_both_sides_of_the_switch() -> None:
    """log EI - log phi(z) = log(1 - t m(t)) (t = -z): compared on its own scale, to 1e-9, where
    the direct formula (t <= 1e3) and the asymptotic series (t > 1e3) take over."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 80
    for z in (-1.5, -37.0, -999.5, -1000.5, -3000.0):
        exact = mpmath.log(mpmath.npdf(z) + z * mpmath.ncdf(z)) - mpmath.log(mpmath.npdf(z))
        got = log_expected_improvement(torch.tensor([z], dtype=torch.float64), torch.tensor([1.0]), 0.0)
        tail = float(got) + 0.5 * z**2 + 0.5 * math.log(2 * math.pi)
        assert tail == pytest.approx(float(exact), abs=1e-8), z


def test_nan_scores_are_served_last_and_unknown_rules_are_named() -> None:
    class NanModel:
        def posterior(self, X: torch.Tensor) -> StubPosterior:
            post = StubPosterior(X[:, 0].round().long())
            post.mean = post.mean.clone()
            post.mean[:, 1] = torch.tensor([math.nan, -0.5, -0.2])[: len(X)]  # A's DER unknown
            post.mean[:, 0] = torch.tensor([-1.0, -2.0, -3.0])[: len(X)]
            return post

    rng = np.random.default_rng(0)
    order = selection_order("der_mean", NanModel(), CANDIDATES, BEST, rng)
    assert order.tolist() == [2, 1, 0]
    order = selection_order("utility_mean", NanModel(), CANDIDATES, BEST, rng)
    assert order.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match=r"optimizer.select='der'.*'der_improvement'"):
        selection_order("der", NanModel(), CANDIDATES, BEST, rng)
