"""The box action space: each component squashed into ``[x_min, x_max]``."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rlmodels_common.gauss_hermite import BOX_NODES, gauss_hermite

from .action_space import ActionSpace, constant, log_sech2, static


@ActionSpace.register("Box")
class Box(ActionSpace):
    """``y = c + h tanh(x / width)`` componentwise, with ``c = (x_min + x_max) / 2``
    and ``h = (1 - eps) (x_max - x_min) / 2``, so actions stay strictly inside
    the box.

    ``x_min`` and ``x_max`` are scalars or 1-d sequences (one bound per action
    dimension), broadcast against each other. The inverse clips
    ``u = (y - c) / h`` to ``[-1 + eps, 1 - eps]``, so ``log_prob`` is finite for
    any action, including ones on or beyond the bounds. Scalar
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
        lo = np.asarray(x_min, dtype=np.float64)
        hi = np.asarray(x_max, dtype=np.float64)
        if lo.ndim > 1 or hi.ndim > 1:
            raise ValueError(
                f"Box: expected scalar or 1-d bounds, got x_min shape {lo.shape}, x_max shape {hi.shape}"
            )
        try:
            lo, hi = np.broadcast_arrays(lo, hi)
        except ValueError:
            raise ValueError(
                f"Box: x_min shape {lo.shape} and x_max shape {hi.shape} do not broadcast"
            ) from None
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
            raise ValueError(f"Box: expected finite bounds, got x_min={lo.tolist()}, x_max={hi.tolist()}")
        if not np.all(hi > lo):
            raise ValueError(
                f"Box: expected x_max > x_min elementwise, got x_min={lo.tolist()}, x_max={hi.tolist()}"
            )
        if not width > 0:
            raise ValueError(f"Box: expected width > 0, got {width}")
        if not 0 < eps < 1:
            raise ValueError(f"Box: expected 0 < eps < 1, got {eps}")
        half = (1.0 - eps) * (hi - lo) / 2.0
        self.x_min = static(lo)
        self.x_max = static(hi)
        self.width = float(width)
        self.eps = float(eps)
        self.center = static((lo + hi) / 2.0)
        self.half = static(half)
        # log h - log width, the constant part of the log-det, in float64 once.
        self.log_scale = static(np.log(half) - np.log(self.width))

    @property
    def size(self) -> int | None:
        """Number of bounds (None for scalar bounds, which fit any action size)."""
        return None if isinstance(self.x_min, float) else len(self.x_min)

    @property
    def kwargs(self) -> dict[str, Any]:
        return {
            "x_min": list(self.x_min) if self.size is not None else self.x_min,
            "x_max": list(self.x_max) if self.size is not None else self.x_max,
            "width": self.width,
            "eps": self.eps,
        }

    def forward_and_log_det(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        z = x / self.width
        y = constant(self.center, x) + constant(self.half, x) * jnp.tanh(z)
        return y, constant(self.log_scale, x) + log_sech2(z)

    def inverse_and_log_det(self, y: jax.Array) -> tuple[jax.Array, jax.Array]:
        u = (y - constant(self.center, y)) / constant(self.half, y)
        u = jnp.clip(u, -1.0 + self.eps, 1.0 - self.eps)
        x = self.width * jnp.arctanh(u)
        # log sech^2(arctanh u) = log(1 - u^2), exact and stable near the bounds.
        return x, -(constant(self.log_scale, y) + jnp.log1p(-u) + jnp.log1p(u))

    def log_det_expectation(self, mean: jax.Array, std: jax.Array) -> jax.Array:
        nodes, weights = gauss_hermite(BOX_NODES)
        z = (mean[..., None] + std[..., None] * constant(nodes, mean)) / self.width
        expected = jnp.sum(log_sech2(z) * constant(weights, mean), axis=-1)
        return constant(self.log_scale, mean) + expected
