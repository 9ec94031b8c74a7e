"""Activation functions by name (see ``rlmodels_common.activations`` for the math).

Models accept a registered name or any callable. A callable that is not in this
table works in memory, but a model using it cannot be saved or converted until
it is registered here (and under the same name in ``rlmodels_jax``).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch
import torch.nn.functional as F

from rlmodels_common.activations import LEAKY_RELU_SLOPE, ActivationTable

SQRT_HALF = math.sqrt(0.5)

Activation = Callable[[torch.Tensor], torch.Tensor]


def gelu(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x, approximate="tanh")


def gelu_exact(x: torch.Tensor) -> torch.Tensor:
    # JAX's x Phi(x) = 0.5 x erfc(-x / sqrt 2). F.gelu computes 0.5 x (1 + erf(x / sqrt 2)):
    # one rounding more, and cancellation for x < 0 (float32: 70 ulps on average,
    # 8,600 at worst, against erfc's 0.6 and 13), which a recurrence amplifies.
    return 0.5 * x * torch.special.erfc(x * -SQRT_HALF)


def leaky_relu(x: torch.Tensor) -> torch.Tensor:
    # JAX's where(x >= 0, x, slope x) has slope 1 at x = 0; F.leaky_relu's
    # backward takes 0.01 there. Where autograd records, the same values from
    # clamp (which passes the gradient at its bound) and relu (which does not).
    if x.requires_grad and torch.is_grad_enabled():
        return x.clamp(min=0.0) - LEAKY_RELU_SLOPE * torch.relu(-x)
    return F.leaky_relu(x, LEAKY_RELU_SLOPE)


def softplus(x: torch.Tensor) -> torch.Tensor:
    # log(1 + e^x) as logaddexp(x, 0), the JAX formula; F.softplus switches to
    # x above a threshold, which differs from JAX in the last digits.
    return torch.logaddexp(x, torch.zeros((), dtype=x.dtype, device=x.device))


def identity(x: torch.Tensor) -> torch.Tensor:
    return x


# Float64 models' tanh and sigmoid (``rlmodels_common.activations.DERIVATIVE_FROM_INPUT``);
# without autograd recording, the plain functions.


class _DerivativeFromInput(torch.autograd.Function):
    """``fn(x)`` whose backward multiplies by ``derivative(x)``."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, fn: Activation, derivative: Activation) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.derivative = derivative
        return fn(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (x,) = ctx.saved_tensors
        return grad * ctx.derivative(x), None, None


def _tanh_derivative(x: torch.Tensor) -> torch.Tensor:
    return 1.0 / torch.cosh(x).square()


def _sigmoid_derivative(x: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(x) * torch.sigmoid(-x)


def tanh_float64(x: torch.Tensor) -> torch.Tensor:
    if x.requires_grad and torch.is_grad_enabled():
        return _DerivativeFromInput.apply(x, torch.tanh, _tanh_derivative)
    return torch.tanh(x)


def sigmoid_float64(x: torch.Tensor) -> torch.Tensor:
    if x.requires_grad and torch.is_grad_enabled():
        return _DerivativeFromInput.apply(x, torch.sigmoid, _sigmoid_derivative)
    return torch.sigmoid(x)


ACTIVATIONS = ActivationTable({
    "gelu": gelu,
    "gelu_exact": gelu_exact,
    "relu": torch.relu,
    "tanh": torch.tanh,
    "silu": F.silu,
    "elu": F.elu,
    "leaky_relu": leaky_relu,
    "sigmoid": torch.sigmoid,
    "softplus": softplus,
    "identity": identity,
}, backend="rlmodels_torch", other_backend="rlmodels_jax", float64={"tanh": tanh_float64, "sigmoid": sigmoid_float64})
"""Name -> function. Extend with :func:`register_activation`, not by assignment."""

register_activation = ACTIVATIONS.register
resolve_activation = ACTIVATIONS.resolve
