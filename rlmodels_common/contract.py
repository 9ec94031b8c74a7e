"""What a checkpoint of a model must hold, checked without a framework.

:func:`check_checkpoint` is the check ``rlmodels inspect`` and both backends'
``load`` run, so a damaged checkpoint gets the same message from each. For a
built-in model the configuration (``configs``) states the metadata and the
parameters; a user-registered model's constructor is the judge of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from .checkpoint_format import CONFIG_FILE, Checkpoint, PathLike, check_tensors
from .configs import BUILT_IN, KnownNames, ModelConfig, Shapes, builtin_config
from .errors import CheckpointError
from .factory import normalize_key, unknown_name_message

__all__ = ["carry_shapes", "check_checkpoint", "check_metadata", "config_of", "parameter_shapes"]


def check_metadata(model_type: str, metadata: Mapping[str, Any], known: KnownNames = BUILT_IN) -> ModelConfig | None:
    """Raise ``CheckpointError`` unless ``model_type`` is one of ``known.models``
    and, for a built-in model, ``metadata`` is its configuration's (returned;
    None for a user-registered model)."""
    if normalize_key(model_type) not in {normalize_key(n) for n in known.models}:
        raise CheckpointError(unknown_name_message("Model", model_type, known.models))
    config = builtin_config(model_type)
    if config is None:
        return None
    try:
        return config.from_metadata(metadata, known)
    except CheckpointError:
        raise
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{config.model_type} metadata: {e}") from None


def config_of(model_type: str, metadata: Mapping[str, Any]) -> ModelConfig:
    """The configuration of the built-in ``model_type`` with valid ``metadata``."""
    config = builtin_config(model_type)
    if config is None:
        raise ValueError(f"{model_type!r} is not a built-in model; its parameters are its own")
    return config.from_metadata(metadata)


def parameter_shapes(model_type: str, metadata: Mapping[str, Any]) -> Shapes:
    """Canonical name -> shape of every parameter of the built-in ``model_type``
    described by valid ``metadata`` (JAX layout: Linear kernels are ``(in, out)``)."""
    return config_of(model_type, metadata).parameter_shapes()


def carry_shapes(model_type: str, metadata: Mapping[str, Any]) -> Shapes:
    """The recurrent carry of the built-in ``model_type`` described by valid
    ``metadata`` (``ModelConfig.carry_shapes``; empty for a feed-forward model)."""
    return config_of(model_type, metadata).carry_shapes()


def check_checkpoint(path: PathLike, checkpoint: Checkpoint, known: KnownNames = BUILT_IN) -> None:
    """Raise ``CheckpointError`` naming the file unless the checkpoint read from
    ``path`` describes a model ``known`` can build and, for a built-in model,
    holds exactly its parameters (names, shapes, dtype)."""
    path = Path(path)
    try:
        config = check_metadata(checkpoint.model_type, checkpoint.metadata, known)
    except CheckpointError as e:
        raise CheckpointError(f"{path / CONFIG_FILE}: {e}") from None
    if config is None:
        return  # a user-registered model checks its own parameters when loading them
    expected = {k: (shape, config.dtype) for k, shape in config.parameter_shapes().items()}
    check_tensors(expected, checkpoint.tensors, source=f"checkpoint {path}")
