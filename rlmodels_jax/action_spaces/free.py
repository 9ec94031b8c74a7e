"""The unconstrained action space."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .action_space import ActionSpace


@ActionSpace.register("Free")
class Free(ActionSpace):
    """Identity: actions are the Gaussian samples themselves. Scalar
    (``event_ndims_in=0``); models lift it with ``Block(ndims=1)``."""

    def __init__(self) -> None:
        super().__init__(event_ndims_in=0, is_constant_jacobian=True)

    @property
    def kwargs(self) -> dict[str, Any]:
        return {}

    def forward_and_log_det(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        return x, jnp.zeros_like(x)

    def inverse_and_log_det(self, y: jax.Array) -> tuple[jax.Array, jax.Array]:
        return y, jnp.zeros_like(y)

    def log_det_expectation(self, mean: jax.Array, std: jax.Array) -> jax.Array:
        return jnp.zeros_like(mean)
