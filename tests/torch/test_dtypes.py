"""Parameter dtypes."""

import numpy as np
import pytest
import torch

from rlmodels_torch.dtypes import dtype_name


@pytest.mark.parametrize("dtype", ["float32", np.float32, torch.float32, np.dtype("float32")])
def test_float32_spellings(dtype):
    assert dtype_name(dtype) == "float32"


def test_float64_needs_nothing_special():
    assert dtype_name(torch.float64) == "float64"


@pytest.mark.parametrize("dtype", ["float16", "int32", "bogus", torch.bfloat16])
def test_other_dtypes_are_rejected(dtype):
    with pytest.raises(ValueError, match=r"expected dtype in \('float32', 'float64'\)"):
        dtype_name(dtype)
