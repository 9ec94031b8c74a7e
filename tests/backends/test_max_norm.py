"""MaxNorm: bijector properties, analytic entropy, the norm bound, argument checks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlmodels_common.tolerances import tolerance
from tests.backends.action_space_cases import max_norm_points
from tests.backends.properties import (
    assert_entropy_matches_monte_carlo,
    assert_log_det_matches_jacobian,
    assert_round_trip,
)
from tests.numpy_oracle import max_norm_log_det, max_norm_omitted_log_det


@given(max_norm_points())
def test_inverse_of_forward_is_identity(backend, case):
    kwargs, x = case
    with backend.float64():
        assert_round_trip(backend, backend.rb.MaxNorm(**kwargs), x, atol=1e-8)


@given(max_norm_points())
def test_log_det_equals_autodiff_jacobian(backend, case):
    kwargs, x = case
    bij = backend.rb.MaxNorm(**kwargs)
    with backend.float64():
        assert_log_det_matches_jacobian(backend, bij, x, omitted=max_norm_omitted_log_det(x, bij.eps))


@given(st.data())
def test_analytic_entropy_matches_monte_carlo(backend, data):
    bij = backend.rb.MaxNorm(data.draw(st.floats(0.5, 5)))
    d = data.draw(st.integers(1, 3))
    mean = np.array(data.draw(st.lists(st.floats(-2, 2), min_size=d, max_size=d)))
    # The SPEC's 5-node rule is accurate to < 3e-4 nats up to std 0.6 (its bias
    # grows to ~6e-3 at std 1, see MaxNorm's docstring); beyond, 5 standard
    # errors of this estimate would not cover it.
    std = np.array(data.draw(st.lists(st.floats(0.05, 0.6), min_size=d, max_size=d)))
    with backend.float64():
        assert_entropy_matches_monte_carlo(backend, bij, mean, std, seed=data.draw(st.integers(0, 2**32 - 1)))


@given(max_norm_points(max_radius=50.0))
def test_actions_stay_inside_the_ball(backend, case):
    kwargs, x = case
    bij = backend.rb.MaxNorm(**kwargs)
    y = backend.forward(bij, backend.array(x, "float32"))
    assert float(np.linalg.norm(backend.numpy(y))) <= bij.max_norm


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(case=max_norm_points(), offset=st.floats(-1e-6, 1e-6))
def test_log_prob_is_finite_at_and_beyond_the_radius(backend, dtype, case, offset):
    kwargs, x = case
    bij = backend.rb.MaxNorm(**kwargs)
    norm = np.linalg.norm(x)
    direction = x / norm if norm > 0 else np.eye(len(x))[0]
    with backend.precision(dtype):
        y = backend.array(direction * (bij.max_norm + offset), dtype)
        back, log_det = bij.inverse_and_log_det(y)
        assert np.all(np.isfinite(backend.numpy(back))) and np.isfinite(backend.numpy(log_det))


def test_origin_maps_to_origin_with_finite_log_det(backend):
    bij = backend.rb.MaxNorm(2.0)
    y, log_det = bij.forward_and_log_det(backend.array(np.zeros(3)))
    np.testing.assert_array_equal(backend.numpy(y), 0.0)
    np.testing.assert_allclose(backend.numpy(log_det), 3 * np.log((1 - 1e-6) * 2.0), rtol=1e-6)
    x, inv = bij.inverse_and_log_det(backend.array(np.zeros(3)))
    np.testing.assert_array_equal(backend.numpy(x), 0.0)
    assert np.isfinite(backend.numpy(inv))


@pytest.mark.parametrize("kwargs, message", [
    ({"max_norm": 0.0}, r"max_norm > 0, got 0.0"),
    ({"max_norm": -1.0}, r"max_norm > 0, got -1.0"),
    ({"eps": 0.0}, r"0 < eps < 1, got 0.0"),
])  # fmt: skip
def test_bad_arguments_name_expected_and_actual(backend, kwargs, message):
    with pytest.raises(ValueError, match=message):
        backend.rb.MaxNorm(**kwargs)


def test_metadata(backend):
    assert backend.rb.MaxNorm(3.0, eps=1e-5).metadata == {"type": "MaxNorm", "kwargs": {"max_norm": 3.0, "eps": 1e-5}}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(data=st.data())
def test_log_det_is_jaxdems_at_every_radius(backend, dtype, data):
    bij = backend.rb.MaxNorm(data.draw(st.floats(0.1, 10)))
    d = data.draw(st.integers(1, 5))
    direction = np.array(data.draw(st.lists(st.floats(0.1, 1), min_size=d, max_size=d)))
    radius = data.draw(st.one_of(st.just(20.0), st.floats(0, 25)))
    with backend.precision(dtype):
        x = backend.array(direction / np.linalg.norm(direction) * radius, dtype)
        ours = bij.forward_and_log_det(x)[1]
    assert_jaxdem_log_det(backend.numpy(ours), backend.numpy(x), bij, dtype)


def test_log_prob_of_a_sample_at_radius_20_is_jaxdems(backend):
    """JaxDEM's rollouts score a sample through the forward log-det. At
    pre-squash radius 20 the exact log-det (with the eps^2 radial term) is 2.1
    larger; an imported policy must give JaxDEM's number."""
    bij = backend.rb.MaxNorm(1.5)
    x = np.array([20 / 3, 40 / 3, 40 / 3])  # |x| = 20
    loc, std = x + np.array([0.3, -0.2, 0.1]), np.array([0.5, 0.7, 0.9])
    pi = backend.rb.Transformed(backend.diagonal_gaussian(backend.array(loc), backend.array(std)), bij)
    xf = backend.array(x)
    ours = pi.distribution.log_prob(xf) - backend.forward_log_det(bij, xf)
    gaussian = -0.5 * np.sum(((x - loc) / std) ** 2 + np.log(2 * np.pi * std**2))
    expected = gaussian - max_norm_log_det(x, 1.5)
    assert abs(float(backend.numpy(ours)) - expected) < 1e-4, (float(backend.numpy(ours)), expected)
    assert float(max_norm_omitted_log_det(x)) > 2.1  # what the exact log-det would add


def assert_jaxdem_log_det(ours, x: np.ndarray, bij, dtype: str) -> None:
    """``ours`` equals JaxDEM's log-det at ``x`` to the ``dtype`` tolerance,
    scaled by the magnitudes of its three terms."""
    x = np.asarray(x, np.float64)
    d = x.shape[-1]
    r = np.sqrt(np.sum(x * x) + bij.eps**2)
    scale = d * abs(np.log((1 - bij.eps) * bij.max_norm)) + (d - 1) * abs(np.log(np.tanh(r) / r)) + 2 * r + 2
    assert tolerance(dtype).error(np.asarray(ours), max_norm_log_det(x, bij.max_norm, bij.eps), scale) <= 1
