"""Save and load models in the portable checkpoint format (see the README)."""

from __future__ import annotations

from pathlib import Path

from rlmodels_common.checkpoint_format import (
    CheckpointError,
    PathLike,
    read_checkpoint,
    write_checkpoint,
)
from rlmodels_common.factory import UnknownNameError
from rlmodels_common.metadata import check_metadata

from .models import Model


def save(model: Model, path: PathLike) -> Path:
    """Write ``model`` to the checkpoint directory ``path`` atomically.

    Readable by ``rlmodels_jax.load`` and ``rlmodels_torch.load``. Raises
    ``ValueError`` for a model whose activation is not registered.
    """
    return write_checkpoint(path, model.type_name, model.metadata, model.canonical_params())


def load(path: PathLike) -> Model:
    """Build the model stored in the checkpoint directory ``path``.

    Raises ``CheckpointError`` (a ``ValueError``) naming what is wrong: an
    unknown model type, missing, unexpected or mis-shaped tensors, an
    unsupported format version, corrupt or truncated files.
    """
    checkpoint = read_checkpoint(path)
    check_metadata(checkpoint.model_type, checkpoint.metadata)
    try:
        model = Model.from_metadata(checkpoint.model_type, checkpoint.metadata)
    except UnknownNameError as e:
        raise CheckpointError(f"{path}: {e}") from None
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: metadata does not describe a valid model: {e}") from None
    model.load_canonical_params(checkpoint.tensors, source=f"checkpoint {path}")
    return model


__all__ = ["load", "save"]
