"""The activation table: names, math, look-up and registration."""

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlmodels_common.reference import NUMPY_ACTIVATIONS as ORACLE
from rlmodels_common.activations import ACTIVATIONS as NAMES
from rlmodels_jax import activations


def test_table_covers_exactly_the_shared_names():
    assert set(activations.ACTIVATIONS) == set(NAMES)


@pytest.mark.parametrize("name", sorted(NAMES))
@given(values=st.lists(st.floats(-30, 30), min_size=1, max_size=16))
def test_each_activation_computes_its_documented_math(name, values):
    x = np.asarray(values, dtype=np.float32)
    got = np.asarray(activations.ACTIVATIONS[name](jnp.asarray(x)), dtype=np.float64)
    np.testing.assert_allclose(got, ORACLE[name](x.astype(np.float64)), rtol=2e-6, atol=2e-6)


def test_gelu_is_the_tanh_approximation():
    x = jnp.asarray([-1.5, 0.7, 2.0])
    assert not np.allclose(activations.ACTIVATIONS["gelu"](x), activations.ACTIVATIONS["gelu_exact"](x), atol=1e-5)
    np.testing.assert_allclose(activations.ACTIVATIONS["gelu"](x), ORACLE["gelu"](np.asarray(x, np.float64)), rtol=1e-6)


def test_resolve_by_name_and_by_function():
    assert activations.resolve_activation("relu")[0] == "relu"
    fn = activations.ACTIVATIONS["tanh"]
    assert activations.resolve_activation(fn) == ("tanh", fn)


def test_unregistered_callable_has_no_name():
    assert activations.resolve_activation(lambda x: x * 2)[0] is None


def test_unknown_name_lists_the_registered_ones():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*gelu.*relu"):
        activations.resolve_activation("swish")


def test_register_activation():
    def cube(x):
        return x**3

    activations.register_activation("cube_test", cube)
    try:
        assert activations.resolve_activation(cube) == ("cube_test", cube)
        with pytest.raises(ValueError, match="already registered"):
            activations.register_activation("cube_test", lambda x: x)
    finally:
        del activations.ACTIVATIONS["cube_test"]
