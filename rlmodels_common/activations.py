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

DERIVATIVE_FROM_INPUT: dict[str, str] = {
    "tanh": "1 / cosh(x)^2",
    "sigmoid": "sigmoid(x) * sigmoid(-x)",
}
"""Activations whose float64 models take the derivative from the input: JAX's
and torch's rules take it from the rounded output (1 - y^2, y (1 - y)), where
saturation turns the output's last bit into a relative error of ulp / (1 - |y|)
(3e-7 of tanh'(12)), and XLA's and torch's float64 tanh differ in that bit for
most inputs. Float32 models keep the frameworks' rules: the speed of training
is in float32, and the float32 reference (JAX as users run it) uses them too."""


class ActivationTable(dict):
    """A backend's name -> function table, with registration and reverse look-up.

    ``other_backend`` names the package that must register the same name for a
    model to convert.
    """

    def __init__(
        self,
        functions: dict[str, Callable[..., Any]],
        backend: str,
        other_backend: str,
        float64: dict[str, Callable[..., Any]],
    ) -> None:
        missing = set(ACTIVATIONS) - set(functions)
        if missing:
            raise ValueError(f"{backend} lacks the built-in activations {sorted(missing)}")
        if set(float64) != set(DERIVATIVE_FROM_INPUT):
            raise ValueError(f"{backend}'s float64 activations are {sorted(float64)}, expected {sorted(DERIVATIVE_FROM_INPUT)}")
        super().__init__(functions)
        self.backend = backend
        self.other_backend = other_backend
        self.float64 = float64

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

    def resolve(self, activation: str | Callable[..., Any], dtype: str = "float32") -> tuple[str | None, Callable[..., Any]]:
        """``(name or None, function)`` for a registered name or a callable; in
        float64 the built-in ones of :data:`DERIVATIVE_FROM_INPUT` come in the
        variant whose derivative is computed from the input."""
        if isinstance(activation, str):
            try:
                name, fn = activation, self[activation]
            except KeyError:
                raise ValueError(unknown_name_message("activation", activation, self)) from None
        elif not callable(activation):
            raise TypeError(f"expected an activation name or callable, got {type(activation).__name__}")
        else:
            name, fn = self.name_of(activation), activation
        if dtype == "float64" and name in self.float64:
            return name, self.float64[name]
        return name, fn

    def unregistered_message(self, fn: Callable[..., Any]) -> str:
        return (
            f"activation {fn!r} is not registered, so this model cannot be saved or converted; "
            f"register it under a name with {self.backend}.register_activation(name, fn) "
            f"(and the same name in {self.other_backend})"
        )
