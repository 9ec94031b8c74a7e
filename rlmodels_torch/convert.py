"""Conversion from JAX (``rlmodels_jax``), copies, and casts between dtypes."""

from __future__ import annotations

from typing import Any

from rlmodels_common.carry import map_carry
from rlmodels_common.convert import as_numpy, rebuild, require

from .dtypes import dtype_name
from .models import Model


def from_jax(model: Any, with_carry: bool = False) -> Model:
    """The ``rlmodels_torch`` model computing what the ``rlmodels_jax`` ``model`` computes.

    Parameters are copied exactly (through numpy, in the canonical layout), so
    ``from_jax(rlmodels_jax.from_torch(m))`` is bit-identical to ``m``.
    ``with_carry=True`` also copies an LSTM's persistent carry, to hand a policy
    over mid-episode. Needs JAX installed (imported here, not by
    ``import rlmodels_torch``).
    """
    rlmodels_jax = require("jax", "rlmodels_torch.from_jax")
    return _convert(model, rlmodels_jax.Model, "rlmodels_jax", with_carry)


def from_torch(model: Model, with_carry: bool = False) -> Model:
    """An exact, independent copy of the ``rlmodels_torch`` ``model``.

    The same-framework case of :func:`from_jax`, so that both backends offer
    ``from_jax`` and ``from_torch`` and code can convert whatever it was given.
    """
    return _convert(model, Model, "rlmodels_torch", with_carry)


def with_dtype(model: Model, dtype: Any) -> Model:
    """A copy of ``model`` with parameters (and carry) cast to ``dtype``."""
    name = dtype_name(dtype)
    copy = Model.from_metadata(model.type_name, {**model.metadata, "dtype": name})
    copy.load_canonical_params({k: v.astype(name) for k, v in model.canonical_params().items()})
    copy.carry = map_carry(lambda a: as_numpy(a).astype(name), model.carry)
    return copy


def _convert(model: Any, expected: type, package: str, with_carry: bool) -> Model:
    if not isinstance(model, expected):
        raise TypeError(f"expected an {package}.Model, got {type(model).__name__}")
    converted = rebuild(model, Model.from_metadata, "rlmodels_torch")
    if with_carry:
        converted.carry = map_carry(as_numpy, model.carry)
    return converted

