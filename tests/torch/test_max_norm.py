"""MaxNorm: transform properties, analytic entropy, the norm bound, argument checks."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import Independent, Normal

from rlmodels_common.tolerances import tolerance
from rlmodels_torch import MaxNorm
from tests.torch.properties import (
    assert_entropy_matches_monte_carlo,
    assert_log_det_matches_jacobian,
    assert_round_trip,
)
from tests.numpy_oracle import max_norm_log_det, max_norm_omitted_log_det


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
    bij, x = case
    assert_log_det_matches_jacobian(bij, x, omitted=max_norm_omitted_log_det(x, bij.eps))


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


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@given(data=st.data())
def test_log_det_is_jaxdems_at_every_radius(dtype, data):
    bij = MaxNorm(data.draw(st.floats(0.1, 10)))
    d = data.draw(st.integers(1, 5))
    direction = np.array(data.draw(st.lists(st.floats(0.1, 1), min_size=d, max_size=d)))
    radius = data.draw(st.one_of(st.just(20.0), st.floats(0, 25)))
    x = torch.as_tensor(direction / np.linalg.norm(direction) * radius, dtype=dtype)
    ours = bij.forward_and_log_det(x)[1]
    assert_jaxdem_log_det(ours.numpy(), x.numpy(), bij, str(dtype).removeprefix("torch."))


def test_log_prob_of_a_sample_at_radius_20_is_jaxdems():
    """JaxDEM's rollouts score a sample through the forward log-det. At
    pre-squash radius 20 the exact log-det (with the eps^2 radial term) is 2.1
    larger; an imported policy must give JaxDEM's number."""
    bij = MaxNorm(1.5)
    x = np.array([20 / 3, 40 / 3, 40 / 3])  # |x| = 20
    loc, std = x + np.array([0.3, -0.2, 0.1]), np.array([0.5, 0.7, 0.9])
    base = Independent(Normal(torch.as_tensor(loc, dtype=torch.float32), torch.as_tensor(std, dtype=torch.float32)), 1)
    xf = torch.as_tensor(x, dtype=torch.float32)
    ours = base.log_prob(xf) - bij.forward_and_log_det(xf)[1]
    gaussian = -0.5 * np.sum(((x - loc) / std) ** 2 + np.log(2 * np.pi * std**2))
    expected = gaussian - max_norm_log_det(x, 1.5)
    assert abs(float(ours) - expected) < 1e-4, (float(ours), expected)
    assert float(max_norm_omitted_log_det(x)) > 2.1  # what the exact log-det would add


def assert_jaxdem_log_det(ours, x: np.ndarray, bij, dtype: str) -> None:
    """``ours`` equals JaxDEM's log-det at ``x`` to the ``dtype`` tolerance,
    scaled by the magnitudes of its three terms."""
    x = np.asarray(x, np.float64)
    d = x.shape[-1]
    r = np.sqrt(np.sum(x * x) + bij.eps**2)
    scale = d * abs(np.log((1 - bij.eps) * bij.max_norm)) + (d - 1) * abs(np.log(np.tanh(r) / r)) + 2 * r + 2
    assert tolerance(dtype).error(np.asarray(ours), max_norm_log_det(x, bij.max_norm, bij.eps), scale) <= 1
