"""The layers models are built of: orthogonal linear layers and a recording
``Sequential`` whose parameter paths are the canonical names."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch
from torch import nn

from rlmodels_common.intermediates import record

from ..dtypes import TORCH_DTYPES

__all__ = ["Sequential", "linear", "mlp"]


def linear(
    in_features: int, out_features: int, scale: float, key: torch.Generator, dtype: str, bias: float = 0.0
) -> nn.Linear:
    """Linear layer with an orthogonal kernel scaled by ``scale`` and a constant bias."""
    layer = nn.Linear(in_features, out_features, dtype=TORCH_DTYPES[dtype])
    with torch.no_grad():
        nn.init.orthogonal_(layer.weight, gain=scale, generator=key)
        layer.bias.fill_(bias)
    return layer


class Activation(nn.Module):
    """An activation function as a module, so that ``Sequential`` indices match
    Flax's (``Linear, activation`` pairs: kernels at ``layers.0, layers.2, ...``)."""

    def __init__(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)

    def extra_repr(self) -> str:
        return getattr(self.fn, "__name__", repr(self.fn))


class Sequential(nn.Module):
    """Layers applied in order, held in ``layers`` like ``nnx.Sequential``, so
    parameter paths read ``network.layers.0.weight``; each layer's output is
    recorded as ``<path>.layers.<i>`` (``rlmodels_common.intermediates``)."""

    def __init__(self, path: str, *layers: nn.Module | Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.path = path
        self.layers = nn.ModuleList(layer if isinstance(layer, nn.Module) else Activation(layer) for layer in layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for index, layer in enumerate(self.layers):
            x = record(f"{self.path}.layers.{index}", layer(x))
        return x


def mlp(
    path: str,
    in_features: int,
    sizes: Sequence[int],
    activation: Callable[[torch.Tensor], torch.Tensor],
    scale: float,
    key: torch.Generator,
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
