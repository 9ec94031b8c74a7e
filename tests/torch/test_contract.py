"""The constructor contract (rlmodels_common.contract) is what the torch models do."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rlmodels_torch as rt
from rlmodels_common.errors import CheckpointError
from rlmodels_common.contract import parameter_shapes
from rlmodels_common.configs import BUILT_IN
from rlmodels_common.contract import check_metadata
from tests.torch.builders import configs

JUNK = st.sampled_from([0, -1, 1, 3, 2.5, True, False, None, "x", "gelu ", "float16", [], [0], [3], [2, 3], {}])


@given(configs())
def test_models_have_exactly_the_parameters_the_contract_states(config):
    model_type, kwargs = config
    model = rt.Model.create(model_type, key=0, **kwargs)
    check_metadata(model.type_name, model.metadata)
    params = {name: value.shape for name, value in model.canonical_params().items()}
    assert params == parameter_shapes(model.type_name, model.metadata)


@given(configs(), st.data())
def test_metadata_the_contract_accepts_builds_those_parameters(config, data):
    model_type, kwargs = config
    metadata = rt.Model.create(model_type, key=0, **kwargs).metadata
    metadata[data.draw(st.sampled_from(sorted(metadata)))] = data.draw(JUNK)
    try:
        check_metadata(model_type, metadata)
    except CheckpointError:
        return  # refusing more than a constructor would is allowed: metadata is JSON, not Python
    model = rt.Model.from_metadata(model_type, metadata)
    params = {name: value.shape for name, value in model.canonical_params().items()}
    assert params == parameter_shapes(model_type, metadata)


def test_a_user_model_has_no_contract_shapes():
    with pytest.raises(ValueError, match="'MyModel' is not a built-in model"):
        parameter_shapes("MyModel", {})


def test_the_registries_hold_exactly_the_built_in_names():
    assert rt.Model.registered_names() == sorted(BUILT_IN.models)
    assert rt.ActionSpace.registered_names() == sorted(BUILT_IN.action_spaces)
    assert sorted(rt.ACTIVATIONS) == sorted(BUILT_IN.activations)
