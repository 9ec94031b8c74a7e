"""Free (the identity action space), and Block and lift: scalar action spaces
lifted to action vectors (Box and MaxNorm have their own files)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.backends.action_space_cases import vectors
from tests.backends.properties import (
    assert_entropy_matches_monte_carlo,
    assert_log_det_matches_jacobian,
    assert_round_trip,
)


def free(backend):
    return backend.rb.Block(backend.rb.Free())


@given(vectors)
def test_inverse_of_forward_is_identity(backend, x):
    with backend.float64():
        assert_round_trip(backend, free(backend), x)
        np.testing.assert_array_equal(backend.numpy(backend.forward(free(backend), backend.array(x, "float64"))), x)


@given(vectors)
def test_log_det_is_zero_and_matches_autodiff(backend, x):
    with backend.float64():
        assert_log_det_matches_jacobian(backend, free(backend), x)
        for method, log_det in backend.forward_log_dets(free(backend), backend.array(x, "float64")).items():
            assert float(backend.numpy(log_det)) == 0.0, method


@given(st.data())
def test_entropy_is_the_gaussian_entropy(backend, data):
    d = data.draw(st.integers(1, 4))
    mean = np.array(data.draw(st.lists(st.floats(-3, 3), min_size=d, max_size=d)))
    std = np.array(data.draw(st.lists(st.floats(0.05, 3), min_size=d, max_size=d)))
    with backend.float64():
        assert_entropy_matches_monte_carlo(backend, free(backend), mean, std, seed=data.draw(st.integers(0, 2**32 - 1)))


def test_free_metadata(backend):
    assert backend.rb.Free().metadata == {"type": "Free", "kwargs": {}}


def test_lift_wraps_scalar_bijectors_only(backend):
    rb = backend.rb
    assert isinstance(rb.lift(rb.Box(-1.0, 1.0)), rb.Block)
    assert isinstance(rb.lift(rb.Free()), rb.Block)
    max_norm = rb.MaxNorm()
    assert rb.lift(max_norm) is max_norm


def test_block_sums_log_dets_and_expectations_over_the_last_axis(backend):
    box = backend.rb.Box([-1.0, 0.0, 2.0], [1.0, 5.0, 3.0])
    block = backend.rb.Block(box)
    x = backend.array([[0.1, -2.0, 0.5], [1.0, 0.0, -0.3]])
    per_component = backend.numpy(backend.forward_log_det(box, x)).sum(-1)
    for method, log_det in backend.forward_log_dets(block, x).items():
        np.testing.assert_allclose(backend.numpy(log_det), per_component, rtol=1e-6, err_msg=method)
    mean, std = x, backend.array(np.full((2, 3), 0.7))
    np.testing.assert_allclose(
        backend.numpy(block.log_det_expectation(mean, std)), backend.numpy(box.log_det_expectation(mean, std).sum(-1)), rtol=1e-6
    )
    assert block.log_det_expectation(mean, std).shape == (2,)


def test_block_reports_the_wrapped_space(backend):
    assert backend.rb.Block(backend.rb.Box(-1.0, 2.0)).metadata == backend.rb.Box(-1.0, 2.0).metadata
