"""Parameter dtypes in JAX: float64 needs x64 (the shared spellings are in
tests/backends/test_dtypes.py)."""

import jax
import pytest

from rlmodels_jax.dtypes import dtype_name


def test_float64_needs_x64():
    with jax.enable_x64(False):
        with pytest.raises(ValueError, match="float64 needs 64-bit JAX.*jax_enable_x64"):
            dtype_name("float64")
