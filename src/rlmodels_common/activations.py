"""The activation names both backends implement, with the math each one means.

The backends map each name to a function (``rlmodels_jax.activations``,
``rlmodels_torch.activations``); a test checks both tables cover exactly these
names. Checkpoints store the name, never an import path.
"""

from __future__ import annotations

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
