"""Saving a backend's model to a checkpoint and building one from it: the
framework-free core both backends' ``save`` and ``load`` are thin adapters over."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, TypeVar

import numpy as np

from .checkpoint_format import PathLike, read_checkpoint, write_checkpoint
from .configs import BUILT_IN, KnownNames
from .contract import check_checkpoint
from .errors import CheckpointError, UnknownNameError

__all__ = ["PortableModel", "load_model", "save_model"]


class PortableModel(Protocol):
    """What a backend model offers the checkpoint code."""

    type_name: str
    metadata: dict[str, Any]

    def canonical_params(self) -> dict[str, np.ndarray]: ...

    def load_canonical_params(self, tensors: Mapping[str, np.ndarray], source: str = ...) -> None: ...


M = TypeVar("M", bound=PortableModel)


def save_model(model: PortableModel, path: PathLike) -> Path:
    """Write a backend model to ``path`` (see ``checkpoint_format.write_checkpoint``)."""
    return write_checkpoint(path, model.type_name, model.metadata, model.canonical_params())


def load_model(
    path: PathLike, from_metadata: Callable[[str, Mapping[str, Any]], M], known: KnownNames = BUILT_IN
) -> M:
    """Build a model with a backend's ``Model.from_metadata`` and fill its parameters
    from the checkpoint at ``path``; every failure is a ``CheckpointError``.

    ``known`` are the names the backend's registries hold; the checkpoint is
    checked as ``rlmodels inspect`` checks it.
    """
    checkpoint = read_checkpoint(path)
    check_checkpoint(path, checkpoint, known)
    try:
        model = from_metadata(checkpoint.model_type, checkpoint.metadata)
    except UnknownNameError as e:
        raise CheckpointError(f"{path}: {e}") from None
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: metadata does not describe a valid model: {e}") from None
    model.load_canonical_params(checkpoint.tensors, source=f"checkpoint {path}")
    return model
