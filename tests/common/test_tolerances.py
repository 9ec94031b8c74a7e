"""Parity tolerances are stated once, per dtype."""

import numpy as np
import pytest

from rlmodels_common.tolerances import TOLERANCES, propagated_scale, tolerance


def test_float64_is_much_tighter_than_float32():
    assert tolerance("float64").rtol <= 1e-9 and tolerance("float32").rtol <= 1e-5
    assert set(TOLERANCES) == {"float32", "float64"}


def test_unknown_dtype():
    with pytest.raises(ValueError, match=r"expected dtype in \['float32', 'float64'\], got 'float16'"):
        tolerance("float16")


def test_propagated_scale_carries_the_input_tolerance_through_the_jacobian():
    tol = tolerance("float32")
    loc = np.array([[0.2, -3.0]])
    loc_tol = tol.atol + tol.rtol * np.abs(loc)
    allowed = lambda scale, y: tol.atol + tol.rtol * np.maximum(scale, np.abs(y))  # noqa: E731
    identity = np.eye(2)[None]
    # f(u) = u: exactly the input's own tolerance
    np.testing.assert_allclose(allowed(propagated_scale(identity, loc_tol, tol), loc), loc_tol)
    # f(u) = 4 u: four times it (an action space that stretches near 0)
    np.testing.assert_allclose(allowed(propagated_scale(4 * identity, loc_tol, tol), 4 * loc), 4 * loc_tol)
    # a contraction never tightens below the plain rule on the output
    y = np.tanh(loc)
    np.testing.assert_allclose(allowed(propagated_scale(0.01 * identity, loc_tol, tol), y), tol.atol + tol.rtol * np.abs(y))
    # off-diagonal entries count: each output collects every input's tolerance
    mixed = np.array([[[1.0, -1.0], [0.0, 1.0]]])
    np.testing.assert_allclose(allowed(propagated_scale(mixed, loc_tol, tol), loc)[0, 0], loc_tol.sum(), rtol=1e-12)
