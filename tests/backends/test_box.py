"""Box: bijector properties, analytic entropy, bounds and argument checks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.backends.action_space_cases import boxes, boxes_and_points
from tests.backends.properties import (
    assert_entropy_matches_monte_carlo,
    assert_log_det_matches_jacobian,
    assert_round_trip,
)


def block(backend, kwargs):
    return backend.rb.Block(backend.rb.Box(**kwargs))


@given(boxes_and_points())
def test_inverse_of_forward_is_identity(backend, case):
    box, x = case
    bij = block(backend, box)
    with backend.float64():
        assert_round_trip(backend, bij, x, atol=1e-9 * bij.bijector.width)


@given(boxes_and_points())
def test_log_det_equals_autodiff_jacobian(backend, case):
    box, x = case
    with backend.float64():
        assert_log_det_matches_jacobian(backend, block(backend, box), x)


@given(boxes(), st.data())
def test_analytic_entropy_matches_monte_carlo(backend, case, data):
    box, d = case
    bij = block(backend, box)
    w = bij.bijector.width
    mean = np.array(data.draw(st.lists(st.floats(-3, 3), min_size=d, max_size=d))) * w
    std = np.array(data.draw(st.lists(st.floats(0.05, 1.5), min_size=d, max_size=d))) * w
    with backend.float64():
        assert_entropy_matches_monte_carlo(backend, bij, mean, std, seed=data.draw(st.integers(0, 2**32 - 1)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(case=boxes(), offset=st.floats(-1e-6, 1e-6), upper=st.booleans())
def test_log_prob_is_finite_at_and_beyond_the_bounds(backend, dtype, case, offset, upper):
    box, d = case
    bij = block(backend, box)
    bound = np.array(bij.bijector.x_max if upper else bij.bijector.x_min)
    with backend.precision(dtype):
        y = backend.array(bound + offset, dtype)
        x, log_det = bij.inverse_and_log_det(y)
        assert x.dtype == backend.dtype(dtype)
        assert np.all(np.isfinite(backend.numpy(x))) and np.isfinite(backend.numpy(log_det))


@given(boxes_and_points())
def test_actions_stay_strictly_inside_the_box(backend, case):
    box, x = case
    bij = block(backend, box)
    with backend.float64():
        y = backend.numpy(backend.forward(bij, backend.array(x * 100, "float64")))
    assert np.all(y > np.asarray(bij.bijector.x_min)) and np.all(y < np.asarray(bij.bijector.x_max))


def test_scalar_bounds_apply_to_every_dimension(backend):
    y = backend.forward(backend.rb.Block(backend.rb.Box(-2.0, 3.0)), backend.array([-50.0, 0.0, 50.0]))
    np.testing.assert_allclose(backend.numpy(y), [-2.0, 0.5, 3.0], atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"x_min": 1.0, "x_max": 1.0}, r"x_max > x_min elementwise, got x_min=1.0, x_max=1.0"),
        ({"x_min": [0.0, 2.0], "x_max": [1.0, 1.0]}, r"x_max > x_min elementwise, got x_min=\[0.0, 2.0\], x_max=\[1.0, 1.0\]"),
        ({"x_min": [0.0, 0.0], "x_max": [1.0, 1.0, 1.0]}, r"do not broadcast"),
        ({"x_min": [[0.0]], "x_max": 1.0}, r"scalar or 1-d bounds"),
        ({"x_min": -np.inf, "x_max": 1.0}, r"finite bounds"),
        ({"x_min": 0.0, "x_max": 1.0, "width": 0.0}, r"width > 0, got 0.0"),
        ({"x_min": 0.0, "x_max": 1.0, "eps": 1.0}, r"0 <= eps < 1, got 1.0"),
    ],
)
def test_bad_arguments_name_expected_and_actual(backend, kwargs, message):
    with pytest.raises(ValueError, match=message):
        backend.rb.Box(**kwargs)


def test_kwargs_round_trip_through_the_registry(backend):
    box = backend.rb.Box([-1.0, 0.0], [1.0, 2.0], width=2.0, eps=1e-5)
    assert box.metadata == {"type": "Box", "kwargs": {"x_min": [-1.0, 0.0], "x_max": [1.0, 2.0], "width": 2.0, "eps": 1e-5}}
    again = backend.rb.Box(**box.kwargs)
    x = backend.array([0.3, -0.7])
    Block = backend.rb.Block
    np.testing.assert_array_equal(backend.numpy(backend.forward(Block(again), x)), backend.numpy(backend.forward(Block(box), x)))
