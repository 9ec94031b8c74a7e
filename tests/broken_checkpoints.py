"""Golden checkpoints damaged in the ways users meet: for the error-path tests."""

import json
import shutil
import struct
from pathlib import Path

import numpy as np
import safetensors.numpy

from rlmodels_common.checkpoint_format import CONFIG_FILE, WEIGHTS_FILE

GOLDEN = Path(__file__).parent / "golden"

DAMAGE = ("missing weights", "truncated weights", "not json", "unknown model type", "bfloat16 weights")


def golden(case: str) -> Path:
    """The checkpoint directory of golden case ``case`` (see tests/golden/cases.py)."""
    return GOLDEN / case / "checkpoint"


def broken(tmp_path: Path, how: str, case: str = "lstm_box") -> Path:
    """A copy of a golden checkpoint under ``tmp_path`` damaged as ``how`` (one of DAMAGE)."""
    if how not in DAMAGE:
        raise ValueError(f"expected one of {DAMAGE}, got {how!r}")
    path = tmp_path / "policy"
    shutil.copytree(golden(case), path)
    if how == "missing weights":
        (path / WEIGHTS_FILE).unlink()
    elif how == "truncated weights":
        data = (path / WEIGHTS_FILE).read_bytes()
        (path / WEIGHTS_FILE).write_bytes(data[: len(data) // 2])
    elif how == "not json":
        (path / CONFIG_FILE).write_text("{not json")
    elif how == "unknown model type":
        config = json.loads((path / CONFIG_FILE).read_text())
        (path / CONFIG_FILE).write_text(json.dumps({**config, "model_type": "Transformer"}))
    else:
        write_bfloat16(path / WEIGHTS_FILE)
    return path


def write_bfloat16(weights: Path) -> None:
    """Rewrite a float32 safetensors file with every tensor in bfloat16 (which
    numpy has no type for), as a torch user's ``.bfloat16()`` model would be saved."""
    tensors = safetensors.numpy.load_file(str(weights))
    header, chunks, offset = {}, [], 0
    for name, value in sorted(tensors.items()):
        data = (np.ascontiguousarray(value, np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()
        header[name] = {"dtype": "BF16", "shape": list(value.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    weights.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(chunks))
