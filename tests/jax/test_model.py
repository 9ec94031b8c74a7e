"""JAX transformations of every model: jit and vmap (the shared model contract
is in tests/backends/test_models.py)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import rlmodels_jax as rj
from tests.backends.builders import MODEL_TYPES, build, observations, randomize
from tests.backends.jax_backend import BACKEND


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_models_work_under_jit_and_vmap(model_type):
    model = build(BACKEND, model_type, action_space=rj.Box(-1.0, 1.0))
    randomize(model)
    x = observations(BACKEND, (5,))
    action = jnp.full((5, 3), 0.3)

    def loss(m, x):
        pi, value = m(x)
        return jnp.sum(pi.log_prob(action) + pi.entropy() + value[..., 0])

    eager = loss(model, x)
    model.reset(x.shape)
    np.testing.assert_allclose(nnx.jit(loss)(model, x), eager, rtol=1e-5)

    graphdef, state = nnx.split(model)

    def value_of(state, obs):
        pi, value = nnx.merge(graphdef, state)(obs)
        return value

    per_row = jax.vmap(value_of, in_axes=(None, 0))(state, x)
    model.reset(x.shape)
    np.testing.assert_allclose(per_row[:, 0], model(x)[1][:, 0], rtol=1e-5, atol=1e-6)
