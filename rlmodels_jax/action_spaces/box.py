"""The box action space: each component squashed into ``[x_min, x_max]``."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from rlmodels_common.action_spaces import box_constants, inverse_limit
from rlmodels_common.gauss_hermite import BOX_NODES, gauss_hermite

from .action_space import ActionSpace, constant, log_sech2


@ActionSpace.register("Box")
class Box(ActionSpace):
    """``y = c + h tanh(x / width)`` componentwise, with ``c = (x_min + x_max) / 2``
    and ``h = (1 - eps) (x_max - x_min) / 2``, so actions stay strictly inside
    the box.

    ``x_min`` and ``x_max`` are scalars or 1-d sequences (one bound per action
    dimension), broadcast against each other. The inverse clips
    ``u = (y - c) / h`` to ``[-1 + eps, 1 - eps]`` (with ``eps = 0``, the plain
    ``tanh`` squash of ``Box(-1, 1, eps=0)``, to the floats just inside
    ``[-1, 1]``), so ``log_prob`` is finite for any action, including ones on
    or beyond the bounds. Scalar
    (``event_ndims_in=0``); models lift it with ``Block(ndims=1)``.
    """

    def __init__(
        self,
        x_min: float | tuple[float, ...] | list[float],
        x_max: float | tuple[float, ...] | list[float],
        width: float = 1.0,
        eps: float = 1e-6,
    ) -> None:
        super().__init__(event_ndims_in=0)
        self.const = box_constants(x_min, x_max, width, eps)
        self.x_min, self.x_max = self.const.x_min, self.const.x_max
        self.width, self.eps = self.const.width, self.const.eps

    @property
    def size(self) -> int | None:
        """Number of bounds (None for scalar bounds, which fit any action size)."""
        return self.const.size

    @property
    def kwargs(self) -> dict[str, Any]:
        return self.const.kwargs

    def forward_and_log_det(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        z = x * self.const.inv_width
        y = constant(self.const.center, x) + constant(self.const.half, x) * jnp.tanh(z)
        return y, constant(self.const.log_scale, x) + log_sech2(z)

    def inverse_and_log_det(self, y: jax.Array) -> tuple[jax.Array, jax.Array]:
        u = (y - constant(self.const.center, y)) * constant(self.const.inv_half, y)
        limit = inverse_limit(self.eps, float(jnp.finfo(u.dtype).eps))
        u = jnp.clip(u, -limit, limit)
        x = self.width * jnp.arctanh(u)
        # log sech^2(arctanh u) = log(1 - u^2), exact and stable near the bounds.
        return x, -(constant(self.const.log_scale, y) + jnp.log1p(-u) + jnp.log1p(u))

    def log_det_expectation(self, mean: jax.Array, std: jax.Array) -> jax.Array:
        nodes, weights = gauss_hermite(BOX_NODES)
        z = (mean[..., None] + std[..., None] * constant(nodes, mean)) * self.const.inv_width
        expected = jnp.sum(log_sech2(z) * constant(weights, mean), axis=-1)
        return constant(self.const.log_scale, mean) + expected
