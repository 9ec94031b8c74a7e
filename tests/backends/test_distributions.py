"""Transformed (analytic entropy, log_prob) and deterministic_action."""

import re

import numpy as np
import pytest

MEAN, STD = np.array([[0.2, -1.0], [2.0, 0.5]]), np.array([[0.3, 0.8], [1.0, 0.1]])


def gaussian(backend, mean, std):
    return backend.diagonal_gaussian(backend.array(mean), backend.array(std))


def test_entropy_is_base_entropy_plus_expected_log_det(backend):
    mean, std = backend.array(MEAN), backend.array(STD)
    bij = backend.rb.Block(backend.rb.Box(-1.0, 3.0))
    pi = backend.rb.Transformed(backend.diagonal_gaussian(mean, std), bij)
    want = backend.diagonal_gaussian(mean, std).entropy() + bij.log_det_expectation(mean, std)
    np.testing.assert_allclose(backend.numpy(pi.entropy()), backend.numpy(want), rtol=1e-6)
    assert pi.entropy().shape == (2,) and pi.batch_shape == (2,) and pi.event_shape == (2,)


def test_entropy_is_differentiable_in_the_distribution_parameters(backend):
    def entropy(mean, std):
        return backend.rb.Transformed(backend.diagonal_gaussian(mean, std), backend.rb.MaxNorm(2.0)).entropy()

    g_mean, g_std = backend.grad(entropy, np.array([0.5, -0.2]), np.array([0.4, 0.9]))
    assert np.all(np.isfinite(g_mean)) and np.all(np.isfinite(g_std)) and np.any(g_std != 0)


def test_log_prob_inverts_with_the_clipped_inverse(backend):
    bij = backend.rb.Block(backend.rb.Box(-1.0, 1.0))
    pi = backend.rb.Transformed(gaussian(backend, np.zeros(2), np.ones(2)), bij)
    y = backend.array([0.3, 1.0])  # on the bound: finite thanks to the clipping
    x, log_det = bij.inverse_and_log_det(y)
    want = gaussian(backend, np.zeros(2), np.ones(2)).log_prob(x) + log_det
    np.testing.assert_allclose(backend.numpy(pi.log_prob(y)), backend.numpy(want), rtol=1e-7)
    assert np.isfinite(backend.numpy(pi.log_prob(y)))


def test_free_log_prob_is_the_gaussian_log_density(backend):
    y = backend.array([[1.5, -0.3], [0.0, 40.0]])
    pi = backend.rb.Transformed(gaussian(backend, MEAN, STD), backend.rb.lift(backend.rb.Free()))
    np.testing.assert_allclose(
        backend.numpy(pi.log_prob(y)), backend.numpy(gaussian(backend, MEAN, STD).log_prob(y)), rtol=1e-6, atol=1e-6
    )


def test_deterministic_action_is_the_bijector_of_the_mean(backend):
    mean = backend.array([[0.0, 5.0, -5.0]])
    bij = backend.rb.Block(backend.rb.Box(-2.0, 2.0))
    pi = backend.rb.Transformed(backend.diagonal_gaussian(mean, backend.array(np.ones((1, 3)))), bij)
    np.testing.assert_array_equal(backend.numpy(backend.rb.deterministic_action(pi)), backend.numpy(backend.forward(bij, mean)))


def test_deterministic_action_of_a_categorical_is_the_argmax(backend):
    pi = backend.categorical(logits=backend.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0]]))
    np.testing.assert_array_equal(backend.numpy(backend.rb.deterministic_action(pi)), [1, 0])


def test_deterministic_action_rejects_other_distributions(backend):
    with pytest.raises(TypeError, match="expected a policy returned by an rlmodels model"):
        backend.rb.deterministic_action(backend.normal(0.0, 1.0))


@pytest.mark.parametrize("shape", [(4, 3), (3,), (4, 1), ()])
def test_an_action_of_the_wrong_width_is_a_clear_error(backend, shape):
    pi = backend.rb.Transformed(gaussian(backend, np.zeros((4, 2)), np.ones((4, 2))), backend.rb.Block(backend.rb.Box(-1.0, 1.0)))
    with pytest.raises(ValueError, match=rf"^expected actions of shape \(\.\.\., 2\), got {re.escape(str(shape))}$"):
        pi.log_prob(backend.array(np.zeros(shape)))
    assert pi.log_prob(backend.array(np.zeros((5, 1, 2)))).shape == (5, 4)  # sample shapes still broadcast


BASE_REPR = {
    "jax": "MultivariateNormalDiag(batch_shape=(4,), event_shape=(2,))",
    "torch": "Independent(Normal(loc: torch.Size([4, 2]), scale: torch.Size([4, 2])), 1)",
}


def test_the_repr_shows_the_base_distribution_and_the_action_space(backend):
    pi = backend.rb.Transformed(gaussian(backend, np.zeros((4, 2)), np.ones((4, 2))), backend.rb.Block(backend.rb.Box(-1.0, 1.0)))
    assert repr(pi) == f"Transformed({BASE_REPR[backend.name]}, action_space=Box(x_min=-1.0, x_max=1.0, width=1.0, eps=1e-06))"
    assert repr(pi.bijector) == "Block(Box(x_min=-1.0, x_max=1.0, width=1.0, eps=1e-06), 1)"
    assert repr(backend.rb.Transformed(gaussian(backend, np.zeros(2), np.ones(2)), backend.rb.MaxNorm(2.0))).endswith(
        "action_space=MaxNorm(max_norm=2.0, eps=1e-06))"
    )
