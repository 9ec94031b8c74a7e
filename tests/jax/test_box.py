"""Box: bijector properties, analytic entropy, bounds and argument checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlmodels_jax import Block, Box
from tests.jax.properties import (
    assert_entropy_matches_monte_carlo,
    assert_log_det_matches_jacobian,
    assert_round_trip,
)

finite = st.floats(-10, 10, allow_nan=False)


@st.composite
def boxes(draw, d=None):
    """(Block(Box), d) with random per-dimension bounds, width and eps."""
    d = d or draw(st.integers(1, 4))
    lo = np.array(draw(st.lists(finite, min_size=d, max_size=d)))
    span = np.array(draw(st.lists(st.floats(0.1, 10), min_size=d, max_size=d)))
    width = draw(st.floats(0.2, 5))
    eps = draw(st.sampled_from([1e-6, 1e-4]))
    return Block(Box(lo.tolist(), (lo + span).tolist(), width=width, eps=eps)), d


@st.composite
def boxes_and_points(draw):
    bij, d = draw(boxes())
    # |x / width| <= 4.5 keeps u = tanh inside the unclipped range [-1 + eps, 1 - eps].
    z = np.array(draw(st.lists(st.floats(-4.5, 4.5), min_size=d, max_size=d)))
    return bij, z * bij.bijector.width


@given(boxes_and_points())
def test_inverse_of_forward_is_identity(case):
    bij, x = case
    with jax.enable_x64(True):
        assert_round_trip(bij, x, atol=1e-9 * bij.bijector.width)


@given(boxes_and_points())
def test_log_det_equals_autodiff_jacobian(case):
    with jax.enable_x64(True):
        assert_log_det_matches_jacobian(*case)


@given(boxes(), st.data())
def test_analytic_entropy_matches_monte_carlo(case, data):
    bij, d = case
    w = bij.bijector.width
    mean = np.array(data.draw(st.lists(st.floats(-3, 3), min_size=d, max_size=d))) * w
    std = np.array(data.draw(st.lists(st.floats(0.05, 1.5), min_size=d, max_size=d))) * w
    with jax.enable_x64(True):
        assert_entropy_matches_monte_carlo(bij, mean, std, seed=data.draw(st.integers(0, 2**32 - 1)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(case=boxes(), offset=st.floats(-1e-6, 1e-6), upper=st.booleans())
def test_log_prob_is_finite_at_and_beyond_the_bounds(dtype, case, offset, upper):
    bij, d = case
    box = bij.bijector
    bound = np.array(box.x_max if upper else box.x_min)
    with jax.enable_x64(dtype == "float64"):
        y = jnp.asarray(bound + offset, dtype=dtype)
        x, log_det = bij.inverse_and_log_det(y)
        assert x.dtype == dtype
        assert np.all(np.isfinite(x)) and np.isfinite(log_det)


@given(boxes_and_points())
def test_actions_stay_strictly_inside_the_box(case):
    bij, x = case
    with jax.enable_x64(True):
        y = np.asarray(bij.forward(jnp.asarray(x * 100)))
    assert np.all(y > np.asarray(bij.bijector.x_min)) and np.all(y < np.asarray(bij.bijector.x_max))


def test_scalar_bounds_apply_to_every_dimension():
    y = Block(Box(-2.0, 3.0)).forward(jnp.asarray([-50.0, 0.0, 50.0]))
    np.testing.assert_allclose(y, [-2.0, 0.5, 3.0], atol=1e-5)


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
def test_bad_arguments_name_expected_and_actual(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Box(**kwargs)


def test_kwargs_round_trip_through_the_registry():
    box = Box([-1.0, 0.0], [1.0, 2.0], width=2.0, eps=1e-5)
    assert box.metadata == {"type": "Box", "kwargs": {"x_min": [-1.0, 0.0], "x_max": [1.0, 2.0], "width": 2.0, "eps": 1e-5}}
    again = Box(**box.kwargs)
    x = jnp.asarray([0.3, -0.7])
    np.testing.assert_array_equal(Block(again).forward(x), Block(box).forward(x))
