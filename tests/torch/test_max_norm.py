"""MaxNorm: transform properties, analytic entropy, the norm bound, argument checks."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rlmodels_torch import MaxNorm
from tests.torch.properties import (
    assert_entropy_matches_monte_carlo,
    assert_log_det_matches_jacobian,
    assert_round_trip,
)


@st.composite
def points(draw, max_radius=4.0):
    """(MaxNorm, x) with |x| <= max_radius, including the origin and tiny x."""
    bij = MaxNorm(draw(st.floats(0.1, 10)), eps=draw(st.sampled_from([1e-6, 1e-4])))
    d = draw(st.integers(1, 5))
    direction = np.array(draw(st.lists(st.floats(-1, 1), min_size=d, max_size=d)))
    radius = draw(st.one_of(st.just(0.0), st.floats(1e-9, 1e-3), st.floats(0, max_radius)))
    norm = np.linalg.norm(direction)
    x = direction / norm * radius if norm > 0 else np.zeros(d)
    return bij, x


@given(points())
def test_inverse_of_forward_is_identity(case):
    assert_round_trip(*case, atol=1e-8)


@given(points())
def test_log_det_equals_autodiff_jacobian(case):
    assert_log_det_matches_jacobian(*case)


@given(st.data())
def test_analytic_entropy_matches_monte_carlo(data):
    bij = MaxNorm(data.draw(st.floats(0.5, 5)))
    d = data.draw(st.integers(1, 3))
    mean = np.array(data.draw(st.lists(st.floats(-2, 2), min_size=d, max_size=d)))
    # The SPEC's 5-node rule is accurate to < 3e-4 nats up to std 0.6 (its bias
    # grows to ~6e-3 at std 1, see MaxNorm's docstring); beyond, 5 standard
    # errors of this estimate would not cover it.
    std = np.array(data.draw(st.lists(st.floats(0.05, 0.6), min_size=d, max_size=d)))
    assert_entropy_matches_monte_carlo(bij, mean, std, seed=data.draw(st.integers(0, 2**32 - 1)))


@given(points(max_radius=50.0))
def test_actions_stay_inside_the_ball(case):
    bij, x = case
    y = bij(torch.as_tensor(x, dtype=torch.float32))
    assert float(torch.linalg.vector_norm(y)) <= bij.max_norm
    assert bool(bij.codomain.check(y))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@given(case=points(), offset=st.floats(-1e-6, 1e-6))
def test_log_prob_is_finite_at_and_beyond_the_radius(dtype, case, offset):
    bij, x = case
    norm = np.linalg.norm(x)
    direction = x / norm if norm > 0 else np.eye(len(x))[0]
    y = torch.as_tensor(direction * (bij.max_norm + offset), dtype=dtype)
    back, log_det = bij.inverse_and_log_det(y)
    assert torch.all(torch.isfinite(back)) and torch.isfinite(log_det)


def test_origin_maps_to_origin_with_finite_log_det():
    bij = MaxNorm(2.0)
    y, log_det = bij.forward_and_log_det(torch.zeros(3))
    np.testing.assert_array_equal(y.numpy(), 0.0)
    np.testing.assert_allclose(log_det.numpy(), 3 * np.log((1 - 1e-6) * 2.0), rtol=1e-6)
    x, inv = bij.inverse_and_log_det(torch.zeros(3))
    np.testing.assert_array_equal(x.numpy(), 0.0)
    assert torch.isfinite(inv)


def test_transform_interface():
    bij = MaxNorm()
    assert bij.bijective and bij.domain.event_dim == bij.codomain.event_dim == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"max_norm": 0.0}, r"max_norm > 0, got 0.0"),
    ({"max_norm": -1.0}, r"max_norm > 0, got -1.0"),
    ({"eps": 0.0}, r"0 < eps < 1, got 0.0"),
])
def test_bad_arguments_name_expected_and_actual(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MaxNorm(**kwargs)


def test_metadata():
    assert MaxNorm(3.0, eps=1e-5).metadata == {"type": "MaxNorm", "kwargs": {"max_norm": 3.0, "eps": 1e-5}}
