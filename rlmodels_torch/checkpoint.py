"""Save and load models in the portable checkpoint format (see the README)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from rlmodels_common.checkpoint import load_model, save_model
from rlmodels_common.checkpoint_format import PathLike

from .dtypes import TORCH_DTYPES, dtype_name
from .models import Model


def save(model: Model, path: PathLike) -> Path:
    """Write ``model`` to the checkpoint directory ``path`` atomically.

    Readable by ``rlmodels_torch.load`` and ``rlmodels_jax.load``. Raises ``ValueError``
    for a model whose activation is not registered.
    """
    return save_model(model, path)


def load(path: PathLike, *, device: torch.device | str | None = None, dtype: Any = None) -> Model:
    """Build the model stored in the checkpoint directory ``path``, on ``device``
    and in ``dtype`` (``"float32"``, ``torch.float64``, ...; default: the
    checkpoint's), as ``load(path).to(device, dtype)`` would.

    Raises ``CheckpointError`` (a ``ValueError``) naming what is wrong: an
    unknown model type, missing, unexpected or mis-shaped tensors, an
    unsupported format version, corrupt or truncated files.
    """
    model = load_model(path, Model.from_metadata, Model.known_names())
    if device is not None or dtype is not None:
        model.to(device=device, dtype=None if dtype is None else TORCH_DTYPES[dtype_name(dtype)])
    return model


__all__ = ["load", "save"]
