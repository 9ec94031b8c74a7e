"""Parameter dtypes: the names models record and the JAX types they mean."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from rlmodels_common.dtypes import SUPPORTED_DTYPES


def dtype_name(dtype: Any) -> str:
    """The canonical name (``"float32"``/``"float64"``) of ``dtype``.

    Accepts a name, a numpy dtype or a JAX scalar type. float64 needs
    ``jax_enable_x64``; without it JAX would silently build float32 arrays.
    """
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise ValueError(f"expected dtype in {SUPPORTED_DTYPES}, got {dtype!r}") from None
    if name not in SUPPORTED_DTYPES:
        raise ValueError(f"expected dtype in {SUPPORTED_DTYPES}, got {name!r}")
    if name == "float64" and not jax.config.jax_enable_x64:
        raise ValueError(
            "dtype float64 needs 64-bit JAX: call jax.config.update('jax_enable_x64', True) "
            "at start-up (or use `with jax.enable_x64(True):`) before building the model"
        )
    return name
