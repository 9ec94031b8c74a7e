"""Transformed in torch: reparametrised samples (the shared contract is in
tests/backends/test_distributions.py)."""

import numpy as np
import torch
from torch.distributions import Independent, Normal

from rlmodels_torch import Block, Box, Transformed


def gaussian(mean, std):
    return Independent(Normal(mean, std), 1)


def test_samples_are_the_bijector_of_base_samples():
    bij = Block(Box(-2.0, 2.0))
    pi = Transformed(gaussian(torch.zeros(3), torch.ones(3)), bij)
    torch.manual_seed(0)
    a = pi.rsample((5,))
    torch.manual_seed(0)
    np.testing.assert_allclose(a, bij(gaussian(torch.zeros(3), torch.ones(3)).rsample((5,))))
