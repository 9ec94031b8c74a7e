"""Activation functions by name (see ``rlmodels_common.activations`` for the math).

Models accept a registered name or any callable. A callable that is not in this
table works in memory, but a model using it cannot be saved or converted until
it is registered here (and under the same name in ``rlmodels_torch``).
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from rlmodels_common.activations import LEAKY_RELU_SLOPE

Activation = Callable[[jax.Array], jax.Array]


def gelu_exact(x: jax.Array) -> jax.Array:
    return jax.nn.gelu(x, approximate=False)


def leaky_relu(x: jax.Array) -> jax.Array:
    return jax.nn.leaky_relu(x, negative_slope=LEAKY_RELU_SLOPE)


def identity(x: jax.Array) -> jax.Array:
    return x


ACTIVATIONS: dict[str, Activation] = {
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
}
"""Name -> function. Extend with :func:`register_activation`, not by assignment."""


def register_activation(name: str, fn: Activation) -> None:
    """Register ``fn`` under ``name`` so models using it can be saved and converted."""
    if not callable(fn):
        raise TypeError(f"expected a callable activation, got {type(fn).__name__}")
    if name in ACTIVATIONS and ACTIVATIONS[name] is not fn:
        raise ValueError(f"activation name {name!r} is already registered; choose another name")
    ACTIVATIONS[name] = fn


def activation_name(fn: Activation) -> str | None:
    """The registered name of ``fn``, or None if it is not registered."""
    for name, registered in ACTIVATIONS.items():
        if registered is fn:
            return name
    return None


def resolve_activation(activation: str | Activation) -> tuple[str | None, Activation]:
    """``(name or None, function)`` for a registered name or a callable."""
    if isinstance(activation, str):
        try:
            return activation, ACTIVATIONS[activation]
        except KeyError:
            raise ValueError(
                f"unknown activation {activation!r}; registered: {', '.join(sorted(ACTIVATIONS))}"
            ) from None
    if not callable(activation):
        raise TypeError(f"expected an activation name or callable, got {type(activation).__name__}")
    return activation_name(activation), activation
