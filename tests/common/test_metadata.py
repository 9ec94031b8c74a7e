"""The metadata schema."""

import numpy as np
import pytest

from rlmodels_common.checkpoint_format import CheckpointError, read_checkpoint
from rlmodels_common.configs import BUILT_IN, KnownNames, action_space_entry, jsonable
from rlmodels_common.contract import check_metadata, parameter_shapes
from tests.broken_checkpoints import golden


def test_jsonable_turns_tuples_and_numpy_into_plain_values():
    assert jsonable({"a": (1, 2), "b": np.float64(0.5), "c": np.arange(2), 3: None}) == {
        "a": [1, 2], "b": 0.5, "c": [0, 1], "3": None,
    }  # fmt: skip


def test_action_space_entry():
    assert action_space_entry("Box", {"x_min": (0.0,), "x_max": 1.0}) == {
        "type": "Box", "kwargs": {"x_min": [0.0], "x_max": 1.0},
    }  # fmt: skip


def valid(model_type="LSTMActorCritic"):
    return read_checkpoint(golden({"LSTMActorCritic": "lstm_box", "ActorCritic": "actor_critic_discrete"}[model_type])).metadata


def test_check_metadata_names_only_the_keys_that_are_wrong():
    meta = valid("ActorCritic")
    meta.pop("dtype")
    with pytest.raises(CheckpointError, match=r"^ActorCritic metadata: missing keys \['dtype'\]; expected exactly action_space, "):
        check_metadata("ActorCritic", meta)
    meta["dtype"], meta["architecture"] = "float32", [1]
    with pytest.raises(CheckpointError, match=r"^ActorCritic metadata: unexpected keys \['architecture'\]; expected exactly "):
        check_metadata("ActorCritic", meta)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"observation_space_size": 0}, "expected observation_space_size to be a positive integer, got 0"),
        ({"lstm_features": True}, "expected lstm_features to be a positive integer, got True"),
        ({"carry_leading_shape": [2, -1]}, "expected every carry_leading_shape entry to be a positive integer, got -1"),
        ({"remat": "no"}, "expected remat to be true or false, got 'no'"),
        ({"dtype": "float16"}, "expected dtype in ('float32', 'float64'), got 'float16'"),
        ({"activation": None}, "unknown activation None; registered: "),
        ({"action_space": "Box"}, 'expected action_space null or {"type": str, "kwargs": {...}}, got \'Box\''),
        ({"action_space": {"type": "Box", "kwargs": {"x_min": -1.0}}}, "action_space Box arguments {'x_min': -1.0}: "),
        ({"action_space": {"type": "MaxNorm", "kwargs": {"max_norm": -1.0}}}, "MaxNorm: expected finite max_norm > 0, got -1.0"),
        ({"action_space": {"type": "Free", "kwargs": {"x": 1}}}, "Free takes no arguments, got ['x']"),
        ({"discrete": True}, "action_space applies to continuous actions only"),
        ({"discrete": True, "action_space": None, "actor_sigma_head": True}, "actor_sigma_head applies to continuous actions only"),
    ],
)
def test_check_metadata_checks_values_as_the_constructors_do(change, message):
    with pytest.raises(CheckpointError) as error:
        check_metadata("LSTMActorCritic", {**valid(), **change})
    assert str(error.value).startswith("LSTMActorCritic metadata: ") and message in str(error.value)


def test_model_types_match_as_the_registries_match_them():
    check_metadata("lstm_actor_critic", valid())
    with pytest.raises(CheckpointError, match="unknown Model 'LSTMActorCritc'; .*did you mean 'LSTMActorCritic'"):
        check_metadata("LSTMActorCritc", valid())


def test_user_registered_names_are_judged_by_their_own_code():
    known = KnownNames(models=[*BUILT_IN.models, "MyModel"], activations=["mine"], action_spaces=["Mine"])
    check_metadata("MyModel", {"anything": 1}, known)
    check_metadata("LSTMActorCritic", {**valid(), "activation": "mine", "action_space": {"type": "Mine", "kwargs": {"a": 1}}}, known)
    with pytest.raises(CheckpointError, match="unknown Model 'MyModel'"):
        check_metadata("MyModel", {"anything": 1})


def test_a_user_model_has_no_contract_shapes():
    with pytest.raises(ValueError, match="'MyModel' is not a built-in model"):
        parameter_shapes("MyModel", {})
