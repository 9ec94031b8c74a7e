"""Conversion from JAX (``rlmodels_jax``) and between dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rlmodels_common.convert import rebuild, require

from .dtypes import TORCH_DTYPES, dtype_name
from .models import Model


def from_jax(model: Any, with_carry: bool = False) -> Model:
    """The ``rlmodels_torch`` model computing what the ``rlmodels_jax`` ``model`` computes.

    Parameters are copied exactly (through numpy, in the canonical layout), so
    ``from_jax(from_torch(m))`` is bit-identical to ``m``. ``with_carry=True``
    also copies an LSTM's persistent carry, to hand a policy over mid-episode.
    Needs JAX installed (imported here, not by ``import rlmodels_torch``).
    """
    rlmodels_jax = require("jax", "rlmodels_torch.from_jax")
    if not isinstance(model, rlmodels_jax.Model):
        raise TypeError(f"expected an rlmodels_jax.Model, got {type(model).__name__}")
    converted = rebuild(model, Model.from_metadata, "rlmodels_torch")
    if with_carry and hasattr(converted, "carry"):
        converted.c, converted.h = (torch.as_tensor(np.array(a)) for a in model.carry)
    return converted


def with_dtype(model: Model, dtype: Any) -> Model:
    """A copy of ``model`` with parameters (and carry) cast to ``dtype``."""
    name = dtype_name(dtype)
    copy = Model.from_metadata(model.type_name, {**model.metadata, "dtype": name})
    copy.load_canonical_params({k: v.astype(name) for k, v in model.canonical_params().items()})
    if hasattr(copy, "carry"):
        copy.c, copy.h = (a.detach().to(TORCH_DTYPES[name]).clone() for a in model.carry)
    return copy
