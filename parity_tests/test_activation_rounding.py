"""In float32 every torch activation is at least about as accurate as JAX's.

A recurrence amplifies each step's rounding, so an activation that rounds
worse in torch makes a long rollout drift further from the float64 truth than
the JAX reference does (the parity rule allows 4x the reference's distance).
Measured on a dense grid and random points, in ulps of the exact result.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

from rlmodels.parity.run_jax import FAST_COMPILE
from rlmodels_common.activations import ACTIVATIONS
from rlmodels_jax import activations as jax_activations
from rlmodels_torch import activations as torch_activations

X = np.concatenate([np.linspace(-10, 10, 20001), np.random.default_rng(0).standard_normal(20000) * 3]).astype(np.float32)


def ulps(y: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """``|y - exact|`` in float32 ulps of ``exact``, where ``|exact| > 1e-3``."""
    keep = np.abs(exact) > 1e-3
    ulp = np.spacing(np.abs(exact[keep]).astype(np.float32)).astype(np.float64)
    return np.abs(y.astype(np.float64)[keep] - exact[keep]) / ulp


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_torch_activation_rounds_no_worse_than_jax(name):
    jax_fn, torch_fn = jax_activations.ACTIVATIONS[name], torch_activations.ACTIVATIONS[name]
    with jax.enable_x64(True):
        exact = np.asarray(jax_fn(jnp.asarray(X, jnp.float64)))
    jax_err = ulps(np.asarray(jax.jit(jax_fn, compiler_options=FAST_COMPILE)(X)), exact)
    with torch.no_grad():
        torch_err = ulps(torch_fn(torch.from_numpy(X)).numpy(), exact)
    assert torch_err.mean() <= 1.25 * jax_err.mean() + 0.05, (torch_err.mean(), jax_err.mean())
    assert torch_err.max() <= 4 * jax_err.max() + 1, (torch_err.max(), jax_err.max())
