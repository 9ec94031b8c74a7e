"""The project's one agreement rule (``rlmodels_common.tolerances``) as a test assertion."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlmodels_common.tolerances import tolerance


def assert_agree(actual: Any, desired: Any, dtype: str = "float32", err_msg: str = "") -> None:
    """``actual`` agrees with ``desired`` elementwise to the ``dtype`` tolerance."""
    tol = tolerance(dtype)
    actual, desired = (np.asarray(a, np.float64) for a in (actual, desired))
    np.testing.assert_allclose(actual, desired, rtol=tol.rtol, atol=tol.atol, err_msg=err_msg)


def assert_agree_at_scale(actual: Any, desired: Any, scale: Any, dtype: str = "float32", err_msg: str = "") -> None:
    """``actual`` agrees with ``desired`` to the ``dtype`` tolerance at the size
    ``scale`` of the terms each value was computed from (``Tolerance.error``)."""
    error = tolerance(dtype).error(np.asarray(actual, np.float64), np.asarray(desired, np.float64), scale)
    assert error <= 1, f"{err_msg}: {error:.3g} times the {dtype} tolerance at the terms' size"
