"""Bijector properties shared by the action-space tests (run in float64)."""

from __future__ import annotations

import distrax
import jax
import jax.numpy as jnp
import numpy as np

from rlmodels_jax import Transformed


def assert_round_trip(bij, x: np.ndarray, atol: float = 1e-9) -> None:
    """inverse(forward(x)) == x."""
    x = jnp.asarray(x, jnp.float64)
    back = bij.inverse(bij.forward(x))
    np.testing.assert_allclose(back, x, rtol=1e-9, atol=atol)


def assert_log_det_matches_jacobian(bij, x: np.ndarray, omitted: float = 0.0) -> None:
    """forward and inverse log-dets equal log|det| of the autodiff Jacobian of
    one action vector ``x`` ``(d,)`` (slogdet, so vector bijectors are covered),
    less ``omitted``: the part of the exact log-det at ``x`` that the bijector
    leaves out by definition (MaxNorm's eps^2 radial term, as JaxDEM does)."""
    x = jnp.asarray(x, jnp.float64)
    _, logdet = jnp.linalg.slogdet(jax.jacfwd(bij.forward)(x))
    np.testing.assert_allclose(bij.forward_log_det_jacobian(x), logdet - omitted, rtol=1e-9, atol=1e-9)
    y = bij.forward(x)
    _, inv_logdet = jnp.linalg.slogdet(jax.jacfwd(bij.inverse)(y))
    np.testing.assert_allclose(bij.inverse_log_det_jacobian(y), inv_logdet + omitted, rtol=1e-9, atol=1e-9)


def assert_entropy_matches_monte_carlo(bij, mean: np.ndarray, std: np.ndarray, seed: int, n: int = 20_000) -> None:
    """The analytic entropy is within 5 standard errors of ``-E[log p(y)]``
    estimated from ``n`` samples (log p by the forward log-det, so samples the
    inverse would clip still count exactly)."""
    pi = Transformed(distrax.MultivariateNormalDiag(jnp.asarray(mean), jnp.asarray(std)), bij)
    z = np.random.default_rng(seed).standard_normal((n, len(mean)))
    x = jnp.asarray(mean + std * z)
    log_p = pi.distribution.log_prob(x) - bij.forward_log_det_jacobian(x)
    estimate = -float(jnp.mean(log_p))
    stderr = float(jnp.std(log_p)) / np.sqrt(n)
    assert abs(float(pi.entropy()) - estimate) <= 5 * stderr + 1e-9, (float(pi.entropy()), estimate, stderr)
