"""from_jaxdem in JAX: a JaxDEM model in memory (Flax NNX objects, without
JaxDEM) imports like its checkpoint (the shared from_jaxdem contract is in
tests/backends/test_jaxdem.py)."""

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import rlmodels_jax as rj
from rlmodels_common.jaxdem import read_directory
from rlmodels_jax.jaxdem import read_model
from tests.backends.jax_backend import BACKEND
from tests.backends.jaxdem_rollout import rollout
from tests.jaxdem_cases import assert_reproduces, checkpoint, expected


class SigmaParam(nnx.Module):
    def __init__(self, log_std: np.ndarray) -> None:
        self.log_std = nnx.Param(jnp.asarray(log_std))


class CurrentJaxdemLSTM(nnx.Module):
    """JaxDEM's current LSTMActorCritic attribute layout (5d9c13a) holding the
    arrays of a checkpoint: what from_jaxdem reads in memory, without JaxDEM."""

    type_name = "lstmactorcritic"

    def __init__(self, arrays: dict[str, np.ndarray], metadata: dict) -> None:
        rngs = nnx.Rngs(0)
        self.encoder = nnx.Sequential(nnx.Linear(5, 16, rngs=rngs), nnx.gelu)
        self.cell = nnx.OptimizedLSTMCell(16, 8, rngs=rngs)
        self.actor_mu = nnx.Linear(8, 3, rngs=rngs)
        self.actor_sigma = SigmaParam(arrays["_log_std"])
        self._log_std = self.actor_sigma.log_std  # shared, as JaxDEM does
        self.critic = nnx.Linear(8, 1, rngs=rngs)
        self.fused_head = nnx.Linear(8, 4, rngs=rngs)
        self.bij = nnx.data(tuple(jnp.asarray(arrays[f"bij.{i}"]) for i in range(4)))
        self.c = nnx.Variable(jnp.asarray(arrays["c"]))
        self.h = nnx.Variable(jnp.asarray(arrays["h"]))
        for path, var in nnx.to_flat_state(nnx.state(self, nnx.Param)):
            var.set_value(jnp.asarray(arrays[".".join(map(str, path))]))
        self._metadata = nnx.static(metadata)

    @property
    def metadata(self) -> dict:
        # JaxDEM encodes callables when it writes; in memory they are objects.
        return {**self._metadata, "activation": nnx.gelu, "cell_type": nnx.OptimizedLSTMCell}


def test_a_jaxdem_model_in_memory_imports_like_its_checkpoint():
    case = "head/lstm_box"
    source = read_directory(checkpoint(case))
    in_memory = CurrentJaxdemLSTM(source.arrays, source.metadata)
    read = read_model(in_memory)
    assert set(read.arrays) == set(source.arrays)
    assert read.metadata["activation"] == {"_callable": True, "path": "jax._src.nn.functions.gelu"}
    model, carry = rj.from_jaxdem(in_memory, with_carry=True)
    assert_reproduces(rollout(BACKEND, model, expected(case)), case)
    np.testing.assert_array_equal(carry[1], expected(case)["saved_carry_h"])


def test_an_object_that_is_not_a_jaxdem_model_is_refused():
    with pytest.raises(TypeError, match="expected a JaxDEM model"):
        read_model(nnx.Linear(2, 2, rngs=nnx.Rngs(0)))
