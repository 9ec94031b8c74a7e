"""What a model reads, as tensors: an observation ``(..., obs)``, or with dict
observations a mapping key -> ``(..., size)`` of which the actor reads one key
and the critic one (``ActorCriticConfig.observation_keys``); cast to the
model's dtype and device, checked, and normalised where the model holds a
normaliser (one per key read: ``normalizer.<key>.mean`` / ``.std``)."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import torch
from torch import nn

from rlmodels_common.carry import nonfinite
from rlmodels_common.configs import ModelConfig
from rlmodels_common.intermediates import record
from rlmodels_common.observations import check_batch, check_keys, not_a_mapping

from .layers import Normalizer

__all__ = ["make_normalizer", "read"]


def make_normalizer(config: ModelConfig) -> nn.Module | None:
    """The observation normaliser ``config`` states: None, one ``Normalizer``,
    or with dict observations one per key read, in an ``nn.ModuleDict``."""
    if not config.normalize_observations:
        return None
    keys, sizes = config.observation_keys, config.observation_space_size
    if keys is None:
        return Normalizer(sizes, config.dtype)  # type: ignore[arg-type]
    return nn.ModuleDict({key: Normalizer(sizes[key], config.dtype) for key in keys})  # type: ignore[index]


def read(model: Any, x: Any) -> Any:
    """``x`` as the model's torsos take it (``Model._observation``): a tensor of
    the model's dtype and device checked to be ``(..., obs_dim)``, normalised;
    with dict observations the pair ``(actor's, critic's)``."""
    if model.observation_keys is not None:
        return _read_keys(model, x, model.observation_keys)
    x = _tensor(model, x, model.obs_dim, "observation")
    if model.check_finite:
        nonfinite(x.detach().cpu().numpy())
    return x if model.normalizer is None else record("normalizer", model.normalizer(x))


def _tensor(model: Any, x: Any, size: int, name: str) -> torch.Tensor:
    weight = model._like()
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.as_tensor(x, dtype=weight.dtype, device=weight.device)
        except (TypeError, ValueError, RuntimeError):
            if isinstance(x, Mapping):
                raise not_a_mapping(model.type_name, size, x) from None
            raise
    elif x.dtype != weight.dtype or x.device != weight.device:
        x = x.to(dtype=weight.dtype, device=weight.device)
    if x.ndim == 0 or x.shape[-1] != size:
        raise ValueError(f"expected {name} last dim {size}, got {tuple(x.shape)}")
    return x


def _read_keys(model: Any, x: Any, keys: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    check_keys(model.type_name, keys, x)
    sizes = model._config.observation_space_size
    out = {key: _tensor(model, x[key], sizes[key], f"observation[{key!r}]") for key in keys}
    check_batch({key: tuple(a.shape[:-1]) for key, a in out.items()})
    if model.check_finite:
        nonfinite(np.concatenate([a.detach().cpu().numpy() for a in out.values()], axis=-1))
    if model.normalizer is not None:
        out = {key: record(f"normalizer.{key}", model.normalizer[key](a)) for key, a in out.items()}
    return out[keys[0]], out[keys[-1]]
