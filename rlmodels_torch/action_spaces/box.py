"""The box action space: each component squashed into ``[x_min, x_max]``."""

from __future__ import annotations

from typing import Any

import torch
from torch.distributions import constraints

from rlmodels_common.action_spaces import box_constants, inverse_limit
from rlmodels_common.gauss_hermite import BOX_NODES, gauss_hermite

from .action_space import ActionSpace, log_sech2


@ActionSpace.register("Box")
class Box(ActionSpace):
    """``y = c + h tanh(x / width)`` componentwise, with ``c = (x_min + x_max) / 2``
    and ``h = (1 - eps) (x_max - x_min) / 2``, so actions stay strictly inside
    the box.

    ``x_min`` and ``x_max`` are scalars or 1-d sequences (one bound per action
    dimension), broadcast against each other. The inverse clips
    ``u = (y - c) / h`` to ``[-1 + eps, 1 - eps]`` (with ``eps = 0``, the plain
    ``tanh`` squash of ``Box(-1, 1, eps=0)``, to the floats just inside
    ``[-1, 1]``), so ``log_prob`` is finite for any action, including ones on
    or beyond the bounds. Scalar (elementwise);
    models lift it with ``Block(ndims=1)``.
    """

    domain = constraints.real
    sign = +1

    def __init__(
        self,
        x_min: float | tuple[float, ...] | list[float],
        x_max: float | tuple[float, ...] | list[float],
        width: float = 1.0,
        eps: float = 1e-6,
    ) -> None:
        super().__init__()
        self.const = box_constants(x_min, x_max, width, eps)
        self.x_min, self.x_max = self.const.x_min, self.const.x_max
        self.width, self.eps = self.const.width, self.const.eps
        self._prebuild_constants()

    @property
    def codomain(self) -> constraints.Constraint:
        return constraints.interval(torch.tensor(self.x_min, dtype=torch.float64), torch.tensor(self.x_max, dtype=torch.float64))

    @property
    def size(self) -> int | None:
        """Number of bounds (None for scalar bounds, which fit any action size)."""
        return self.const.size

    @property
    def kwargs(self) -> dict[str, Any]:
        return self.const.kwargs

    def _constant_values(self) -> dict[str, Any]:
        nodes, weights = gauss_hermite(BOX_NODES)
        c = self.const
        return {
            "center": c.center, "half": c.half, "inv_half": c.inv_half, "log_scale": c.log_scale,
            "width": c.width, "inv_width": c.inv_width, "nodes": nodes, "weights": weights,
        }  # fmt: skip

    # Constants come from self.constants(x) as tensors: an op with a Python float
    # costs ~1.5 us more than with a tensor (the scalar is wrapped each call).

    def _call(self, x: torch.Tensor) -> torch.Tensor:
        # The map alone (what sampling uses): no log-det to compute and discard.
        k = self.constants(x)
        return k["center"] + k["half"] * torch.tanh(x * k["inv_width"])

    def forward_and_log_det(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = self.constants(x)
        z = x * k["inv_width"]
        return k["center"] + k["half"] * torch.tanh(z), k["log_scale"] + log_sech2(z)

    def inverse_and_log_det(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = self.constants(y)
        u = (y - k["center"]) * k["inv_half"]
        limit = inverse_limit(self.eps, float(torch.finfo(u.dtype).eps))
        u = torch.clamp(u, -limit, limit)
        x = torch.atanh(u) * k["width"]
        # log sech^2(artanh u) = log(1 - u^2), exact and stable near the bounds.
        return x, -(k["log_scale"] + torch.log1p(-u) + torch.log1p(u))

    def log_det_expectation(self, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
        k = self.constants(mean)
        z = (mean[..., None] + std[..., None] * k["nodes"]) * k["inv_width"]
        expected = torch.sum(log_sech2(z) * k["weights"], dim=-1)
        return k["log_scale"] + expected
