"""Save and load models in the portable checkpoint format (see the README)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
from flax import nnx

from rlmodels_common.checkpoint import load_model, save_model
from rlmodels_common.checkpoint_format import PathLike

from .convert import with_dtype
from .dtypes import dtype_name
from .models import Model


def save(model: Model, path: PathLike) -> Path:
    """Write ``model`` to the checkpoint directory ``path`` atomically.

    Readable by ``rlmodels_jax.load`` and ``rlmodels_torch.load``. Raises ``ValueError``
    for a model whose activation is not registered.
    """
    return save_model(model, path)


def load(path: PathLike, *, device: jax.Device | None = None, dtype: Any = None) -> Model:
    """Build the model stored in the checkpoint directory ``path``, its arrays on
    ``device`` (a ``jax.Device``, e.g. ``jax.devices("gpu")[0]``; default: JAX's
    default device) and in ``dtype`` (default: the checkpoint's; float64 needs
    ``jax_enable_x64``).

    Raises ``CheckpointError`` (a ``ValueError``) naming what is wrong: an
    unknown model type, missing, unexpected or mis-shaped tensors, an
    unsupported format version, corrupt or truncated files.
    """
    model = load_model(path, Model._unfilled, Model.known_names())
    if dtype is not None and dtype_name(dtype) != model.dtype:
        model = with_dtype(model, dtype)
    if device is not None:
        nnx.update(model, jax.device_put(nnx.state(model), device))
    return model


__all__ = ["load", "save"]
