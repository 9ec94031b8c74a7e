"""Parameter dtypes: the names models record and the torch types they mean."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rlmodels_common.dtypes import SUPPORTED_DTYPES

TORCH_DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "float64": torch.float64}


def dtype_name(dtype: Any) -> str:
    """The canonical name (``"float32"``/``"float64"``) of ``dtype``.

    Accepts a name, a numpy dtype or a torch dtype.
    """
    if isinstance(dtype, torch.dtype):
        name = str(dtype).removeprefix("torch.")
    else:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            raise ValueError(f"expected dtype in {SUPPORTED_DTYPES}, got {dtype!r}") from None
    if name not in SUPPORTED_DTYPES:
        raise ValueError(f"expected dtype in {SUPPORTED_DTYPES}, got {name!r}")
    return name
