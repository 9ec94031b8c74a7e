"""Block and lift: scalar action spaces lifted to action vectors."""

import numpy as np
import torch

from rlmodels_torch import Block, Box, Free, MaxNorm, lift


def test_lift_wraps_scalar_bijectors_only():
    assert isinstance(lift(Box(-1.0, 1.0)), Block)
    assert isinstance(lift(Free()), Block)
    max_norm = MaxNorm()
    assert lift(max_norm) is max_norm


def test_block_sums_log_dets_and_expectations_over_the_last_axis():
    box = Box([-1.0, 0.0, 2.0], [1.0, 5.0, 3.0])
    block = Block(box)
    x = torch.tensor([[0.1, -2.0, 0.5], [1.0, 0.0, -0.3]])
    np.testing.assert_allclose(block.forward_and_log_det(x)[1], box.forward_and_log_det(x)[1].sum(-1), rtol=1e-6)
    np.testing.assert_allclose(block.log_abs_det_jacobian(x, block(x)), box.forward_and_log_det(x)[1].sum(-1), rtol=1e-6)
    mean, std = x, torch.full_like(x, 0.7)
    np.testing.assert_allclose(
        block.log_det_expectation(mean, std), box.log_det_expectation(mean, std).sum(-1), rtol=1e-6
    )
    assert block.log_det_expectation(mean, std).shape == (2,)


def test_block_reports_the_wrapped_space():
    assert Block(Box(-1.0, 2.0)).metadata == Box(-1.0, 2.0).metadata
