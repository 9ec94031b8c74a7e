"""LSTMActorCritic in JAX: Flax's cell class as the cell type, stepping and
reallocation under jit (the shared contract is in tests/backends/test_lstm.py)."""

import jax.numpy as jnp
import numpy as np
from flax import nnx

from tests.backends.builders import build, observations, randomize, shapes
from tests.backends.jax_backend import BACKEND


def lstm(**kwargs):
    return build(BACKEND, "LSTMActorCritic", obs=4, act=3, **kwargs)


def test_flax_s_cell_class_names_the_cell_type():
    model = lstm(hidden_features=6, lstm_features=5, cell_type=nnx.LSTMCell)
    assert model.metadata["cell_type"] == "LSTMCell"
    names = shapes(model)
    for gate in ("i", "f", "g", "o"):
        assert names[f"cell.h{gate}.kernel"] == (5, 5) and names[f"cell.h{gate}.bias"] == (5,)
        assert names[f"cell.i{gate if gate != 'f' else 'f_'}.kernel"] == (6, 5)


def test_single_steps_and_reallocation_under_jit():
    model = lstm()
    randomize(model)
    step = nnx.jit(lambda m, x: m(x)[1])
    reset = nnx.jit(lambda m, mask: m.reset((3, 4), mask), static_argnums=())
    x = observations(BACKEND, (3,))
    eager = lstm()
    eager.load_canonical_params(model.canonical_params())
    for _ in range(3):
        np.testing.assert_allclose(step(model, x), eager(x)[1], rtol=1e-5, atol=1e-7)
    reset(model, jnp.array([True, False, True]))
    eager.reset((3, 4), jnp.array([True, False, True]))
    np.testing.assert_allclose(model.carry[1], eager.carry[1], rtol=1e-5, atol=1e-7)
    assert step(model, observations(BACKEND, (2, 5)))[0].shape == (5, 1) and model.carry[0].shape == (2, 5, 5)
