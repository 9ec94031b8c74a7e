"""The parity rule (rlmodels.parity.oracle) on hand-made numbers: numpy only,
so it runs in every environment."""

import numpy as np

from rlmodels.parity.oracle import distance, excess
from rlmodels_common.tolerances import REFERENCE_FACTOR, tolerance

TOL = tolerance("float32")


def test_the_plain_tolerance_or_the_reference_noise_whichever_is_larger():
    truth = np.array([1.0, 1.0])
    noise = np.array([0.0, 1e-3])  # the reference is 1e-3 off on the second entry
    candidate = truth + [TOL.allowed(1.0) / 2, REFERENCE_FACTOR * 1e-3 * 2]
    np.testing.assert_allclose(excess(candidate, truth, noise, TOL), [0.5, 2.0])


def test_the_candidate_never_widens_its_own_allowance():
    truth, noise = np.array([3.0]), np.array([0.0])
    for wrong in (3.1, 30.0, 3e6):
        assert excess(np.array([wrong]), truth, noise, TOL)[0] > 1


def test_a_reference_that_overflows_allows_the_same_failure_and_anything_finite():
    # float32 log-densities just inside a MaxNorm bound can be -inf or NaN where
    # float64 is finite: torch failing the same way is no further from the truth.
    truth = np.array([-40.0, -40.0, -40.0])
    reference = np.array([-np.inf, np.nan, -np.inf])
    noise = distance(reference, truth)
    assert np.isinf(noise).all()
    ratio = excess(np.array([-np.inf, np.nan, -41.0]), truth, noise, TOL)
    np.testing.assert_array_equal(ratio, [1.0, 1.0, 0.0])
    assert excess(np.array([np.nan]), np.array([-40.0]), np.array([0.0]), TOL)[0] == np.inf
