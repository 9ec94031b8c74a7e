"""from_<framework> within a framework (an exact copy), from the other
framework where it is not installed, and with_dtype."""

import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlmodels_common.carry import entries
from tests.backends.builders import RECURRENT, build, configs, observations, randomize

INSTALL_HINT = {
    "jax": r"rlmodels_jax.from_torch needs torch.*pip install 'rlmodels-parity\[torch\]' \(for the CPU-only build of torch, run pip install torch --index-url https://download.pytorch.org/whl/cpu first\)$",
    "torch": r"rlmodels_torch.from_jax needs jax.*pip install 'rlmodels-parity\[jax\]'$",
}
"""What from_<other> says where the other framework is missing."""


def bits(params):
    return {k: (v.dtype.name, v.shape, v.tobytes()) for k, v in params.items()}


@given(data=st.data())
def test_from_its_own_framework_is_an_exact_independent_copy(backend, data):
    model_type, kwargs = data.draw(configs(backend), label="config")
    model = backend.rb.Model.create(model_type, key=0, **kwargs)
    randomize(model, seed=3)
    copy = backend.copy(model)
    assert type(copy) is type(model) and copy.metadata == model.metadata
    assert bits(copy.canonical_params()) == bits(model.canonical_params())
    x = observations(backend, (2,), obs=kwargs["observation_space_size"])
    with backend.no_grad():
        np.testing.assert_array_equal(backend.numpy(copy(x)[1]), backend.numpy(model(x)[1]))
    params = copy.canonical_params()
    copy.load_canonical_params({k: v + 1 for k, v in params.items()})
    assert bits(model.canonical_params()) != bits(copy.canonical_params())  # independent


@pytest.mark.parametrize("model_type", RECURRENT)
def test_from_its_own_framework_hands_over_the_carry_only_when_asked(backend, model_type):
    model = build(backend, model_type)
    with backend.no_grad():
        model(observations(backend, (3,)))
    carried, fresh = backend.copy(model, with_carry=True), backend.copy(model)
    for a, b in zip(entries(carried.carry), entries(model.carry)):
        np.testing.assert_array_equal(backend.numpy(a), backend.numpy(b))
    assert not any(np.any(backend.numpy(a)) for a in entries(fresh.carry))
    x = observations(backend, (3,), seed=5)
    with backend.no_grad():  # continues where it left off
        np.testing.assert_array_equal(backend.numpy(carried(x)[1]), backend.numpy(model(x)[1]))


def test_from_the_other_framework_without_it_says_how_to_install_it(backend, monkeypatch):
    monkeypatch.setitem(sys.modules, backend.other, None)  # what an environment without it looks like
    with pytest.raises(ImportError, match=INSTALL_HINT[backend.name]):
        getattr(backend.rb, f"from_{backend.other}")(object())


def test_from_its_own_framework_rejects_other_objects(backend):
    with pytest.raises(TypeError, match=f"expected an rlmodels_{backend.name}.Model, got dict"):
        backend.copy({})


@pytest.mark.parametrize("model_type", RECURRENT)
def test_with_dtype_casts_parameters_and_carry(backend, model_type):
    model = build(backend, model_type)
    with backend.no_grad():
        model(observations(backend, (3,)))
    with backend.float64():
        wide = backend.rb.with_dtype(model, "float64")
        assert wide.dtype == "float64" and wide.metadata["dtype"] == "float64"
        assert all(a.dtype == backend.dtype("float64") for a in entries(wide.carry))
        for name, value in wide.canonical_params().items():
            np.testing.assert_array_equal(value, model.canonical_params()[name].astype(np.float64))
        for a, b in zip(entries(wide.carry), entries(model.carry)):
            np.testing.assert_array_equal(backend.numpy(a), backend.numpy(b).astype(np.float64))
