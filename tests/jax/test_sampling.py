"""Transformed draws exactly distrax's samples (same key, same numbers) through
its own, cheaper program (see ``Transformed._sample_n``)."""

import distrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rlmodels_jax import Box, Free, MaxNorm, Transformed, lift

SPACES = {"free": Free(), "box": Box(-2.0, 3.0), "max_norm": MaxNorm(1.5)}


@pytest.mark.parametrize("space", SPACES)
# each batch shape and each sample shape once (every pair would compile 3x as many programs)
@pytest.mark.parametrize("batch, sample_shape", [((), (2, 3)), ((1,), ()), ((3, 5), (2,))])
def test_samples_are_distraxs_bit_for_bit(space, batch, sample_shape):
    loc = jax.random.normal(jax.random.key(1), (*batch, 4))
    std = jnp.exp(jax.random.normal(jax.random.key(2), (*batch, 4)))
    base = distrax.MultivariateNormalDiag(loc, std)
    ours = Transformed(base, lift(SPACES[space]))
    theirs = distrax.Transformed(base, lift(SPACES[space]))
    # eager against eager, jitted against jitted: XLA may contract loc + scale * z
    # into one fused multiply-add under jit, for distrax's program as for ours
    for run in (lambda f: f(jax.random.key(3)), lambda f: jax.jit(f)(jax.random.key(3))):
        got = run(lambda k: ours.sample(seed=k, sample_shape=sample_shape))
        want = run(lambda k: theirs.sample(seed=k, sample_shape=sample_shape))
        assert got.shape == (*sample_shape, *batch, 4)
        np.testing.assert_array_equal(got, want)


def test_sample_and_log_prob_draws_the_same_action_as_sample():
    base = distrax.MultivariateNormalDiag(jnp.asarray([[0.3, -0.2]]), jnp.asarray([[0.5, 1.5]]))
    pi = Transformed(base, lift(Box(-1.0, 1.0)))
    action, _ = pi.sample_and_log_prob(seed=jax.random.key(0))
    np.testing.assert_array_equal(action, pi.sample(seed=jax.random.key(0)))
