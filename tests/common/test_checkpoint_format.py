"""The framework-free checkpoint writer and reader."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from rlmodels_common import checkpoint_format as fmt
from rlmodels_common.checkpoint_format import CheckpointError, check_tensors, read_checkpoint, write_checkpoint
from tests.broken_checkpoints import broken

TENSORS = {"a.kernel": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(2, np.float64)}


def test_round_trip(tmp_path):
    write_checkpoint(tmp_path / "c", "Thing", {"n": 1, "shape": (2, 3)}, TENSORS)
    ckpt = read_checkpoint(tmp_path / "c")
    assert ckpt.model_type == "Thing" and ckpt.metadata == {"n": 1, "shape": [2, 3]}
    for name, value in TENSORS.items():
        np.testing.assert_array_equal(ckpt.tensors[name], value)
        assert ckpt.tensors[name].dtype == value.dtype


def test_a_crash_before_the_rename_leaves_the_old_checkpoint_and_no_temporaries(tmp_path, monkeypatch):
    write_checkpoint(tmp_path / "c", "Old", {}, TENSORS)

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fmt.os, "rename", crash)
    with pytest.raises(OSError, match="disk full"):
        write_checkpoint(tmp_path / "c", "New", {}, TENSORS)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["c"]
    assert read_checkpoint(tmp_path / "c").model_type == "Old"


def test_a_crash_between_the_renames_restores_the_old_checkpoint(tmp_path, monkeypatch):
    write_checkpoint(tmp_path / "c", "Old", {}, TENSORS)
    real_rename, calls = os.rename, []

    def second_rename_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("power cut")
        real_rename(src, dst)

    monkeypatch.setattr(fmt.os, "rename", second_rename_fails)
    with pytest.raises(OSError, match="power cut"):
        write_checkpoint(tmp_path / "c", "New", {}, TENSORS)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["c"]
    assert read_checkpoint(tmp_path / "c").model_type == "Old"


def test_metadata_must_be_plain_json(tmp_path):
    with pytest.raises(CheckpointError, match="metadata is not plain JSON"):
        write_checkpoint(tmp_path / "c", "Thing", {"f": object()}, TENSORS)
    with pytest.raises(CheckpointError, match="metadata is not plain JSON"):
        write_checkpoint(tmp_path / "c", "Thing", {"x": float("nan")}, TENSORS)
    assert os.listdir(tmp_path) == []


def test_unsupported_tensor_dtype(tmp_path):
    with pytest.raises(CheckpointError, match="tensor 'i' has dtype int64, expected one of float32, float64"):
        write_checkpoint(tmp_path / "c", "Thing", {}, {"i": np.arange(3)})


def test_bfloat16_weights_are_named_not_a_traceback(tmp_path):
    path = broken(tmp_path, "bfloat16 weights", case="shared_box")
    with pytest.raises(CheckpointError, match=r"tensors \{'actor_mu.bias': 'BF16', .*\} have unsupported dtypes; expected float32 or float64 parameters"):
        read_checkpoint(path)


@pytest.mark.parametrize("version", [True, 1.0, "1", None, 2])
def test_format_version_must_be_the_integer_1(tmp_path, version):
    path = write_checkpoint(tmp_path / "c", "Thing", {}, TENSORS)
    config = json.loads((path / fmt.CONFIG_FILE).read_text())
    (path / fmt.CONFIG_FILE).write_text(json.dumps({**config, "format_version": version}))
    with pytest.raises(CheckpointError, match=rf"unsupported format_version {version!r}; this rlmodels reads version 1"):
        read_checkpoint(path)


def test_check_tensors_names_every_problem():
    expected = {"a.kernel": ((2, 3), "float32"), "b": ((2,), "float32"), "c": ((1,), "float32")}
    with pytest.raises(CheckpointError) as info:
        check_tensors(expected, {**TENSORS, "z": np.ones(1, np.float32)})
    message = str(info.value)
    assert "missing keys ['c']" in message and "unexpected keys ['z']" in message
    assert "'b': expected dtype float32, got float64" in message


def test_a_file_is_not_a_checkpoint(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(CheckpointError, match="is not a directory"):
        read_checkpoint(tmp_path / "f")
    assert not fmt.is_checkpoint(tmp_path / "f")


def test_a_jaxdem_directory_is_pointed_to_the_importer():
    with pytest.raises(CheckpointError, match=r"config.json is missing \(step folders: a JaxDEM/Orbax checkpoint\? convert it with rlmodels import-jaxdem .*orbax -o OUT\)"):
        read_checkpoint(Path(__file__).parents[1] / "jaxdem" / "head" / "lstm_box" / "orbax")
    with pytest.raises(CheckpointError, match=r"config.json is missing$"):
        read_checkpoint(Path(__file__).parent)


@pytest.mark.parametrize("umask", [0o000, 0o002, 0o022, 0o027, 0o077])
def test_modes_follow_the_umask_as_for_any_file_the_user_writes(tmp_path, umask):
    previous = os.umask(umask)
    try:
        for model_type in ("First", "Replacement"):  # a new checkpoint, then one replacing it
            path = write_checkpoint(tmp_path / "c", model_type, {}, TENSORS)
            assert oct(os.stat(path).st_mode & 0o777) == oct(0o777 & ~umask)
            for name in (fmt.CONFIG_FILE, fmt.WEIGHTS_FILE):
                assert oct(os.stat(path / name).st_mode & 0o777) == oct(0o666 & ~umask), name
    finally:
        os.umask(previous)
    assert os.listdir(tmp_path) == ["c"] and read_checkpoint(tmp_path / "c").model_type == "Replacement"
