"""Free: the identity action space."""

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from rlmodels_torch import Block, Free
from tests.torch.properties import (
    assert_entropy_matches_monte_carlo,
    assert_log_det_matches_jacobian,
    assert_round_trip,
)

vectors = st.lists(st.floats(-100, 100), min_size=1, max_size=5).map(np.array)


@given(vectors)
def test_inverse_of_forward_is_identity(x):
    assert_round_trip(Block(Free()), x)
    np.testing.assert_array_equal(Block(Free())(torch.as_tensor(x)).numpy(), x)


@given(vectors)
def test_log_det_is_zero_and_matches_autodiff(x):
    assert_log_det_matches_jacobian(Block(Free()), x)
    assert float(Block(Free()).forward_and_log_det(torch.as_tensor(x))[1]) == 0.0


@given(st.data())
def test_entropy_is_the_gaussian_entropy(data):
    d = data.draw(st.integers(1, 4))
    mean = np.array(data.draw(st.lists(st.floats(-3, 3), min_size=d, max_size=d)))
    std = np.array(data.draw(st.lists(st.floats(0.05, 3), min_size=d, max_size=d)))
    assert_entropy_matches_monte_carlo(Block(Free()), mean, std, seed=data.draw(st.integers(0, 2**32 - 1)))


def test_transform_interface():
    free = Free()
    assert free.bijective and free.sign == 1 and free.domain.event_dim == free.codomain.event_dim == 0


def test_metadata():
    assert Free().metadata == {"type": "Free", "kwargs": {}}
