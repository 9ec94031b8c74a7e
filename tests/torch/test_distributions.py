"""Transformed (analytic entropy) and deterministic_action."""

import re

import numpy as np
import pytest
import torch
from torch.distributions import Categorical, Independent, Normal

from rlmodels_torch import Block, Box, Free, MaxNorm, Transformed, deterministic_action, lift


def gaussian(mean, std):
    return Independent(Normal(mean, std), 1)


def test_entropy_is_base_entropy_plus_expected_log_det():
    mean, std = torch.tensor([[0.2, -1.0], [2.0, 0.5]]), torch.tensor([[0.3, 0.8], [1.0, 0.1]])
    bij = Block(Box(-1.0, 3.0))
    pi = Transformed(gaussian(mean, std), bij)
    want = gaussian(mean, std).entropy() + bij.log_det_expectation(mean, std)
    np.testing.assert_allclose(pi.entropy(), want, rtol=1e-6)
    assert pi.entropy().shape == (2,) and pi.batch_shape == (2,) and pi.event_shape == (2,)


def test_entropy_is_differentiable_in_the_distribution_parameters():
    mean = torch.tensor([0.5, -0.2], requires_grad=True)
    std = torch.tensor([0.4, 0.9], requires_grad=True)
    Transformed(gaussian(mean, std), MaxNorm(2.0)).entropy().backward()
    assert torch.all(torch.isfinite(mean.grad)) and torch.all(torch.isfinite(std.grad)) and torch.any(std.grad != 0)


def test_log_prob_inverts_with_the_clipped_inverse():
    bij = Block(Box(-1.0, 1.0))
    pi = Transformed(gaussian(torch.zeros(2), torch.ones(2)), bij)
    y = torch.tensor([0.3, 1.0])  # on the bound: finite thanks to the clipping
    x, log_det = bij.inverse_and_log_det(y)
    np.testing.assert_allclose(pi.log_prob(y), gaussian(torch.zeros(2), torch.ones(2)).log_prob(x) + log_det)
    assert torch.isfinite(pi.log_prob(y))


def test_samples_are_the_bijector_of_base_samples():
    bij = Block(Box(-2.0, 2.0))
    pi = Transformed(gaussian(torch.zeros(3), torch.ones(3)), bij)
    torch.manual_seed(0)
    a = pi.rsample((5,))
    torch.manual_seed(0)
    np.testing.assert_allclose(a, bij(gaussian(torch.zeros(3), torch.ones(3)).rsample((5,))))


def test_deterministic_action_is_the_bijector_of_the_mean():
    mean = torch.tensor([[0.0, 5.0, -5.0]])
    bij = Block(Box(-2.0, 2.0))
    pi = Transformed(gaussian(mean, torch.ones_like(mean)), bij)
    np.testing.assert_array_equal(deterministic_action(pi), bij(mean))


def test_deterministic_action_of_a_categorical_is_the_argmax():
    pi = Categorical(logits=torch.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0]]))
    np.testing.assert_array_equal(deterministic_action(pi), [1, 0])


def test_deterministic_action_rejects_other_distributions():
    with pytest.raises(TypeError, match="expected a policy returned by an rlmodels model"):
        deterministic_action(Normal(0.0, 1.0))


@pytest.mark.parametrize("shape", [(4, 3), (3,), (4, 1), ()])
def test_an_action_of_the_wrong_width_is_a_clear_error(shape):
    pi = Transformed(gaussian(torch.zeros(4, 2), torch.ones(4, 2)), Block(Box(-1.0, 1.0)))
    with pytest.raises(ValueError, match=rf"^expected actions of shape \(\.\.\., 2\), got {re.escape(str(shape))}$"):
        pi.log_prob(torch.zeros(shape))
    assert pi.log_prob(torch.zeros(5, 1, 2)).shape == (5, 4)  # sample shapes still broadcast


def test_the_repr_shows_the_base_distribution_and_the_action_space():
    pi = Transformed(gaussian(torch.zeros(4, 2), torch.ones(4, 2)), Block(Box(-1.0, 1.0)))
    assert repr(pi) == (
        "Transformed(Independent(Normal(loc: torch.Size([4, 2]), scale: torch.Size([4, 2])), 1), "
        "action_space=Box(x_min=-1.0, x_max=1.0, width=1.0, eps=1e-06))"
    )
    assert repr(Transformed(gaussian(torch.zeros(2), torch.ones(2)), MaxNorm(2.0))).endswith(
        "action_space=MaxNorm(max_norm=2.0, eps=1e-06))"
    )


@pytest.mark.parametrize("space", [Free(), Box(-1.0, 3.0), MaxNorm(2.0)], ids=["Free", "Box", "MaxNorm"])
@pytest.mark.parametrize("sample_shape", [(), (5,)])
def test_sampling_draws_what_the_base_gaussian_draws_through_the_action_space(space, sample_shape):
    mean, std = torch.tensor([[0.2, -1.0], [2.0, 0.5]]), torch.tensor([[0.3, 0.8], [1.0, 0.1]])
    bij = lift(space)
    torch.manual_seed(7)
    got = Transformed(gaussian(mean, std), bij).sample(sample_shape)
    torch.manual_seed(7)
    want = bij(gaussian(mean, std).sample(sample_shape))
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    assert got.shape == (*sample_shape, 2, 2)


def test_free_log_prob_is_the_gaussian_log_density():
    mean, std = torch.tensor([[0.2, -1.0], [2.0, 0.5]]), torch.tensor([[0.3, 0.8], [1.0, 0.1]])
    y = torch.tensor([[1.5, -0.3], [0.0, 40.0]])
    pi = Transformed(gaussian(mean, std), lift(Free()))
    torch.testing.assert_close(pi.log_prob(y), gaussian(mean, std).log_prob(y), rtol=1e-6, atol=1e-6)
