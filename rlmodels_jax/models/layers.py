"""The layers models are built of: orthogonal linear layers and a recording
``Sequential`` whose parameter paths are the canonical names."""

from __future__ import annotations

from typing import Any, Callable

import jax
from flax import nnx

from rlmodels_common.intermediates import record

__all__ = ["Sequential", "linear"]


def linear(
    in_features: int, out_features: int, scale: float, key: nnx.Rngs, dtype: str, bias: float = 0.0
) -> nnx.Linear:
    """Linear layer with an orthogonal kernel scaled by ``scale`` and a constant bias."""
    return nnx.Linear(
        in_features,
        out_features,
        kernel_init=nnx.initializers.orthogonal(scale),
        bias_init=nnx.initializers.constant(bias),
        param_dtype=dtype,
        rngs=key,
    )


class Sequential(nnx.Sequential):
    """Layers applied in order, held in ``layers`` (so parameter paths read
    ``network.layers.0.kernel``); each layer's output is recorded as
    ``<path>.layers.<i>`` (``rlmodels_common.intermediates``)."""

    def __init__(self, path: str, *layers: Callable[..., Any]) -> None:
        super().__init__(*layers)
        self.path = path

    def __call__(self, x: jax.Array) -> jax.Array:  # type: ignore[override]
        for index, layer in enumerate(self.layers):
            x = record(f"{self.path}.layers.{index}", layer(x))
        return x
