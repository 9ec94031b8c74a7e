"""Import policies trained with JaxDEM (see ``rlmodels_common.jaxdem`` and docs/jaxdem.md)."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
from flax import nnx

from rlmodels_common.carry import map_carry
from rlmodels_common.checkpoint_format import PathLike
from rlmodels_common.jaxdem import Source, convert, read_directory, source_from_state

from .models import Model

Carry = tuple[jnp.ndarray, ...] | jnp.ndarray


def from_jaxdem(
    source: PathLike | nnx.Module, step: int | None = None, with_carry: bool = False, *, activation: str | None = None
) -> Model | tuple[Model, Carry | None]:
    """The ``rlmodels_jax`` model equivalent to a JaxDEM-trained one.

    ``source`` is a JaxDEM checkpoint directory (the folder JaxDEM's
    ``CheckpointModelWriter`` wrote, holding numbered step folders; ``step``
    picks one, default the latest) or a JaxDEM model in memory (an
    ``nnx.Module`` with JaxDEM's ``type_name``, ``metadata`` and attribute
    layout; JaxDEM itself is not needed). Both JaxDEM parameter layouts are
    recognised from the state (see docs/jaxdem.md).

    ``with_carry=True`` returns ``(model, carry)``: the recurrent carry JaxDEM
    stored, ``(c, h)`` each ``(*carry_leading_shape, lstm_features)`` for the
    LSTM, ``h`` ``(*carry_leading_shape, num_layers, gru_features)`` for the
    MinGRU (None for feed-forward models), to continue from with
    ``model.step(obs, carry)``.

    ``activation``: a registered activation name, for metadata naming a callable
    outside the importer's allow-list (nothing named in a file is imported).

    Raises ``JaxdemError`` (a ``CheckpointError``) naming what is wrong, and
    ``ImportError`` naming the ``jaxdem`` extra when tensorstore is missing.
    """
    if isinstance(source, nnx.Module):
        if step is not None:
            raise ValueError("step applies to checkpoint directories; an in-memory model has one state")
        read = read_model(source)
    else:
        read = read_directory(source, step)
    imported = convert(read, activation)
    model = Model.from_metadata(imported.model_type, imported.metadata)
    model.load_canonical_params(imported.tensors, source=read.description)
    if not with_carry:
        return model
    return model, map_carry(jnp.asarray, imported.model_carry)


def read_model(model: nnx.Module) -> Source:
    """A JaxDEM model in memory as the importer's ``Source``: its
    ``type_name``, ``metadata`` and ``nnx.state`` (the pytree JaxDEM's writer saves)."""
    type_name, metadata = getattr(model, "type_name", None), getattr(model, "metadata", None)
    if not isinstance(model, nnx.Module) or not isinstance(type_name, str) or not isinstance(metadata, dict):
        raise TypeError(
            "expected a JaxDEM model (an nnx.Module with type_name and metadata, like jaxdem.rl.models.Model) "
            f"or a JaxDEM checkpoint directory, got {type(model).__name__}"
        )
    flat = {".".join(map(str, path)): _value(leaf) for path, leaf in nnx.to_flat_state(nnx.state(model))}
    return source_from_state(f"in-memory {type(model).__name__}", type_name, metadata, flat)


def _value(leaf: Any) -> np.ndarray:
    return np.asarray(leaf.get_value() if isinstance(leaf, nnx.Variable) else leaf)


__all__ = ["from_jaxdem"]
