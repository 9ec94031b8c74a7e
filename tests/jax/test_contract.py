"""The constructor contract (rlmodels_common.contract) is what the JAX models do."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flax import nnx

import rlmodels_jax as rj
from rlmodels_common.errors import CheckpointError
from rlmodels_common.contract import parameter_shapes
from rlmodels_common.configs import BUILT_IN
from rlmodels_common.contract import check_metadata
from tests.jax.builders import configs


def abstract(build):
    """The model ``build()`` returns, built abstractly (shapes, no initialisation
    compiled per shape), and its canonical parameter shapes."""
    model = nnx.eval_shape(build)
    flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
    return model, {".".join(map(str, path)): tuple(var.get_value().shape) for path, var in flat}

JUNK = st.sampled_from([0, -1, 1, 3, 2.5, True, False, None, "x", "gelu ", "float16", [], [0], [3], [2, 3], {}])


@given(configs())
def test_models_have_exactly_the_parameters_the_contract_states(config):
    model_type, kwargs = config
    model, params = abstract(lambda: rj.Model.create(model_type, key=0, **kwargs))
    check_metadata(model.type_name, model.metadata)
    assert params == parameter_shapes(model.type_name, model.metadata)


@given(configs(), st.data())
def test_metadata_the_contract_accepts_builds_those_parameters(config, data):
    model_type, kwargs = config
    metadata = abstract(lambda: rj.Model.create(model_type, key=0, **kwargs))[0].metadata
    metadata[data.draw(st.sampled_from(sorted(metadata)))] = data.draw(JUNK)
    try:
        check_metadata(model_type, metadata)
    except CheckpointError:
        return  # refusing more than a constructor would is allowed: metadata is JSON, not Python
    _, params = abstract(lambda: rj.Model.from_metadata(model_type, metadata))
    assert params == parameter_shapes(model_type, metadata)


def test_a_user_model_has_no_contract_shapes():
    with pytest.raises(ValueError, match="'MyModel' is not a built-in model"):
        parameter_shapes("MyModel", {})


def test_the_registries_hold_exactly_the_built_in_names():
    assert rj.Model.registered_names() == sorted(BUILT_IN.models)
    assert rj.ActionSpace.registered_names() == sorted(BUILT_IN.action_spaces)
    assert sorted(rj.ACTIVATIONS) == sorted(BUILT_IN.activations)
