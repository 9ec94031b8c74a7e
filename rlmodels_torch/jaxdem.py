"""Import policies trained with JaxDEM (see ``rlmodels_common.jaxdem`` and docs/jaxdem.md)."""

from __future__ import annotations

from typing import Any

import torch

from rlmodels_common.carry import map_carry
from rlmodels_common.checkpoint_format import PathLike
from rlmodels_common.convert import require
from rlmodels_common.jaxdem import convert, read_directory

from .models import Model

Carry = tuple[torch.Tensor, ...] | torch.Tensor


def from_jaxdem(
    source: PathLike | Any, step: int | None = None, with_carry: bool = False, *, activation: str | None = None
) -> Model | tuple[Model, Carry | None]:
    """The ``rlmodels_torch`` model equivalent to a JaxDEM-trained one.

    The mirror of ``rlmodels_jax.from_jaxdem``: ``source`` is a JaxDEM
    checkpoint directory (read without JAX) or a JaxDEM model in memory (which
    needs JAX installed, as the model does). ``with_carry=True`` returns
    ``(model, carry)`` with the stored carry as tensors, ``(c, h)`` for the LSTM,
    ``h`` for the MinGRU.
    """
    if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        read = read_directory(source, step)
    else:
        if step is not None:
            raise ValueError("step applies to checkpoint directories; an in-memory model has one state")
        read = require("jax", "rlmodels_torch.from_jaxdem of an in-memory JaxDEM model").jaxdem.read_model(source)
    imported = convert(read, activation)
    model = Model.from_metadata(imported.model_type, imported.metadata)
    model.load_canonical_params(imported.tensors, source=read.description)
    if not with_carry:
        return model
    return model, map_carry(lambda a: torch.from_numpy(a.copy()), imported.model_carry)


__all__ = ["from_jaxdem"]
