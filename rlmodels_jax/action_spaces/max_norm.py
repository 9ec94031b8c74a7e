"""The max-norm action space: the action vector's length squashed below a radius."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from rlmodels_common.action_spaces import (
    ARTANH_RATIO_SERIES,
    LOG_SECH2_SERIES,
    LOG_TANH_RATIO_SERIES,
    MAX_NORM_SERIES_BELOW_R,
    MAX_NORM_SERIES_BELOW_T,
    MAX_NORM_SERIES_BELOW_U,
    STRETCH_SERIES,
    TANH_RATIO_SERIES,
    max_norm_constants,
)
from rlmodels_common.gauss_hermite import MAX_NORM_NODES_PER_DIM, gauss_hermite_grid

from .action_space import ActionSpace, constant, log_sech2


@ActionSpace.register("MaxNorm")
class MaxNorm(ActionSpace):
    """``y = s tanh(r) x / r`` with ``s = (1 - eps) max_norm`` and the smoothed
    radius ``r = sqrt(|x|^2 + eps^2)``, so ``|y| < max_norm`` and the map is
    smooth at ``x = 0``. A vector bijector (``event_ndims_in=1``), never lifted.

    The log-det is JaxDEM's,

        log|det J| = d log s + (d - 1)(log tanh r - log r) + log sech^2 r,

    so an imported JaxDEM policy gives JaxDEM's log-probs at every radius. It
    is the exact log-det of the unsmoothed map; the smoothing adds
    ``log1p(eps^2 (sinh(2r) / 2 - r) / r^3)`` to the exact value, which JaxDEM
    leaves out (with eps = 1e-6: 1.3e-9 at r = 7.25, the largest radius the
    float32 inverse returns; 3.8e-6 at 12, 7.9e-4 at 15, 2.1 at 20). Near
    the origin the terms are Taylor series in r^2, so float32 gradients stay
    accurate there.
    The inverse clips ``|y| / s`` to ``1 - eps`` and inverts the smoothed map.

    The entropy term uses a tensor-product Gauss-Hermite rule with 5 nodes per
    dimension: ``5**d`` evaluations per state (fine for the usual d <= 6),
    accurate to ~1e-4 nats for std <= 0.5 and ~6e-3 nats at std = 1.
    """

    def __init__(self, max_norm: float = 1.0, eps: float = 1e-6) -> None:
        super().__init__(event_ndims_in=1)
        self.const = max_norm_constants(max_norm, eps)
        self.max_norm, self.eps = self.const.max_norm, self.const.eps

    @property
    def kwargs(self) -> dict[str, Any]:
        return self.const.kwargs

    def _radial(self, r: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        """At smoothed radius ``r``: ``tanh(r) / r``, ``log(tanh(r) / r)`` and
        ``log(sech^2 r)``, as series below ``MAX_NORM_SERIES_BELOW_R`` (see
        ``rlmodels_common.action_spaces``)."""
        small = r < MAX_NORM_SERIES_BELOW_R
        rs = jnp.where(small, 1.0, r)  # the closed forms only ever see r >= the threshold
        r2 = r * r
        tanh_rs = jnp.tanh(rs)
        tanh_ratio = jnp.where(small, _series(r2, TANH_RATIO_SERIES), tanh_rs / rs)
        log_tanh_ratio = jnp.where(small, _series(r2, LOG_TANH_RATIO_SERIES), jnp.log(tanh_rs / rs))
        log_sech2_r = jnp.where(small, _series(r2, LOG_SECH2_SERIES), log_sech2(rs))
        return tanh_ratio, log_tanh_ratio, log_sech2_r

    def _log_det(self, x: jax.Array) -> jax.Array:
        """log|det J| at ``x`` ``(..., d)``; returns ``(...)``."""
        return self.forward_and_log_det(x)[1]

    def _radius(self, x: jax.Array) -> jax.Array:
        return jnp.sqrt(jnp.sum(x * x, axis=-1) + self.eps**2)

    def forward_and_log_det(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        d = x.shape[-1]
        tanh_ratio, log_tanh_ratio, log_sech2_r = self._radial(self._radius(x))
        y = (self.const.scale * tanh_ratio)[..., None] * x
        return y, d * self.const.log_scale + (d - 1) * log_tanh_ratio + log_sech2_r

    def inverse_and_log_det(self, y: jax.Array) -> tuple[jax.Array, jax.Array]:
        sq = jnp.sum(y * y, axis=-1)
        nonzero = sq > 0
        # sqrt behind a double where: differentiable at y = 0, where rho = 0.
        rho = jnp.where(nonzero, jnp.sqrt(jnp.where(nonzero, sq, 1.0)), 0.0)
        clipped = rho > self.const.scale * (1.0 - self.eps)
        u = jnp.minimum(rho * self.const.inv_scale, 1.0 - self.eps)
        t = jnp.arctanh(u)  # |x| if the radius were not smoothed
        # The smoothing stretches |x| to t (1 + eps^2 Q(t)) with
        # Q(t) = (sinh(2t) / (2t) - 1) / (2 t^2): first order in eps^2, so the
        # round trip is exact to O(eps^4).
        small_t = t < MAX_NORM_SERIES_BELOW_T
        t_safe = jnp.where(small_t, 1.0, t)
        q = jnp.where(
            small_t,
            _series(t * t, STRETCH_SERIES),
            (jnp.sinh(2.0 * t_safe) / (2.0 * t_safe) - 1.0) / (2.0 * t_safe * t_safe),
        )
        stretch = 1.0 + self.eps**2 * q
        # gain = |x| / rho; unclipped that is (artanh(u) / u) stretch / s, finite at y = 0.
        small_u = u < MAX_NORM_SERIES_BELOW_U
        u_safe = jnp.where(small_u, 1.0, u)
        ratio = jnp.where(small_u, _series(u * u, ARTANH_RATIO_SERIES), jnp.arctanh(u_safe) / u_safe)
        gain = jnp.where(clipped, t / jnp.where(clipped, rho, 1.0), ratio * self.const.inv_scale) * stretch
        x = gain[..., None] * y
        return x, -self._log_det(x)

    def log_det_expectation(self, mean: jax.Array, std: jax.Array) -> jax.Array:
        nodes, weights = gauss_hermite_grid(MAX_NORM_NODES_PER_DIM, mean.shape[-1])
        x = mean[..., None, :] + std[..., None, :] * constant(nodes, mean)  # (..., 5**d, d)
        return jnp.sum(self._log_det(x) * constant(weights, mean), axis=-1)


def _series(r2: jax.Array, coefficients: tuple[float, ...]) -> jax.Array:
    """``sum_k coefficients[k] * r2**k`` by Horner's rule."""
    out = coefficients[-1] * jnp.ones_like(r2)
    for c in reversed(coefficients[:-1]):
        out = out * r2 + c
    return out
