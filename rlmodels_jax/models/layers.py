"""The layers models are built of: orthogonal linear layers and a recording
``Sequential`` whose parameter paths are the canonical names."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import jax
from flax import nnx

from rlmodels_common.intermediates import record

__all__ = ["Sequential", "linear", "mlp"]


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


def mlp(
    path: str,
    in_features: int,
    sizes: Sequence[int],
    activation: Callable[[jax.Array], jax.Array],
    scale: float,
    key: nnx.Rngs,
    dtype: str,
    value_scale: float | None = None,
) -> Sequential:
    """``Linear, activation`` pairs of widths ``sizes`` (kernels at ``layers.0,
    layers.2, ...``), then, if ``value_scale`` is given, a value layer
    ``Linear(., 1)`` of that gain (a critic's), drawn last."""
    layers: list[Any] = []
    for size in sizes:
        layers += [linear(in_features, size, scale, key, dtype), activation]
        in_features = size
    if value_scale is not None:
        layers.append(linear(in_features, 1, value_scale, key, dtype))
    return Sequential(path, *layers)
