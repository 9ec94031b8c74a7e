"""Golden checkpoints damaged in the ways users meet: for the error-path tests."""

import json
import shutil
from pathlib import Path

from rlmodels_common.checkpoint_format import CONFIG_FILE, WEIGHTS_FILE

GOLDEN = Path(__file__).parent / "golden"

DAMAGE = ("missing weights", "truncated weights", "not json", "unknown model type")


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
    else:
        config = json.loads((path / CONFIG_FILE).read_text())
        (path / CONFIG_FILE).write_text(json.dumps({**config, "model_type": "Transformer"}))
    return path
