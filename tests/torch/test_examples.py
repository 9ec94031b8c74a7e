"""The README's torch example runs as written, on a checkpoint it did not write."""

import pathlib
import subprocess
import sys

import rlmodels_torch as rt

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"


def test_quickstart_torch_on_a_jax_checkpoint(tmp_path):
    rt.save(rt.load(GOLDEN / "lstm_box" / "checkpoint"), tmp_path / "demo" / "policy")  # where the README's demo writes it
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart_torch.py")], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "LSTMActorCritic (16, 1) (16, 2) (16,)"
