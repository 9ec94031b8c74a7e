"""Bijector properties shared by the action-space tests (run in float64, under
``backend.float64()``)."""

from __future__ import annotations

import numpy as np

from tests.backends.frameworks import Backend


def assert_round_trip(backend: Backend, bij, x: np.ndarray, atol: float = 1e-9) -> None:
    """inverse(forward(x)) == x."""
    x = backend.array(x, "float64")
    back = backend.inverse(bij, backend.forward(bij, x))
    np.testing.assert_allclose(backend.numpy(back), backend.numpy(x), rtol=1e-9, atol=atol)


def assert_log_det_matches_jacobian(backend: Backend, bij, x: np.ndarray, omitted: float = 0.0) -> None:
    """Every forward and inverse log-det the framework offers equals log|det|
    of the autodiff Jacobian of one action vector ``x`` ``(d,)`` (slogdet, so
    vector bijectors are covered), less ``omitted``: the part of the exact
    log-det at ``x`` that the bijector leaves out by definition (MaxNorm's
    eps^2 radial term, as JaxDEM does)."""
    _, logdet = np.linalg.slogdet(backend.jacobian(lambda v: backend.forward(bij, v), x))
    xs = backend.array(x, "float64")
    for method, got in backend.forward_log_dets(bij, xs).items():
        np.testing.assert_allclose(backend.numpy(got), logdet - omitted, rtol=1e-9, atol=1e-9, err_msg=method)
    y = backend.forward(bij, xs)
    _, inv_logdet = np.linalg.slogdet(backend.jacobian(lambda v: backend.inverse(bij, v), backend.numpy(y)))
    for method, got in backend.inverse_log_dets(bij, y).items():
        np.testing.assert_allclose(backend.numpy(got), inv_logdet + omitted, rtol=1e-9, atol=1e-9, err_msg=method)


def assert_entropy_matches_monte_carlo(backend: Backend, bij, mean: np.ndarray, std: np.ndarray, seed: int, n: int = 20_000) -> None:
    """The analytic entropy is within 5 standard errors of ``-E[log p(y)]``
    estimated from ``n`` samples (log p by the forward log-det, so samples the
    inverse would clip still count exactly)."""
    mean_, std_ = backend.array(mean, "float64"), backend.array(std, "float64")
    pi = backend.rb.Transformed(backend.diagonal_gaussian(mean_, std_), bij)
    z = np.random.default_rng(seed).standard_normal((n, len(mean)))
    x = backend.array(mean + std * z, "float64")
    log_p = backend.numpy(pi.distribution.log_prob(x) - backend.forward_log_det(bij, x))
    estimate = -float(np.mean(log_p))
    stderr = float(np.std(log_p)) / np.sqrt(n)
    entropy = float(backend.numpy(pi.entropy()))
    assert abs(entropy - estimate) <= 5 * stderr + 1e-9, (entropy, estimate, stderr)
