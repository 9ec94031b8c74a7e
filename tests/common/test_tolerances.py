"""Parity tolerances are stated once, per dtype."""

import pytest

from rlmodels_common.tolerances import TOLERANCES, tolerance


def test_float64_is_much_tighter_than_float32():
    assert tolerance("float64").rtol <= 1e-9 and tolerance("float32").rtol <= 1e-5
    assert set(TOLERANCES) == {"float32", "float64"}


def test_unknown_dtype():
    with pytest.raises(ValueError, match=r"expected dtype in \['float32', 'float64'\], got 'float16'"):
        tolerance("float16")
