"""Bijector properties shared by the action-space tests (run in float64)."""

from __future__ import annotations

import numpy as np
import torch
from torch.autograd.functional import jacobian
from torch.distributions import Independent, Normal

from rlmodels_torch import Transformed


def assert_round_trip(bij, x: np.ndarray, atol: float = 1e-9) -> None:
    """inverse(forward(x)) == x."""
    x = torch.as_tensor(x, dtype=torch.float64)
    back = bij.inv(bij(x))
    np.testing.assert_allclose(back.numpy(), x.numpy(), rtol=1e-9, atol=atol)


def assert_log_det_matches_jacobian(bij, x: np.ndarray, omitted: float = 0.0) -> None:
    """forward and inverse log-dets equal log|det| of the autodiff Jacobian of
    one action vector ``x`` ``(d,)`` (slogdet, so vector transforms are covered),
    less ``omitted``: the part of the exact log-det at ``x`` that the transform
    leaves out by definition (MaxNorm's eps^2 radial term, as JaxDEM does)."""
    x = torch.as_tensor(x, dtype=torch.float64)
    _, logdet = torch.linalg.slogdet(jacobian(bij, x))
    logdet = logdet - omitted
    y, forward_log_det = bij.forward_and_log_det(x)
    np.testing.assert_allclose(forward_log_det.numpy(), logdet.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(bij.log_abs_det_jacobian(x, y).numpy(), logdet.numpy(), rtol=1e-9, atol=1e-9)
    _, inv_logdet = torch.linalg.slogdet(jacobian(bij.inv, y))
    np.testing.assert_allclose(
        bij.inverse_and_log_det(y)[1].numpy(), (inv_logdet + omitted).numpy(), rtol=1e-9, atol=1e-9
    )


def assert_entropy_matches_monte_carlo(bij, mean: np.ndarray, std: np.ndarray, seed: int, n: int = 20_000) -> None:
    """The analytic entropy is within 5 standard errors of ``-E[log p(y)]``
    estimated from ``n`` samples (log p by the forward log-det, so samples the
    inverse would clip still count exactly)."""
    mean, std = torch.as_tensor(mean), torch.as_tensor(std)
    pi = Transformed(Independent(Normal(mean, std), 1), bij)
    z = torch.as_tensor(np.random.default_rng(seed).standard_normal((n, len(mean))))
    x = mean + std * z
    log_p = pi.distribution.log_prob(x) - bij.forward_and_log_det(x)[1]
    estimate = -float(log_p.mean())
    stderr = float(log_p.std()) / np.sqrt(n)
    assert abs(float(pi.entropy()) - estimate) <= 5 * stderr + 1e-9, (float(pi.entropy()), estimate, stderr)
