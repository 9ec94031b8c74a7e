"""from_jax (an exact copy), from_torch without torch, and with_dtype."""

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given

import rlmodels_jax as rj
from rlmodels_common.carry import entries
from tests.jax.builders import build, configs, observations, randomize

RECURRENT = ["LSTMActorCritic", "MinGRUActorCritic"]


def bits(params):
    return {k: (v.dtype.name, v.shape, v.tobytes()) for k, v in params.items()}


@given(config=configs())
def test_from_jax_is_an_exact_independent_copy(config):
    model_type, kwargs = config
    model = rj.Model.create(model_type, key=0, **kwargs)
    randomize(model, seed=3)
    copy = rj.from_jax(model)
    assert type(copy) is type(model) and copy.metadata == model.metadata
    assert bits(copy.canonical_params()) == bits(model.canonical_params())
    x = observations((2,), obs=kwargs["observation_space_size"])
    np.testing.assert_array_equal(copy(x)[1], model(x)[1])
    params = copy.canonical_params()
    copy.load_canonical_params({k: v + 1 for k, v in params.items()})
    assert bits(model.canonical_params()) != bits(copy.canonical_params())  # independent


@pytest.mark.parametrize("model_type", RECURRENT)
def test_from_jax_hands_over_the_carry_only_when_asked(model_type):
    model = build(model_type)
    model(observations((3,)))
    carried, fresh = rj.from_jax(model, with_carry=True), rj.from_jax(model)
    for a, b in zip(entries(carried.carry), entries(model.carry)):
        np.testing.assert_array_equal(a, b)
    assert not any(np.any(a) for a in entries(fresh.carry))
    x = observations((3,), seed=5)
    np.testing.assert_array_equal(carried(x)[1], model(x)[1])  # continues where it left off


def test_from_torch_without_torch_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # what an environment without torch looks like
    with pytest.raises(ImportError, match=r"rlmodels_jax.from_torch needs torch.*pip install 'rlmodels-parity\[torch\]' \(for the CPU-only build of torch, run pip install torch --index-url https://download.pytorch.org/whl/cpu first\)$"):
        rj.from_torch(object())


def test_from_jax_rejects_other_objects():
    with pytest.raises(TypeError, match="expected an rlmodels_jax.Model, got dict"):
        rj.from_jax({})


@pytest.mark.parametrize("model_type", RECURRENT)
def test_with_dtype_casts_parameters_and_carry(model_type):
    model = build(model_type)
    model(observations((3,)))
    with jax.enable_x64(True):
        wide = rj.with_dtype(model, "float64")
        assert wide.dtype == "float64" and wide.metadata["dtype"] == "float64"
        assert all(a.dtype == jnp.float64 for a in entries(wide.carry))
        for name, value in wide.canonical_params().items():
            np.testing.assert_array_equal(value, model.canonical_params()[name].astype(np.float64))
        for a, b in zip(entries(wide.carry), entries(model.carry)):
            np.testing.assert_array_equal(a, np.asarray(b, np.float64))
