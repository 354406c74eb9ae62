"""Fitting the GP surrogates: clean training data, warm starts, jitter retries, counted warnings.

Every Bayesian optimizer models its outcomes with one BoTorch ``SingleTaskGP`` over the search
cube (inputs already in ``[0, 1]^D``, see :mod:`sysfair.optimizers.space`; outcomes standardised
by the model's default ``Standardize`` transform, which maps a constant outcome column to zero
instead of dividing by a zero standard deviation).
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import gpytorch
import numpy as np
import torch
from botorch.exceptions.errors import ModelFittingError
from botorch.exceptions.warnings import BotorchWarning
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from gpytorch.mlls import ExactMarginalLogLikelihood
from gpytorch.utils.errors import NanError, NotPSDError
from gpytorch.utils.warnings import GPInputWarning, NumericalWarning

__all__ = ["FIT_ERRORS", "JITTERS", "count_warnings", "fit_gp", "training_data"]

log = logging.getLogger(__name__)

DTYPE = torch.float64
# Cholesky jitter (float64) of the successive attempts: GPyTorch's default, then larger.
JITTERS: tuple[float, ...] = (1e-6, 1e-4, 1e-2)
# What a failed fit or a non-PSD posterior raises; each triggers the next jitter, then a fallback.
FIT_ERRORS: tuple[type[BaseException], ...] = (
    ModelFittingError,
    NotPSDError,
    NanError,
    RuntimeError,  # includes torch.linalg.LinAlgError
    ValueError,
)
# Warnings BoTorch and GPyTorch emit in routine use: counted per category, never printed.
_KNOWN_WARNINGS: tuple[type[Warning], ...] = (BotorchWarning, NumericalWarning, GPInputWarning)
# torch's note when linear_operator builds a sparse interpolation matrix (harmless, once per process).
_SPARSE_NOTE = "Sparse invariant checks are implicitly disabled"


def training_data(u: Sequence[np.ndarray], y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows with every outcome finite: ``u`` N x ``[D]``, ``y [N, M]`` -> ``([n, D], [n, M])`` tensors.

    DER is NaN when a group is absent from a batch; such observations are dropped.
    """
    x = np.asarray(u, dtype=np.float64).reshape(len(u), -1)
    y = np.asarray(y, dtype=np.float64).reshape(x.shape[0], -1)
    keep = np.isfinite(y).all(axis=1) & np.isfinite(x).all(axis=1)
    return torch.from_numpy(x[keep]), torch.from_numpy(y[keep])


def fit_gp(
    x: torch.Tensor, y: torch.Tensor, *, warm_start: SingleTaskGP | None = None, warm_maxiter: int = 0
) -> SingleTaskGP:
    """Fit a ``SingleTaskGP`` to ``x [N, D]``, ``y [N, M]`` by maximum marginal likelihood.

    With ``warm_start`` (a model fitted to the same D and M), its hyperparameters are the optimiser's
    starting point, which saves most L-BFGS iterations between consecutive steps; ``warm_maxiter > 0``
    then caps the iterations (one new point barely moves the optimum). Raises one of
    :data:`FIT_ERRORS` on failure; the caller retries under a larger jitter (:func:`jitter`).
    """
    model = SingleTaskGP(x, y)
    if warm_start is not None:
        # Only the raw hyperparameters: the outcome transform's buffers belong to the new data.
        state = {k: v for k, v in warm_start.state_dict().items() if k.rsplit(".", 1)[-1].startswith("raw_")}
        try:
            model.load_state_dict(state, strict=False)
        except RuntimeError:  # shapes changed: start from the defaults
            model = SingleTaskGP(x, y)
    mll = ExactMarginalLogLikelihood(model.likelihood, model)
    if warm_start is not None and warm_maxiter > 0:
        fit_gpytorch_mll(mll, optimizer_kwargs={"options": {"maxiter": warm_maxiter}})
    else:
        fit_gpytorch_mll(mll)
    model.eval()
    return model


@contextmanager
def jitter(value: float) -> Iterator[None]:
    """Cholesky jitter ``value`` for fitting and for every posterior computed inside the block."""
    with gpytorch.settings.cholesky_jitter(float_value=value, double_value=value):
        yield


_RESTART_NOTE = "Optimization failed in `gen_candidates_scipy`"
_SECOND_FAILURE_NOTE = "Optimization failed on the second try"  # kept the best candidate anyway


@contextmanager
def count_warnings(counter: Counter) -> Iterator[None]:
    """Count BoTorch's and GPyTorch's routine warnings by category into ``counter``; re-emit others.

    Deliberately silenced this way: ``NumericsWarning`` (the paper's non-log acquisitions, chosen on
    purpose), ``InputDataWarning``, ``OptimizationWarning`` (L-BFGS stopped early, a fitting detail),
    ``BadInitialCandidatesWarning`` (a flat acquisition, common for qEHVI late in a run) and
    GPyTorch's ``NumericalWarning`` (jitter added); ``optimize_acqf``'s RuntimeWarning that it
    retries from new initial conditions is counted as ``AcquisitionRestart``, and its warning that
    the retry failed as well (the best candidate found is still returned) as
    ``AcquisitionRestartFailed``.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, RuntimeWarning) and str(w.message).startswith(_RESTART_NOTE):
            counter["AcquisitionRestart"] += 1  # optimize_acqf retried from new starting points
        elif issubclass(w.category, RuntimeWarning) and str(w.message).startswith(_SECOND_FAILURE_NOTE):
            counter["AcquisitionRestartFailed"] += 1  # the retry failed too; its best point is used
        elif issubclass(w.category, _KNOWN_WARNINGS) or str(w.message).startswith(_SPARSE_NOTE):
            counter[w.category.__name__] += 1
            log.debug("%s: %s", w.category.__name__, w.message)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
