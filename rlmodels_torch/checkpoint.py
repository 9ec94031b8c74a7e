"""Save and load models in the portable checkpoint format (see the README)."""

from __future__ import annotations

from pathlib import Path

from rlmodels_common.checkpoint_format import PathLike, load_model, save_model
from rlmodels_common.metadata import KnownNames

from .action_spaces import ActionSpace
from .activations import ACTIVATIONS
from .models import Model


def save(model: Model, path: PathLike) -> Path:
    """Write ``model`` to the checkpoint directory ``path`` atomically.

    Readable by ``rlmodels_torch.load`` and ``rlmodels_jax.load``. Raises ``ValueError``
    for a model whose activation is not registered.
    """
    return save_model(model, path)


def load(path: PathLike) -> Model:
    """Build the model stored in the checkpoint directory ``path``.

    Raises ``CheckpointError`` (a ``ValueError``) naming what is wrong: an
    unknown model type, missing, unexpected or mis-shaped tensors, an
    unsupported format version, corrupt or truncated files.
    """
    known = KnownNames(Model.registered_names(), tuple(ACTIVATIONS), ActionSpace.registered_names())
    return load_model(path, Model.from_metadata, known)


__all__ = ["load", "save"]
