"""Parity tolerances are stated once, per dtype, with one reference factor."""

import numpy as np
import pytest

from rlmodels_common.tolerances import REFERENCE_FACTOR, TOLERANCES, tolerance


def test_float64_is_much_tighter_than_float32():
    assert tolerance("float64").rtol <= 1e-9 and tolerance("float32").rtol <= 1e-5
    assert set(TOLERANCES) == {"float32", "float64"}


def test_the_reference_factor_is_small():
    # A small fixed factor: room for a different rounding, not for a different function.
    assert 1 < REFERENCE_FACTOR <= 10


def test_unknown_dtype():
    with pytest.raises(ValueError, match=r"expected dtype in \['float32', 'float64'\], got 'float16'"):
        tolerance("float16")


def test_error_is_in_units_of_the_tolerance():
    tol = tolerance("float32")
    b = np.array([1.0, -200.0, np.inf])
    assert tol.error(b, b) == 0  # equal infinities agree
    assert tol.error(b + [tol.allowed(1.0), 0, 0], b) == pytest.approx(1.0)
    assert tol.error(np.array([np.nan, 0, np.inf]), b) == np.inf
    with pytest.raises(ValueError, match=r"expected equal shapes, got \(2,\) and \(3,\)"):
        tol.error(np.zeros(2), b)
