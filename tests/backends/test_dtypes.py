"""Parameter dtypes: the spellings each backend accepts."""

import numpy as np
import pytest

SPELLINGS = {"name": lambda b: "float32", "numpy type": lambda b: np.float32, "numpy dtype": lambda b: np.dtype("float32"),
             "framework": lambda b: b.dtype("float32")}  # fmt: skip


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_float32_spellings(backend, spelling):
    assert backend.rb.dtypes.dtype_name(SPELLINGS[spelling](backend)) == "float32"


def test_float64_where_the_framework_allows_it(backend):
    with backend.float64():
        assert backend.rb.dtypes.dtype_name(backend.dtype("float64")) == "float64"


@pytest.mark.parametrize("dtype", ["float16", "int32", "bogus", "the framework's bfloat16"])
def test_other_dtypes_are_rejected(backend, dtype):
    dtype = backend.dtype("bfloat16") if dtype == "the framework's bfloat16" else dtype
    with pytest.raises(ValueError, match=r"expected dtype in \('float32', 'float64'\)"):
        backend.rb.dtypes.dtype_name(dtype)
