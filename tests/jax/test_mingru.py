"""MinGRUActorCritic in JAX: steps, resets and sequences under jit (the shared
contract is in tests/backends/test_mingru.py)."""

import jax.numpy as jnp
import numpy as np
from flax import nnx

from tests.agree import assert_agree
from tests.backends.builders import build, observations, randomize
from tests.backends.jax_backend import BACKEND


def mingru(**kwargs):
    return build(BACKEND, "MinGRUActorCritic", obs=4, act=3, **kwargs)  # hidden 6, gru 5, 2 layers


def test_steps_and_resets_under_jit():
    model = mingru()
    randomize(model)
    eager = mingru()
    eager.load_canonical_params(model.canonical_params())
    step = nnx.jit(lambda m, x: m(x)[1])
    reset = nnx.jit(lambda m, mask: m.reset((3, 4), mask))
    x = observations(BACKEND, (3,))
    for _ in range(3):
        assert_agree(step(model, x), eager(x)[1])
    reset(model, jnp.array([True, False, True]))
    eager.reset((3, 4), jnp.array([True, False, True]))
    assert_agree(model.carry, eager.carry)
    assert step(model, observations(BACKEND, (2, 5))).shape == (2, 5, 1) and model.carry.shape == (2, 5, 2, 5)
    sequence = nnx.jit(lambda m, x, d: m(x, sequence=True, done=d)[1])
    done = np.random.default_rng(0).random((4, 3)) < 0.3
    xs = observations(BACKEND, (4, 3))
    assert_agree(sequence(model, xs, done), eager(xs, sequence=True, done=done)[1])
