"""The README's "continue in TorchRL / SB3" examples run as written, on checkpoints
written by rlmodels_jax, and leave a checkpoint in our format behind."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import rlmodels_torch as rt
from tests.adapters.checkpoints.cases import checkpoint

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def run_example(tmp_path, name: str, case: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), str(checkpoint(case))], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def assert_trained(tmp_path, case: str, saved: str) -> None:
    before, after = rt.load(checkpoint(case)).canonical_params(), rt.load(tmp_path / "out" / saved).canonical_params()
    assert before.keys() == after.keys() and any(not np.array_equal(before[k], after[k]) for k in before)


def test_continue_in_torchrl(tmp_path):
    out = run_example(tmp_path, "continue_in_torchrl.py", "pendulum_lstm")
    assert out.strip().endswith("out/policy-torchrl")
    assert_trained(tmp_path, "pendulum_lstm", "policy-torchrl")


@pytest.mark.parametrize("case, algorithm", [("pendulum_mlp", "PPO"), ("pendulum_lstm", "RecurrentPPO"), ("pendulum_mingru", "RecurrentPPO")])
def test_continue_in_sb3(tmp_path, case, algorithm):
    out = run_example(tmp_path, "continue_in_sb3.py", case)
    assert out.startswith(f"{algorithm} (1, 1) ") and out.strip().endswith("out/policy-sb3")
    assert_trained(tmp_path, case, "policy-sb3")
