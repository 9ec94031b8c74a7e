"""Transformed (analytic entropy) and deterministic_action."""

import distrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rlmodels_jax import Block, Box, MaxNorm, Transformed, deterministic_action


def test_entropy_is_base_entropy_plus_expected_log_det():
    mean, std = jnp.asarray([[0.2, -1.0], [2.0, 0.5]]), jnp.asarray([[0.3, 0.8], [1.0, 0.1]])
    bij = Block(Box(-1.0, 3.0))
    pi = Transformed(distrax.MultivariateNormalDiag(mean, std), bij)
    want = distrax.MultivariateNormalDiag(mean, std).entropy() + bij.log_det_expectation(mean, std)
    np.testing.assert_allclose(pi.entropy(), want, rtol=1e-6)
    assert pi.entropy().shape == (2,)


def test_entropy_is_differentiable_in_the_distribution_parameters():
    def entropy(mean, std):
        return Transformed(distrax.MultivariateNormalDiag(mean, std), MaxNorm(2.0)).entropy()

    g_mean, g_std = jax.grad(entropy, argnums=(0, 1))(jnp.asarray([0.5, -0.2]), jnp.asarray([0.4, 0.9]))
    assert np.all(np.isfinite(g_mean)) and np.all(np.isfinite(g_std)) and np.any(g_std != 0)


def test_deterministic_action_is_the_bijector_of_the_mean():
    mean = jnp.asarray([[0.0, 5.0, -5.0]])
    bij = Block(Box(-2.0, 2.0))
    pi = Transformed(distrax.MultivariateNormalDiag(mean, jnp.ones_like(mean)), bij)
    np.testing.assert_array_equal(deterministic_action(pi), bij.forward(mean))


def test_deterministic_action_of_a_categorical_is_the_argmax():
    pi = distrax.Categorical(logits=jnp.asarray([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0]]))
    np.testing.assert_array_equal(deterministic_action(pi), [1, 0])


def test_deterministic_action_rejects_other_distributions():
    with pytest.raises(TypeError, match="expected a policy returned by an rlmodels model"):
        deterministic_action(distrax.Normal(0.0, 1.0))
