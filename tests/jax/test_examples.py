"""The README's JAX example runs as written."""

import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def test_quickstart(tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart_jax.py")], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("LSTMActorCritic (16, 1) (16, 2)")
    assert (tmp_path / "out" / "policy" / "config.json").is_file()
