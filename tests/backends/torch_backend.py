"""The torch primitives of :class:`tests.backends.frameworks.Backend`."""

from __future__ import annotations

from typing import Any, Callable, ContextManager

import numpy as np
import torch
from torch.autograd.functional import jacobian
from torch.distributions import Categorical, Independent, Normal

import rlmodels_torch

from tests.backends.frameworks import Backend


class TorchBackend(Backend):
    name, other, rb = "torch", "jax", rlmodels_torch
    array_class, array_type, key_type = torch.Tensor, "Tensor", "a torch.Generator"
    compiles_per_shape = False
    categorical, gaussian_type = Categorical, Independent

    def array(self, a: Any, dtype: str = "float32") -> torch.Tensor:
        return torch.as_tensor(np.asarray(a), dtype=getattr(torch, dtype))

    def where(self, condition: Any, a: Any, b: Any) -> torch.Tensor:
        return torch.where(torch.as_tensor(condition), a, b)

    def dtype(self, name: str) -> torch.dtype:
        return getattr(torch, name)

    def dtype_repr(self, name: str) -> str:
        return f"torch.{name}"

    def no_grad(self) -> ContextManager[Any]:
        return torch.no_grad()

    def key(self, seed: int) -> torch.Generator:
        return torch.Generator().manual_seed(seed)

    def trainable_size(self, model: Any) -> int:
        return sum(p.numel() for p in model.parameters() if p.requires_grad)

    def grad(self, f: Callable[..., Any], *args: np.ndarray, dtype: str = "float32") -> tuple[np.ndarray, ...]:
        tensors = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True) for a in args]
        f(*tensors).backward()
        return tuple(t.grad.numpy() for t in tensors)

    def gradients(self, loss: Callable[[Any], Any], model: Any) -> dict[str, np.ndarray]:
        model.zero_grad()
        loss(model).backward()
        return model.canonical_grads()

    def gaussian(self, pi: Any) -> tuple[torch.Tensor, torch.Tensor]:
        return pi.distribution.base_dist.loc, pi.distribution.base_dist.scale

    def diagonal_gaussian(self, mean: Any, std: Any) -> Independent:
        return Independent(Normal(mean, std), 1)

    def normal(self, loc: float, scale: float) -> Normal:
        return Normal(loc, scale)

    def sample(self, pi: Any, seed: int, sample_shape: tuple[int, ...] = ()) -> torch.Tensor:
        torch.manual_seed(seed)
        return pi.sample(sample_shape)

    def forward(self, bij: Any, x: Any) -> torch.Tensor:
        return bij(x)

    def inverse(self, bij: Any, y: Any) -> torch.Tensor:
        return bij.inv(y)

    def forward_log_det(self, bij: Any, x: Any) -> torch.Tensor:
        return bij.forward_and_log_det(x)[1]

    def forward_log_dets(self, bij: Any, x: Any) -> dict[str, torch.Tensor]:
        y, log_det = bij.forward_and_log_det(x)
        return {"forward_and_log_det": log_det, "log_abs_det_jacobian": bij.log_abs_det_jacobian(x, y)}

    def inverse_log_dets(self, bij: Any, y: Any) -> dict[str, torch.Tensor]:
        return {"inverse_and_log_det": bij.inverse_and_log_det(y)[1]}

    def jacobian(self, f: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
        return jacobian(f, torch.as_tensor(x, dtype=torch.float64)).numpy()


BACKEND = TorchBackend()
