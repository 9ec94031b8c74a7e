"""Save and load models in the portable checkpoint format (see the README)."""

from __future__ import annotations

from pathlib import Path

from rlmodels_common.checkpoint_format import PathLike, load_model, save_model

from .models import Model


def save(model: Model, path: PathLike) -> Path:
    """Write ``model`` to the checkpoint directory ``path`` atomically.

    Readable by ``rlmodels_jax.load`` and ``rlmodels_torch.load``. Raises ``ValueError``
    for a model whose activation is not registered.
    """
    return save_model(model, path)


def load(path: PathLike) -> Model:
    """Build the model stored in the checkpoint directory ``path``.

    Raises ``CheckpointError`` (a ``ValueError``) naming what is wrong: an
    unknown model type, missing, unexpected or mis-shaped tensors, an
    unsupported format version, corrupt or truncated files.
    """
    return load_model(path, Model._unfilled)


__all__ = ["load", "save"]
