"""The activation table: names, math, look-up and registration."""

import contextlib

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rlmodels_common.activations import ACTIVATIONS as NAMES
from rlmodels_common.activations import DERIVATIVE_FROM_INPUT
from rlmodels_common.reference import NUMPY_ACTIVATIONS as ORACLE


def test_table_covers_exactly_the_shared_names(backend):
    assert set(backend.rb.activations.ACTIVATIONS) == set(NAMES)


@pytest.mark.parametrize("name", sorted(NAMES))
@given(values=st.lists(st.floats(-30, 30), min_size=1, max_size=16))
def test_each_activation_computes_its_documented_math(backend, name, values):
    x = np.asarray(values, dtype=np.float32)
    got = backend.numpy(backend.rb.activations.ACTIVATIONS[name](backend.array(x))).astype(np.float64)
    np.testing.assert_allclose(got, ORACLE[name](x.astype(np.float64)), rtol=2e-6, atol=2e-6)


def test_gelu_is_the_tanh_approximation(backend):
    x = backend.array([-1.5, 0.7, 2.0])
    gelu, gelu_exact = (backend.numpy(backend.rb.activations.ACTIVATIONS[name](x)) for name in ("gelu", "gelu_exact"))
    assert not np.allclose(gelu, gelu_exact, atol=1e-5)
    np.testing.assert_allclose(gelu, ORACLE["gelu"](backend.numpy(x).astype(np.float64)), rtol=1e-6)


def test_resolve_by_name_and_by_function(backend):
    assert backend.rb.activations.resolve_activation("relu")[0] == "relu"
    fn = backend.rb.activations.ACTIVATIONS["tanh"]
    assert backend.rb.activations.resolve_activation(fn) == ("tanh", fn)


def test_unregistered_callable_has_no_name(backend):
    assert backend.rb.activations.resolve_activation(lambda x: x * 2)[0] is None


def test_unknown_name_lists_the_registered_ones(backend):
    with pytest.raises(ValueError, match="unknown activation 'swish'.*gelu.*relu"):
        backend.rb.activations.resolve_activation("swish")


def test_register_activation(backend):
    def cube(x):
        return x**3

    backend.rb.activations.register_activation("cube_test", cube)
    try:
        assert backend.rb.activations.resolve_activation(cube) == ("cube_test", cube)
        with pytest.raises(ValueError, match="already registered"):
            backend.rb.activations.register_activation("cube_test", lambda x: x)
    finally:
        del backend.rb.activations.ACTIVATIONS["cube_test"]


EXACT_DERIVATIVES = {
    "tanh": lambda x: 1.0 / np.cosh(x) ** 2,
    "sigmoid": lambda x: 1.0 / ((1.0 + np.exp(-x)) * (1.0 + np.exp(x))),
}


@pytest.mark.parametrize("name", sorted(DERIVATIVE_FROM_INPUT))
@given(x=st.floats(-40, 40))
@example(x=12.0)
def test_float64_derivatives_of_saturating_activations_are_accurate(backend, name, x):
    """To a few ulps where the activation saturates: taken from the rounded
    output (1 - y^2, y (1 - y)) they are off by ulp / (1 - |y|) there (3e-7 of
    tanh'(12)), more than the float64 parity rule allows a gradient."""
    fn = backend.rb.activations.resolve_activation(name, "float64")[1]
    with backend.float64():
        (got,) = backend.grad(lambda v: fn(v).sum(), np.array([x]), dtype="float64")
    np.testing.assert_allclose(got, EXACT_DERIVATIVES[name](np.array([x])), rtol=1e-13, atol=0)


@pytest.mark.parametrize("name", sorted(DERIVATIVE_FROM_INPUT))
def test_float64_models_take_those_derivatives_and_float32_models_the_frameworks(backend, name):
    table = backend.rb.activations.ACTIVATIONS
    for dtype, expected in (("float32", table[name]), ("float64", table.float64[name])):
        with backend.float64() if dtype == "float64" else contextlib.nullcontext():
            model = backend.rb.Model.create("ActorCritic", observation_space_size=3, action_space_size=2, key=0, activation=table[name], dtype=dtype)
        assert model.activation is expected and model.metadata["activation"] == name
