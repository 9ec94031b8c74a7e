"""The activation names both backends implement, with the math each one means.

The backends map each name to a function (``rlmodels_jax.activations``,
``rlmodels_torch.activations``); a test checks both tables cover exactly these
names. Checkpoints store the name, never an import path.
"""

from __future__ import annotations

from typing import Any, Callable

from .factory import unknown_name_message

ACTIVATIONS: dict[str, str] = {
    "gelu": "x * Phi(x) with the tanh approximation (Flax/JAX default; torch GELU(approximate='tanh'))",
    "gelu_exact": "x * Phi(x) with the exact normal CDF (erf)",
    "relu": "max(x, 0)",
    "tanh": "tanh(x)",
    "silu": "x * sigmoid(x)",
    "elu": "x if x > 0 else exp(x) - 1",
    "leaky_relu": "x if x >= 0 else 0.01 * x",
    "sigmoid": "1 / (1 + exp(-x))",
    "softplus": "log(1 + exp(x))",
    "identity": "x",
}
"""Built-in activation names and their definitions."""

DEFAULT_ACTIVATION = "gelu"

LEAKY_RELU_SLOPE = 0.01
"""Negative slope of ``leaky_relu`` (the JAX and torch default)."""


class ActivationTable(dict):
    """A backend's name -> function table, with registration and reverse look-up.

    ``other_backend`` names the package that must register the same name for a
    model to convert.
    """

    def __init__(self, functions: dict[str, Callable[..., Any]], backend: str, other_backend: str) -> None:
        missing = set(ACTIVATIONS) - set(functions)
        if missing:
            raise ValueError(f"{backend} lacks the built-in activations {sorted(missing)}")
        super().__init__(functions)
        self.backend = backend
        self.other_backend = other_backend

    def register(self, name: str, fn: Callable[..., Any]) -> None:
        """Register ``fn`` under ``name`` so models using it can be saved and converted."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"expected a non-empty activation name, got {name!r}")
        if not callable(fn):
            raise TypeError(f"expected a callable activation, got {type(fn).__name__}")
        if name in self and self[name] is not fn:
            raise ValueError(f"activation name {name!r} is already registered; choose another name")
        self[name] = fn

    def name_of(self, fn: Callable[..., Any]) -> str | None:
        """The registered name of ``fn``, or None if it is not registered."""
        for name, registered in self.items():
            if registered is fn:
                return name
        return None

    def resolve(self, activation: str | Callable[..., Any]) -> tuple[str | None, Callable[..., Any]]:
        """``(name or None, function)`` for a registered name or a callable."""
        if isinstance(activation, str):
            try:
                return activation, self[activation]
            except KeyError:
                raise ValueError(unknown_name_message("activation", activation, self)) from None
        if not callable(activation):
            raise TypeError(f"expected an activation name or callable, got {type(activation).__name__}")
        return self.name_of(activation), activation

    def unregistered_message(self, fn: Callable[..., Any]) -> str:
        return (
            f"activation {fn!r} is not registered, so this model cannot be saved or converted; "
            f"register it under a name with {self.backend}.register_activation(name, fn) "
            f"(and the same name in {self.other_backend})"
        )
