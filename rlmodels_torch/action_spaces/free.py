"""The unconstrained action space."""

from __future__ import annotations

from typing import Any

import torch
from torch.distributions import constraints

from .action_space import ActionSpace


@ActionSpace.register("Free")
class Free(ActionSpace):
    """Identity: actions are the Gaussian samples themselves. Scalar
    (elementwise); models lift it with ``Block(ndims=1)``."""

    domain = constraints.real
    codomain = constraints.real
    sign = +1
    is_identity = True

    @property
    def kwargs(self) -> dict[str, Any]:
        return {}

    def _call(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def forward_and_log_det(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x, torch.zeros_like(x)

    def inverse_and_log_det(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return y, torch.zeros_like(y)

    def log_det_expectation(self, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(mean)
