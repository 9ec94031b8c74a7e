"""Parameter dtypes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rlmodels_jax.dtypes import dtype_name


@pytest.mark.parametrize("dtype", ["float32", np.float32, jnp.float32, np.dtype("float32")])
def test_float32_spellings(dtype):
    assert dtype_name(dtype) == "float32"


def test_float64_needs_x64():
    with jax.enable_x64(False):
        with pytest.raises(ValueError, match="float64 needs 64-bit JAX.*jax_enable_x64"):
            dtype_name("float64")
    with jax.enable_x64(True):
        assert dtype_name(jnp.float64) == "float64"


@pytest.mark.parametrize("dtype", ["float16", "int32", "bogus"])
def test_other_dtypes_are_rejected(dtype):
    with pytest.raises(ValueError, match=r"expected dtype in \('float32', 'float64'\)"):
        dtype_name(dtype)
