"""At a kink both backends take JAX's branch of the derivative.

Where a function is not differentiable (relu and leaky_relu at 0, MinGRU's
candidate ``g`` at 0) each framework picks one side; at all-zero observations
with zero biases every pre-activation sits there, so continued training in
torch must see JAX's gradients. Checked per primitive, in float64, at the kink
and on both sides of it.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

from rlmodels_common.activations import ACTIVATIONS
from rlmodels_jax import activations as jax_activations
from rlmodels_jax.models import mingru as jax_mingru
from rlmodels_torch import activations as torch_activations
from rlmodels_torch.models import mingru as torch_mingru

POINTS = np.array([0.0, -0.0, 1e-300, -1e-300, 0.5, -0.5, 30.0, -30.0])


def jax_derivative(fn, x: np.ndarray) -> np.ndarray:
    with jax.enable_x64(True):
        return np.asarray(jax.vmap(jax.grad(fn))(jnp.asarray(x, jnp.float64)))


def torch_derivative(fn, x: np.ndarray) -> np.ndarray:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    fn(t).sum().backward()
    return t.grad.numpy()


def torch_values(fn, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return fn(torch.tensor(x, dtype=torch.float64)).numpy()


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_take_jax_branch(name):
    jax_fn, torch_fn = jax_activations.ACTIVATIONS[name], torch_activations.ACTIVATIONS[name]
    # atol: far out on a flat tail the two derive differently (JAX's expm1 rule
    # is expm1(x) + 1, which cancels), a difference far below the parity rule.
    np.testing.assert_allclose(torch_derivative(torch_fn, POINTS), jax_derivative(jax_fn, POINTS), rtol=1e-12, atol=1e-15)
    # ... and the form autograd records computes the values the plain one does.
    t = torch.tensor(POINTS, dtype=torch.float64, requires_grad=True)
    np.testing.assert_array_equal(torch_fn(t).detach().numpy(), torch_values(torch_fn, POINTS))


def test_mingru_step_takes_jax_branch():
    """Single steps: ``g(x) = x + 0.5`` for ``x >= 0``, derivative 1 at 0 in both."""
    got = torch_derivative(torch_mingru._g, POINTS)
    np.testing.assert_allclose(got, jax_derivative(jax_mingru._g, POINTS), rtol=1e-12)
    assert got[0] == 1.0


def test_mingru_sequence_takes_jax_branch():
    """Sequence mode: JAX's log-space scan differentiates ``log(relu(x) + 0.5)``,
    derivative 0 at 0; torch's stepped sequence must give the same."""
    want = jax_derivative(lambda x: jnp.exp(jax_mingru._log_g(x)), POINTS)
    got = torch_derivative(torch_mingru._g_scan, POINTS)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[0] == 0.0
    np.testing.assert_array_equal(torch_values(torch_mingru._g_scan, POINTS), torch_values(torch_mingru._g, POINTS))


def test_mingru_sequence_gradient_at_zero_inputs_is_jax_gradient():
    """The whole model: all-zero observations and biases put every MinGRU
    pre-activation on the kink; sequence-mode gradients agree to float64."""
    import rlmodels_jax as rj
    import rlmodels_torch as rt

    torch_model = rt.MinGRUActorCritic(3, 2, key=0, hidden_features=4, gru_features=5, num_layers=2, activation="relu", dtype="float64")
    with jax.enable_x64(True):
        jax_model = rj.from_torch(torch_model)
        x = np.zeros((4, 2, 3))
        from flax import nnx

        def loss(model):
            _, value = model(x, sequence=True)
            return jnp.sum(value)

        want = {".".join(map(str, k)): np.asarray(v) for k, v in nnx.to_flat_state(nnx.grad(loss)(jax_model))}
    _, value = torch_model(torch.zeros(4, 2, 3, dtype=torch.float64), sequence=True)
    value.sum().backward()
    got = torch_model.canonical_grads()
    for name in ("proj_in.bias", "encoder.layers.0.bias", "mingru_kernel"):
        np.testing.assert_allclose(got[name], want[name], rtol=1e-9, atol=1e-12, err_msg=name)
