"""Rebuilding a model of one backend from a model of the other, through numpy.

A model offers ``type_name``, ``metadata`` and ``canonical_params()``
(``rlmodels_common.checkpoint_format.PortableModel``); the target backend's
``Model.from_metadata`` and ``load_canonical_params`` do the rest, so the copy
is exact and a round trip is bit-identical.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping, TypeVar

import numpy as np

from .checkpoint import PortableModel
from .extras import install_hint
from .errors import UnknownNameError

M = TypeVar("M", bound=PortableModel)

BACKENDS = {"jax": "rlmodels_jax", "torch": "rlmodels_torch"}


def require(framework: str, caller: str) -> Any:
    """Import the backend package for ``framework`` (``"jax"`` or ``"torch"``) on
    behalf of ``caller``, or raise an ImportError saying how to install it."""
    try:
        importlib.import_module(framework)
    except ImportError:
        raise ImportError(
            f"{caller} needs {framework}, which is not installed; install it with {install_hint(framework)}"
        ) from None
    return importlib.import_module(BACKENDS[framework])


def as_numpy(array: Any) -> np.ndarray:
    """A JAX array or a torch tensor (any device, with or without grad) as numpy."""
    if hasattr(array, "detach"):  # torch
        return array.detach().cpu().numpy()
    return np.asarray(array)


def rebuild(
    source: PortableModel, from_metadata: Callable[[str, Mapping[str, Any]], M], target: str
) -> M:
    """A ``target``-backend model with ``source``'s configuration and exact parameters."""
    name = source.type_name
    try:
        metadata = source.metadata
    except ValueError as e:
        raise ValueError(f"cannot convert this {name} to {target}: {e}") from None
    try:
        model = from_metadata(name, metadata)
    except UnknownNameError:
        raise UnknownNameError(
            f"cannot convert {name} to {target}: no model is registered there under {name!r}; "
            f"register one with the same constructor and canonical parameter names using "
            f"@{target}.Model.register({name!r})"
        ) from None
    model.load_canonical_params(source.canonical_params(), source=f"parameters of the {name} being converted")
    return model
