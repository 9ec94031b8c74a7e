"""Our own models saved by JaxDEM's ``CheckpointModelWriter`` (a JaxDEM
training script that swapped in ``rlmodels_jax.Model.create``): the state holds
our canonical names (and the recurrent carry at its training shape), the
metadata is ours with ``model_type`` added. Imported as they are, no renaming."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..checkpoint_format import check_tensors
from ..configs import BUILT_IN, ModelConfig, builtin_config
from ..errors import CheckpointError
from .reading import JaxdemError, Source

__all__ = ["LAYOUT", "Ours", "is_ours", "read_ours"]

LAYOUT = "saved by JaxDEM's writer"


def is_ours(metadata: Mapping[str, Any]) -> bool:
    """Our metadata records ``dtype``; JaxDEM's models never do."""
    return "dtype" in metadata


Ours = tuple[ModelConfig, dict[str, np.ndarray], "tuple[np.ndarray, ...] | None", tuple, tuple]


def read_ours(source: Source, activation: str | None = None) -> Ours:
    """``source`` (one of our models, written by JaxDEM's writer) as the fields
    of ``mapping.Imported`` after its layout: configuration, tensors, stored
    carry, mapped and dropped entries. ``JaxdemError`` naming the bad metadata
    or entries."""
    where = source.description
    config_class = builtin_config(source.model_type)
    if config_class is None:
        raise JaxdemError(f"{where}: model_type {source.model_type!r} is none of ours ({', '.join(BUILT_IN.models)})")
    metadata = dict(source.metadata) | ({"activation": activation} if activation else {})
    try:
        config = config_class.from_metadata(metadata)
    except (CheckpointError, ValueError) as e:
        raise JaxdemError(f"{where}: rlmodels {config_class.model_type} metadata: {e}") from None
    arrays, carry = source.arrays, config.carry_shapes()
    if carry:  # the stored carry's batch shape, as for JaxDEM's own recurrent models
        first, tail = next(iter(carry.items()))
        stored = arrays.get(first)
        lead = () if stored is None else tuple(stored.shape[: max(stored.ndim - len(tail), 0)])
        config = config.replace(carry_leading_shape=lead)
    expected = {k: (s, config.dtype) for k, s in config.parameter_shapes().items()}
    expected |= {k: ((*config.carry_leading_shape, *s), config.dtype) for k, s in carry.items()}
    try:
        check_tensors(expected, arrays, f"{where} (an rlmodels {config.model_type} saved by JaxDEM's writer)")
    except CheckpointError as e:
        raise JaxdemError(str(e)) from None
    tensors = {k: arrays[k] for k in config.parameter_shapes()}
    stored_carry = tuple(arrays[k] for k in carry) if carry else None
    mapped = tuple((k, k) for k in sorted(tensors))
    dropped = tuple((k, "the recurrent carry, not a parameter (with_carry=True hands it over)") for k in carry)
    return config, tensors, stored_carry, mapped, dropped
