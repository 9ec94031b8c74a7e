"""Transformed in torch: samples drawn from torch's global generator through
the action space, reparametrised samples (the shared contract is in
tests/backends/test_distributions.py)."""

import numpy as np
import pytest
import torch
from torch.distributions import Independent, Normal

from rlmodels_torch import Block, Box, Free, MaxNorm, Transformed, lift


def gaussian(mean, std):
    return Independent(Normal(mean, std), 1)


def test_samples_are_the_bijector_of_base_samples():
    bij = Block(Box(-2.0, 2.0))
    pi = Transformed(gaussian(torch.zeros(3), torch.ones(3)), bij)
    torch.manual_seed(0)
    a = pi.rsample((5,))
    torch.manual_seed(0)
    np.testing.assert_allclose(a, bij(gaussian(torch.zeros(3), torch.ones(3)).rsample((5,))))


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
