"""The metadata schema."""

import numpy as np
import pytest

from rlmodels_common.checkpoint_format import CheckpointError
from rlmodels_common.metadata import MODEL_PARAMETERS, action_space_entry, check_metadata, jsonable


def test_jsonable_turns_tuples_and_numpy_into_plain_values():
    assert jsonable({"a": (1, 2), "b": np.float64(0.5), "c": np.arange(2), 3: None}) == {
        "a": [1, 2], "b": 0.5, "c": [0, 1], "3": None,
    }  # fmt: skip


def test_action_space_entry():
    assert action_space_entry("Box", {"x_min": (0.0,), "x_max": 1.0}) == {
        "type": "Box", "kwargs": {"x_min": [0.0], "x_max": 1.0},
    }  # fmt: skip


def test_check_metadata_names_missing_and_unexpected_keys():
    meta = dict.fromkeys(MODEL_PARAMETERS["ActorCritic"])
    meta.pop("dtype")
    meta["architecture"] = [1]
    with pytest.raises(CheckpointError, match=r"missing keys \['dtype'\], unexpected keys \['architecture'\]"):
        check_metadata("ActorCritic", meta)


def test_check_metadata_validates_the_action_space_entry():
    meta = dict.fromkeys(MODEL_PARAMETERS["SharedActorCritic"])
    meta["action_space"] = "Box"
    with pytest.raises(CheckpointError, match="expected action_space null or"):
        check_metadata("SharedActorCritic", meta)


def test_user_models_are_judged_by_their_constructor():
    check_metadata("MyModel", {"anything": 1})
