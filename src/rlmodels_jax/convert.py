"""Conversion from PyTorch (``rlmodels_torch``) and between dtypes."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from rlmodels_common.convert import rebuild, require

from .dtypes import dtype_name
from .models import Model


def from_torch(model: Any, with_carry: bool = False) -> Model:
    """The ``rlmodels_jax`` model computing what the ``rlmodels_torch`` ``model`` computes.

    Parameters are copied exactly (through numpy, in the canonical layout), so
    ``from_torch(from_jax(m))`` is bit-identical to ``m``. ``with_carry=True``
    also copies an LSTM's persistent carry, to hand a policy over mid-episode.
    Needs torch installed (imported here, not by ``import rlmodels_jax``); a
    float64 model needs ``jax_enable_x64``.
    """
    rlmodels_torch = require("torch", "rlmodels_jax.from_torch")
    if not isinstance(model, rlmodels_torch.Model):
        raise TypeError(f"expected an rlmodels_torch.Model, got {type(model).__name__}")
    converted = rebuild(model, Model.from_metadata, "rlmodels_jax")
    if with_carry and hasattr(converted, "carry"):
        c, h = (a.detach().cpu().numpy() for a in model.carry)
        converted.c.set_value(jnp.asarray(c)), converted.h.set_value(jnp.asarray(h))
    return converted


def with_dtype(model: Model, dtype: Any) -> Model:
    """A copy of ``model`` with parameters (and carry) cast to ``dtype``."""
    name = dtype_name(dtype)
    copy = Model.from_metadata(model.type_name, {**model.metadata, "dtype": name})
    copy.load_canonical_params({k: v.astype(name) for k, v in model.canonical_params().items()})
    if hasattr(copy, "carry"):
        c, h = (np.asarray(a).astype(name) for a in model.carry)
        copy.c.set_value(jnp.asarray(c)), copy.h.set_value(jnp.asarray(h))
    return copy
