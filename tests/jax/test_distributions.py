"""Transformed (analytic entropy) and deterministic_action."""

import re

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


@pytest.mark.parametrize("shape", [(4, 3), (3,), (4, 1), ()])
def test_an_action_of_the_wrong_width_is_a_clear_error(shape):
    pi = Transformed(distrax.MultivariateNormalDiag(jnp.zeros((4, 2)), jnp.ones((4, 2))), Block(Box(-1.0, 1.0)))
    with pytest.raises(ValueError, match=rf"^expected actions of shape \(\.\.\., 2\), got {re.escape(str(shape))}$"):
        pi.log_prob(jnp.zeros(shape))
    assert pi.log_prob(jnp.zeros((5, 1, 2))).shape == (5, 4)  # sample shapes still broadcast


def test_the_repr_shows_the_base_distribution_and_the_action_space():
    pi = Transformed(distrax.MultivariateNormalDiag(jnp.zeros((4, 2)), jnp.ones((4, 2))), Block(Box(-1.0, 1.0)))
    assert repr(pi) == (
        "Transformed(MultivariateNormalDiag(batch_shape=(4,), event_shape=(2,)), "
        "action_space=Box(x_min=-1.0, x_max=1.0, width=1.0, eps=1e-06))"
    )
    assert repr(pi.bijector) == "Block(Box(x_min=-1.0, x_max=1.0, width=1.0, eps=1e-06), 1)"
    assert repr(Transformed(distrax.MultivariateNormalDiag(jnp.zeros(2), jnp.ones(2)), MaxNorm(2.0))).endswith(
        "action_space=MaxNorm(max_norm=2.0, eps=1e-06))"
    )
