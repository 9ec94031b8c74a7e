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


# Float64 models' tanh and sigmoid (``rlmodels_common.activations.DERIVATIVE_FROM_INPUT``).


@jax.custom_jvp
def tanh_float64(x: jax.Array) -> jax.Array:
    return jnp.tanh(x)


@tanh_float64.defjvp
def _tanh_jvp(primals: tuple[jax.Array], tangents: tuple[jax.Array]) -> tuple[jax.Array, jax.Array]:
    (x,), (dx,) = primals, tangents
    return jnp.tanh(x), dx * (1.0 / jnp.square(jnp.cosh(x)))


@jax.custom_jvp
def sigmoid_float64(x: jax.Array) -> jax.Array:
    return jax.nn.sigmoid(x)


@sigmoid_float64.defjvp
def _sigmoid_jvp(primals: tuple[jax.Array], tangents: tuple[jax.Array]) -> tuple[jax.Array, jax.Array]:
    (x,), (dx,) = primals, tangents
    y = jax.nn.sigmoid(x)
    return y, dx * (y * jax.nn.sigmoid(-x))


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
}, backend="rlmodels_jax", other_backend="rlmodels_torch", float64={"tanh": tanh_float64, "sigmoid": sigmoid_float64})
"""Name -> function. Extend with :func:`register_activation`, not by assignment."""

register_activation = ACTIVATIONS.register
resolve_activation = ACTIVATIONS.resolve
