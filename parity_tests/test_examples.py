"""The README's cross-framework examples run as written."""

import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def run(*args, cwd):
    result = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_port_to_torch(tmp_path):
    out = run(str(EXAMPLES / "port_to_torch.py"), cwd=tmp_path)
    assert "carry" in out and "gradients" in out and "NO" not in out
    assert (tmp_path / "out" / "policy_torch" / "model.safetensors").is_file()


def test_fuzz_your_model(tmp_path):
    out = run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLES / "fuzz_your_model.py"), cwd=tmp_path)
    assert "1 passed" in out
