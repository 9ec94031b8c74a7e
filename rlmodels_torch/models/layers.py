"""The layers models are built of: orthogonal linear layers and a recording
``Sequential`` whose parameter paths are the canonical names."""

from __future__ import annotations

from typing import Callable, Iterator, Mapping

import torch
from torch import nn

from rlmodels_common.intermediates import record

from ..dtypes import TORCH_DTYPES

__all__ = ["CanonicalLayout", "Normalizer", "Sequential", "canonical_tensors", "linear", "load_canonical", "pick"]


def linear(
    in_features: int, out_features: int, scale: float, key: torch.Generator, dtype: str, bias: float = 0.0,
    init: str = "orthogonal",
) -> nn.Linear:  # fmt: skip
    """Linear layer: an orthogonal kernel scaled by ``scale`` and a constant
    ``bias``, or (``init="lecun_uniform"``) a LeCun-uniform kernel and a zero bias."""
    layer = nn.Linear(in_features, out_features, dtype=TORCH_DTYPES[dtype])
    with torch.no_grad():
        if init == "orthogonal":
            nn.init.orthogonal_(layer.weight, gain=scale, generator=key)
            layer.bias.fill_(bias)
        else:  # U(-sqrt(3 / fan_in), sqrt(3 / fan_in)): Flax's lecun_uniform
            limit = (3.0 / in_features) ** 0.5
            nn.init.uniform_(layer.weight, -limit, limit, generator=key)
            layer.bias.zero_()
    return layer


class Normalizer(nn.Module):
    """``(x - mean) / std`` over the last axis, with ``mean`` (zeros) and ``std``
    (ones) ``(features,)``: saved with the parameters, never trained
    (``requires_grad=False``)."""

    def __init__(self, features: int, dtype: str) -> None:
        super().__init__()
        self.mean = nn.Parameter(torch.zeros(features, dtype=TORCH_DTYPES[dtype]), requires_grad=False)
        self.std = nn.Parameter(torch.ones(features, dtype=TORCH_DTYPES[dtype]), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


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


class CanonicalLayout(nn.Module):
    """A layer whose parameters are stored in another layout than the
    canonical (JAX) one: it converts them itself (the LSTM cell)."""

    def canonical_tensors(self, prefix: str, grads: bool = False) -> Iterator[tuple[str, torch.Tensor]]:
        """``(canonical name, tensor in the JAX layout)`` of each parameter, or of its gradient."""
        raise NotImplementedError

    def load_canonical(self, prefix: str, tensors: Mapping[str, torch.Tensor]) -> None:
        raise NotImplementedError


def canonical_tensors(model: nn.Module, grads: bool = False) -> Iterator[tuple[str, torch.Tensor]]:
    """Every parameter of ``model`` (or its gradient) under its canonical name,
    in the JAX layout: a ``Linear``'s ``weight`` ``(out, in)`` is ``kernel``
    ``(in, out)``, a :class:`CanonicalLayout` names its own, any other
    parameter keeps its name."""
    for prefix, module in model.named_modules():
        dot = f"{prefix}." if prefix else ""
        if isinstance(module, nn.Linear):
            yield f"{dot}kernel", pick(module.weight, grads).T
            if module.bias is not None:
                yield f"{dot}bias", pick(module.bias, grads)
        elif isinstance(module, CanonicalLayout):
            yield from module.canonical_tensors(prefix, grads)
        else:
            for name, parameter in module.named_parameters(recurse=False):
                if parameter.requires_grad or not grads:  # a statistic has no gradient to compare
                    yield f"{dot}{name}", pick(parameter, grads)


def load_canonical(model: nn.Module, tensors: Mapping[str, torch.Tensor]) -> None:
    """Copy ``tensors`` (canonical names, JAX layout, all present) into ``model``'s parameters."""
    for prefix, module in model.named_modules():
        dot = f"{prefix}." if prefix else ""
        if isinstance(module, nn.Linear):
            module.weight.copy_(tensors[f"{dot}kernel"].T)
            if module.bias is not None:
                module.bias.copy_(tensors[f"{dot}bias"])
        elif isinstance(module, CanonicalLayout):
            module.load_canonical(prefix, tensors)
        else:
            for name, parameter in module.named_parameters(recurse=False):
                parameter.copy_(tensors[f"{dot}{name}"])


def pick(parameter: torch.Tensor, grad: bool) -> torch.Tensor:
    """``parameter``, or its gradient (zeros if there is none)."""
    if not grad:
        return parameter
    return parameter.grad if parameter.grad is not None else torch.zeros_like(parameter)

