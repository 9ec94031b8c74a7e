"""The action-space base class: a registered distrax bijector with a known
expected log-det, so that the transformed policy has an analytic entropy."""

from __future__ import annotations

from typing import Any

import distrax
import jax
import jax.numpy as jnp
import numpy as np

from rlmodels_common.action_spaces import LOG2
from rlmodels_common.factory import Factory
from rlmodels_common.configs.base import action_space_entry
from rlmodels_common.configs.fields import frozen


class ActionSpace(Factory, distrax.Bijector):
    """Base class of the action-space bijectors (``Free``, ``Box``, ``MaxNorm``).

    Subclasses implement ``forward_and_log_det``, ``inverse_and_log_det``,
    ``log_det_expectation`` and ``kwargs``. Constants are stored as Python
    floats or tuples, so a model holding a bijector stays a static Flax NNX
    attribute, and are cast to the input's dtype at call time.
    """

    @property
    def kwargs(self) -> dict[str, Any]:
        """Constructor arguments, JSON-serialisable."""
        raise NotImplementedError

    @property
    def metadata(self) -> dict[str, Any]:
        """``{"type": registered name, "kwargs": constructor arguments}``."""
        return action_space_entry(self.type_name, self.kwargs)

    def log_det_expectation(self, mean: jax.Array, std: jax.Array) -> jax.Array:
        """``E[log|det J(x)|]`` for ``x ~ N(mean, diag(std**2))``.

        ``mean`` and ``std`` have shape ``(..., d)``. Returns ``(..., d)`` for a
        scalar bijector (one term per component) and ``(...)`` for a vector one.
        """
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        # Equal when built from equal arguments, so that models with equal
        # configurations have equal (hashable) static structure and share
        # compiled code.
        return type(other) is type(self) and other.kwargs == self.kwargs

    def __hash__(self) -> int:
        return hash((type(self), frozen(self.kwargs)))

    def same_as(self, other: distrax.Bijector) -> bool:
        return self == other

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{type(self).__name__}({args})"


def log_sech2(z: jax.Array) -> jax.Array:
    """``log(sech(z)**2)`` without overflow: ``2 (log 2 - z - softplus(-2 z))``."""
    return 2.0 * (LOG2 - z - jax.nn.softplus(-2.0 * z))


def constant(value: float | tuple[float, ...] | np.ndarray, like: jax.Array) -> jax.Array:
    """A float64 constant cast to the dtype of ``like``."""
    return jnp.asarray(value, dtype=like.dtype)

