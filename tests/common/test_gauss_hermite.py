"""Gauss-Hermite rules: exact Gaussian moments."""

import numpy as np
import pytest

from rlmodels_common.gauss_hermite import BOX_NODES, MAX_NORM_NODES_PER_DIM, gauss_hermite, gauss_hermite_grid


@pytest.mark.parametrize("n", [BOX_NODES, MAX_NORM_NODES_PER_DIM])
def test_one_dimensional_rule_integrates_gaussian_moments(n):
    nodes, weights = gauss_hermite(n)
    assert nodes.shape == weights.shape == (n,)
    moments = [1, 0, 1, 0, 3, 0, 15, 0, 105]  # E[Z^k] for k = 0..8
    for k, want in enumerate(moments):
        if k <= 2 * n - 1:
            np.testing.assert_allclose(np.sum(weights * nodes**k), want, atol=1e-12)


def test_grid_is_the_tensor_product():
    nodes, weights = gauss_hermite_grid(MAX_NORM_NODES_PER_DIM, 3)
    assert nodes.shape == (125, 3) and weights.shape == (125,)
    np.testing.assert_allclose(weights.sum(), 1.0)
    np.testing.assert_allclose(np.sum(weights * nodes[:, 0] ** 2 * nodes[:, 2] ** 2), 1.0)
    np.testing.assert_allclose(np.sum(weights * nodes[:, 1] ** 4), 3.0)


def test_rules_are_read_only():
    nodes, _ = gauss_hermite(BOX_NODES)
    with pytest.raises(ValueError):
        nodes[0] = 1.0


@pytest.mark.parametrize("call, message", [
    (lambda: gauss_hermite(0), "expected num_nodes >= 1, got 0"),
    (lambda: gauss_hermite_grid(5, 0), "expected dim >= 1, got 0"),
])
def test_bad_sizes(call, message):
    with pytest.raises(ValueError, match=message):
        call()
