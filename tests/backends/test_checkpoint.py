"""save/load: round trips for every model type and every load error."""

import json
import os

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmodels.cli import EXIT_BAD_INPUT, main
from rlmodels_common.checkpoint_format import CONFIG_FILE, FORMAT_VERSION, WEIGHTS_FILE, CheckpointError
from tests.backends.builders import MODEL_TYPES, build, configs, observations, randomize
from tests.broken_checkpoints import EDIT_ERRORS, EDITS, broken, golden


def listing(path):
    return sorted(os.listdir(path))


@settings(max_examples=settings.default.max_examples // 2)  # each example writes files: half the profile
@given(dtype=st.sampled_from(["float32", "float64"]), data=st.data())
def test_round_trip_restores_metadata_parameters_and_outputs(backend, tmp_path_factory, dtype, data):
    model_type, kwargs = data.draw(configs(backend), label="config")
    rb = backend.rb
    path = tmp_path_factory.mktemp("ckpt") / "policy"
    with backend.precision(dtype):
        model = rb.Model.create(model_type, key=3, dtype=dtype, **kwargs)
        params = randomize(model)
        assert rb.save(model, path) == path
        assert listing(path) == [CONFIG_FILE, WEIGHTS_FILE]
        loaded = rb.load(path)
        assert type(loaded) is type(model) and loaded.metadata == model.metadata
        for name, value in loaded.canonical_params().items():
            np.testing.assert_array_equal(value, params[name])
            assert value.dtype == params[name].dtype
        x = observations(backend, (2,), obs=kwargs["observation_space_size"])
        np.testing.assert_array_equal(backend.numpy(loaded(x)[1]), backend.numpy(model(x)[1]))


def test_config_is_readable_json_with_format_and_model_type(backend, tmp_path):
    backend.rb.save(build(backend, "LSTMActorCritic", action_space=backend.rb.MaxNorm(2.0)), tmp_path / "p")
    config = json.loads((tmp_path / "p" / CONFIG_FILE).read_text())
    assert config["format"] == "rlmodels" and config["format_version"] == FORMAT_VERSION
    assert config["model_type"] == "LSTMActorCritic"
    assert config["metadata"]["action_space"] == {"type": "MaxNorm", "kwargs": {"max_norm": 2.0, "eps": 1e-6}}
    tensors = safetensors.numpy.load_file(str(tmp_path / "p" / WEIGHTS_FILE))
    assert tensors["cell.dense_i.kernel"].shape == (6, 20)  # JAX layout (in, out), not torch's (out, in)


def test_save_replaces_an_existing_checkpoint_and_leaves_no_temporaries(backend, tmp_path):
    backend.rb.save(build(backend, "SharedActorCritic", key=1), tmp_path / "p")
    second = build(backend, "ActorCritic", key=2)
    backend.rb.save(second, tmp_path / "p")
    assert listing(tmp_path) == ["p"]
    assert backend.rb.load(tmp_path / "p").metadata == second.metadata


def test_save_refuses_to_overwrite_something_else(backend, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    with pytest.raises(CheckpointError, match="refusing to overwrite .*notes: it exists and is not an rlmodels checkpoint"):
        backend.rb.save(build(backend, "SharedActorCritic"), tmp_path / "notes")
    assert listing(tmp_path / "notes") == ["todo.txt"]


def test_unsaveable_model_leaves_nothing_behind(backend, tmp_path):
    model = build(backend, "SharedActorCritic", activation=lambda x: x * 2)
    with pytest.raises(ValueError, match="is not registered"):
        backend.rb.save(model, tmp_path / "p")
    assert listing(tmp_path) == []


@pytest.fixture
def saved(backend, tmp_path):
    path = tmp_path / "p"
    backend.rb.save(build(backend, "SharedActorCritic"), path)
    return path


def rewrite_config(path, **changes):
    config = json.loads((path / CONFIG_FILE).read_text())
    config.update(changes)
    (path / CONFIG_FILE).write_text(json.dumps(config))


def rewrite_tensors(path, change):
    tensors = safetensors.numpy.load_file(str(path / WEIGHTS_FILE))
    change(tensors)
    safetensors.numpy.save_file(tensors, str(path / WEIGHTS_FILE))


def assert_load_fails(backend, path, message):
    before = listing(path.parent), listing(path)
    with pytest.raises(CheckpointError, match=message):
        backend.rb.load(path)
    assert (listing(path.parent), listing(path)) == before


def test_unknown_model_type_lists_the_registered_ones(backend, saved):
    rewrite_config(saved, model_type="Transformer")
    assert_load_fails(backend, saved, r"unknown Model 'Transformer'; registered: ActorCritic, LSTMActorCritic, MinGRUActorCritic, SharedActorCritic")


def test_missing_key(backend, saved):
    rewrite_tensors(saved, lambda t: t.pop("critic.bias"))
    assert_load_fails(backend, saved, r"missing keys \['critic.bias'\]")


def test_unexpected_key(backend, saved):
    rewrite_tensors(saved, lambda t: t.update({"critic.scale": np.ones(1, np.float32)}))
    assert_load_fails(backend, saved, r"unexpected keys \['critic.scale'\]")


def test_wrong_shape(backend, saved):
    rewrite_tensors(saved, lambda t: t.update({"log_std": np.zeros((1, 7), np.float32)}))
    assert_load_fails(backend, saved, r"'log_std': expected shape \(1, 3\), got \(1, 7\)")


def test_wrong_dtype(backend, saved):
    rewrite_tensors(saved, lambda t: t.update({"log_std": np.zeros((1, 3), np.float64)}))
    assert_load_fails(backend, saved, r"'log_std': expected dtype float32, got float64")


@pytest.mark.parametrize("version", [0, 2, "1"])
def test_unsupported_format_version(backend, saved, version):
    rewrite_config(saved, format_version=version)
    assert_load_fails(backend, saved, rf"unsupported format_version {version!r}; this rlmodels reads version 1")


def test_not_an_rlmodels_config(backend, saved):
    rewrite_config(saved, format="pytorch")
    assert_load_fails(backend, saved, r"expected format 'rlmodels', got 'pytorch'")


def test_truncated_weights(backend, saved):
    data = (saved / WEIGHTS_FILE).read_bytes()
    (saved / WEIGHTS_FILE).write_bytes(data[: len(data) // 2])
    assert_load_fails(backend, saved, r"model.safetensors is corrupt or truncated")


def test_truncated_config(backend, saved):
    text = (saved / CONFIG_FILE).read_text()
    (saved / CONFIG_FILE).write_text(text[: len(text) // 2])
    assert_load_fails(backend, saved, r"config.json is corrupt or truncated")


def test_missing_files_and_paths(backend, saved, tmp_path):
    (saved / WEIGHTS_FILE).unlink()
    assert_load_fails(backend, saved, r"model.safetensors is missing")
    with pytest.raises(CheckpointError, match="does not exist; a checkpoint is a directory"):
        backend.rb.load(tmp_path / "nowhere")


def test_metadata_with_missing_or_extra_keys(backend, saved):
    config = json.loads((saved / CONFIG_FILE).read_text())
    meta = config["metadata"]
    del meta["in_scale"]
    meta["dropout_rate"] = 0.1
    rewrite_config(saved, metadata=meta)
    assert_load_fails(backend, saved, r"config.json: SharedActorCritic metadata: missing keys \['in_scale'\]; unexpected keys \['dropout_rate'\]; expected exactly action_space, ")


def test_metadata_that_no_model_accepts(backend, saved):
    config = json.loads((saved / CONFIG_FILE).read_text())
    rewrite_config(saved, metadata={**config["metadata"], "action_space_size": 0})
    assert_load_fails(backend, saved, r"config.json: SharedActorCritic metadata: expected action_space_size to be a positive integer, got 0")


def test_unknown_activation_name(backend, saved):
    config = json.loads((saved / CONFIG_FILE).read_text())
    rewrite_config(saved, metadata={**config["metadata"], "activation": "os.system"})
    assert_load_fails(backend, saved, r"unknown activation 'os.system'")


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_carry_is_not_saved(backend, tmp_path, model_type):
    model = build(backend, model_type)
    model(observations(backend, (3,)))
    backend.rb.save(model, tmp_path / "p")
    names = safetensors.numpy.load_file(str(tmp_path / "p" / WEIGHTS_FILE))
    assert not {"c", "h"} & set(names)


@pytest.mark.parametrize("how", sorted(EDITS))
def test_load_refuses_hand_edits_with_the_message_inspect_gives(backend, capsys, tmp_path, how):
    path = broken(tmp_path, how)
    with pytest.raises(CheckpointError) as error:
        backend.rb.load(path)
    assert EDIT_ERRORS[how] in str(error.value)
    assert main(["inspect", str(path)]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == f"rlmodels inspect: error: {' '.join(str(error.value).split())}\n"


def test_load_casts_in_one_call(backend):
    path = golden("lstm_box")
    with backend.float64():
        model = backend.rb.load(path, dtype="float64")
        assert model.dtype == "float64" and backend.numpy(model.carry[0]).dtype == np.float64
        assert {v.dtype for v in model.canonical_params().values()} == {np.dtype("float64")}
        x = backend.array(observations(backend, (3,), obs=5), "float64")
        want = backend.rb.with_dtype(backend.rb.load(path), "float64")(x)[1]
        np.testing.assert_array_equal(backend.numpy(model(x)[1]), backend.numpy(want))
