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
