"""from_torch (an exact copy), from_jax without JAX, and with_dtype."""

import sys

import numpy as np
import pytest
import torch
from hypothesis import given

import rlmodels_torch as rt
from rlmodels_common.carry import entries
from tests.torch.builders import build, configs, observations, randomize

RECURRENT = ["LSTMActorCritic", "MinGRUActorCritic"]


def bits(params):
    return {k: (v.dtype.name, v.shape, v.tobytes()) for k, v in params.items()}


@given(config=configs())
def test_from_torch_is_an_exact_independent_copy(config):
    model_type, kwargs = config
    model = rt.Model.create(model_type, key=0, **kwargs)
    randomize(model, seed=3)
    copy = rt.from_torch(model)
    assert type(copy) is type(model) and copy.metadata == model.metadata
    assert bits(copy.canonical_params()) == bits(model.canonical_params())
    x = observations((2,), obs=kwargs["observation_space_size"])
    with torch.no_grad():
        torch.testing.assert_close(copy(x)[1], model(x)[1], rtol=0, atol=0)
    params = copy.canonical_params()
    copy.load_canonical_params({k: v + 1 for k, v in params.items()})
    assert bits(model.canonical_params()) != bits(copy.canonical_params())  # independent


@pytest.mark.parametrize("model_type", RECURRENT)
def test_from_torch_hands_over_the_carry_only_when_asked(model_type):
    model = build(model_type)
    with torch.no_grad():
        model(observations((3,)))
    carried, fresh = rt.from_torch(model, with_carry=True), rt.from_torch(model)
    for a, b in zip(entries(carried.carry), entries(model.carry)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not any(a.any() for a in entries(fresh.carry))
    x = observations((3,), seed=5)
    with torch.no_grad():
        torch.testing.assert_close(carried(x)[1], model(x)[1], rtol=0, atol=0)  # continues where it left off


def test_from_jax_without_jax_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)  # what an environment without JAX looks like
    with pytest.raises(ImportError, match=r"rlmodels_torch.from_jax needs jax.*pip install 'rlmodels-parity\[jax\]'$"):
        rt.from_jax(object())


def test_from_torch_rejects_other_objects():
    with pytest.raises(TypeError, match="expected an rlmodels_torch.Model, got dict"):
        rt.from_torch({})


@pytest.mark.parametrize("model_type", RECURRENT)
def test_with_dtype_casts_parameters_and_carry(model_type):
    model = build(model_type)
    with torch.no_grad():
        model(observations((3,)))
    wide = rt.with_dtype(model, "float64")
    assert wide.dtype == "float64" and wide.metadata["dtype"] == "float64"
    assert {a.dtype for a in entries(wide.carry)} == {torch.float64}
    for name, value in wide.canonical_params().items():
        np.testing.assert_array_equal(value, model.canonical_params()[name].astype(np.float64))
    for a, b in zip(entries(wide.carry), entries(model.carry)):
        np.testing.assert_array_equal(a.numpy(), b.numpy().astype(np.float64))
