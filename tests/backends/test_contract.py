"""The constructor contract (rlmodels_common.contract) is what the models do."""

from hypothesis import given
from hypothesis import strategies as st

from rlmodels_common.configs import BUILT_IN
from rlmodels_common.contract import check_metadata, parameter_shapes
from rlmodels_common.errors import CheckpointError
from tests.backends.builders import configs

JUNK = st.sampled_from([0, -1, 1, 3, 2.5, True, False, None, "x", "gelu ", "float16", [], [0], [3], [2, 3], {}])


@given(data=st.data())
def test_models_have_exactly_the_parameters_the_contract_states(backend, data):
    model_type, kwargs = data.draw(configs(backend), label="config")
    model, params = backend.parameter_shapes(lambda: backend.rb.Model.create(model_type, key=0, **kwargs))
    check_metadata(model.type_name, model.metadata)
    assert params == parameter_shapes(model.type_name, model.metadata)


@given(data=st.data())
def test_metadata_the_contract_accepts_builds_those_parameters(backend, data):
    model_type, kwargs = data.draw(configs(backend), label="config")
    metadata = backend.parameter_shapes(lambda: backend.rb.Model.create(model_type, key=0, **kwargs))[0].metadata
    metadata[data.draw(st.sampled_from(sorted(metadata)))] = data.draw(JUNK)
    try:
        check_metadata(model_type, metadata)
    except CheckpointError:
        return  # refusing more than a constructor would is allowed: metadata is JSON, not Python
    _, params = backend.parameter_shapes(lambda: backend.rb.Model.from_metadata(model_type, metadata))
    assert params == parameter_shapes(model_type, metadata)


def test_the_registries_hold_exactly_the_built_in_names(backend):
    assert backend.rb.Model.registered_names() == sorted(BUILT_IN.models)
    assert backend.rb.ActionSpace.registered_names() == sorted(BUILT_IN.action_spaces)
    assert sorted(backend.rb.ACTIVATIONS) == sorted(BUILT_IN.activations)
