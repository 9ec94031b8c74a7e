"""Lifting a scalar action space to vector actions."""

from __future__ import annotations

from typing import Any

import torch
from torch.distributions.transforms import IndependentTransform

from .action_space import ActionSpace


class Block(IndependentTransform):
    """``IndependentTransform`` (the torch counterpart of ``distrax.Block``) that
    also sums the log-dets of ``forward_and_log_det``/``inverse_and_log_det`` and
    ``log_det_expectation`` over the lifted axes, and reports the wrapped action
    space's metadata. ``bijector`` is the wrapped action space, as in distrax."""

    def __init__(self, bijector: ActionSpace, ndims: int = 1) -> None:
        super().__init__(bijector, ndims)
        self.bijector = bijector
        self.ndims = ndims
        self.is_identity = bijector.is_identity
        self._axes = tuple(range(-ndims, 0))

    @property
    def metadata(self) -> dict[str, Any]:
        return self.bijector.metadata

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (other.bijector, other.ndims) == (self.bijector, self.ndims)

    def __hash__(self) -> int:
        return hash((type(self), self.bijector, self.ndims))

    def _call(self, x: torch.Tensor) -> torch.Tensor:
        # straight to the wrapped map: sampling and deterministic actions run this per call
        return self.bijector._call(x)

    def forward_and_log_det(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y, log_det = self.bijector.forward_and_log_det(x)
        return y, torch.sum(log_det, dim=self._axes)

    def inverse_and_log_det(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x, log_det = self.bijector.inverse_and_log_det(y)
        return x, torch.sum(log_det, dim=self._axes)

    def log_det_expectation(self, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
        return torch.sum(self.bijector.log_det_expectation(mean, std), dim=self._axes)


def lift(action_space: ActionSpace) -> ActionSpace | Block:
    """``action_space`` as a transform of action vectors: scalar (elementwise)
    transforms are wrapped in ``Block(ndims=1)``."""
    if action_space.domain.event_dim == 0:
        return Block(action_space, ndims=1)
    return action_space
