"""Activation functions by name (see ``rlmodels_common.activations`` for the math).

Models accept a registered name or any callable. A callable that is not in this
table works in memory, but a model using it cannot be saved or converted until
it is registered here (and under the same name in ``rlmodels_torch``).
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from rlmodels_common.activations import LEAKY_RELU_SLOPE, ActivationTable

Activation = Callable[[jax.Array], jax.Array]


def gelu_exact(x: jax.Array) -> jax.Array:
    return jax.nn.gelu(x, approximate=False)


def leaky_relu(x: jax.Array) -> jax.Array:
    return jax.nn.leaky_relu(x, negative_slope=LEAKY_RELU_SLOPE)


def identity(x: jax.Array) -> jax.Array:
    return x


ACTIVATIONS = ActivationTable({
    "gelu": jax.nn.gelu,  # approximate=True by default, as nnx.gelu
    "gelu_exact": gelu_exact,
    "relu": jax.nn.relu,
    "tanh": jnp.tanh,
    "silu": jax.nn.silu,
    "elu": jax.nn.elu,
    "leaky_relu": leaky_relu,
    "sigmoid": jax.nn.sigmoid,
    "softplus": jax.nn.softplus,
    "identity": identity,
}, backend="rlmodels_jax", other_backend="rlmodels_torch")
"""Name -> function. Extend with :func:`register_activation`, not by assignment."""

register_activation = ACTIVATIONS.register
resolve_activation = ACTIVATIONS.resolve
