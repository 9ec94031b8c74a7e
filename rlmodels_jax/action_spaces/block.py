"""Lifting a scalar action space to vector actions."""

from __future__ import annotations

from typing import Any

import distrax
import jax
import jax.numpy as jnp

from .action_space import ActionSpace


class Block(distrax.Block):
    """``distrax.Block`` that also sums ``log_det_expectation`` over the
    lifted axes and reports the wrapped action space's metadata."""

    def __init__(self, bijector: ActionSpace, ndims: int = 1) -> None:
        super().__init__(bijector, ndims)

    @property
    def metadata(self) -> dict[str, Any]:
        return self.bijector.metadata

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (other.bijector, other.ndims) == (self.bijector, self.ndims)

    def __hash__(self) -> int:
        return hash((type(self), self.bijector, self.ndims))

    def __repr__(self) -> str:
        return f"Block({self.bijector!r}, {self.ndims})"

    def log_det_expectation(self, mean: jax.Array, std: jax.Array) -> jax.Array:
        terms = self.bijector.log_det_expectation(mean, std)
        return jnp.sum(terms, axis=tuple(range(-self.ndims, 0)))


def lift(action_space: ActionSpace) -> ActionSpace | Block:
    """``action_space`` as a bijector on action vectors: scalar bijectors
    (``event_ndims_in == 0``) are wrapped in ``Block(ndims=1)``."""
    if action_space.event_ndims_in == 0:
        return Block(action_space, ndims=1)
    return action_space
