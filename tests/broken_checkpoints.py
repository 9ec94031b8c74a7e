"""Golden checkpoints damaged in the ways users meet: for the error-path tests."""

import json
import shutil
import struct
from pathlib import Path

import numpy as np
import safetensors.numpy

from rlmodels_common.checkpoint_format import CONFIG_FILE, WEIGHTS_FILE

GOLDEN = Path(__file__).parent / "golden"

EDITS = {
    "contradicting lstm_features": lambda c: c["metadata"].update(lstm_features=32),
    "misspelled model type": lambda c: c.update(model_type="LSTMActorCritc"),
    "activation with a trailing space": lambda c: c["metadata"].update(activation="gelu "),
    "misspelled action space": lambda c: c["metadata"]["action_space"].update(type="Bx"),
    "Box bounds of the wrong length": lambda c: c["metadata"]["action_space"]["kwargs"].update(x_min=[-1.0] * 3, x_max=[1.0] * 3),
    "cell type in lower case": lambda c: c["metadata"].update(cell_type="lstmcell"),
}
"""Hand edits of ``config.json`` (of ``lstm_box``) that ``load`` and ``rlmodels inspect`` refuse alike."""

EDIT_ERRORS = {
    "contradicting lstm_features": "'cell.dense_h.kernel': expected shape (32, 128), got (16, 64)",
    "misspelled model type": "unknown Model 'LSTMActorCritc'; registered: ActorCritic, LSTMActorCritic, MinGRUActorCritic, SharedActorCritic; did you mean 'LSTMActorCritic'?",
    "activation with a trailing space": "unknown activation 'gelu '; registered: ",
    "misspelled action space": "unknown ActionSpace 'Bx'; registered: Box, Free, MaxNorm; did you mean 'Box'?",
    "Box bounds of the wrong length": "expected Box bounds of length 2 (action_space_size) or scalars, got length 3",
    "cell type in lower case": "expected cell_type in ['OptimizedLSTMCell', 'LSTMCell'], got 'lstmcell'",
}

DAMAGE = ("missing weights", "truncated weights", "not json", "unknown model type", "bfloat16 weights", *EDITS)


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
    elif how == "bfloat16 weights":
        write_bfloat16(path / WEIGHTS_FILE)
    else:
        config = json.loads((path / CONFIG_FILE).read_text())
        EDITS[how](config)
        (path / CONFIG_FILE).write_text(json.dumps(config))
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
