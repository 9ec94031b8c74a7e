"""JaxDEM checkpoints in torch, without JAX: the portable checkpoint
``rlmodels import-jaxdem`` writes, and the README recipe down to ONNX (the
shared from_jaxdem contract is in tests/backends/test_jaxdem.py)."""

import numpy as np
import pytest

import rlmodels_torch as rt
from rlmodels.cli import EXIT_OK, main
from rlmodels.jaxdem import import_jaxdem
from tests.backends.jaxdem_rollout import rollout
from tests.backends.torch_backend import BACKEND
from tests.jaxdem_cases import CASES, assert_reproduces, checkpoint, errors, expected


@pytest.mark.parametrize("case", CASES)
def test_the_portable_checkpoint_reproduces_jaxdems_outputs(tmp_path, case):
    report = import_jaxdem(checkpoint(case), tmp_path / "policy", backend="torch")
    assert report.ok, report.text()
    assert_reproduces(rollout(BACKEND, rt.load(tmp_path / "policy"), expected(case)), case)


def test_a_jaxdem_mingru_checkpoint_goes_to_torch_and_to_onnx(capsys, tmp_path):
    """The README recipe: import-jaxdem, export, and the ONNX file, driven as a
    runtime drives it (the carry kept outside, reset = the last step's done),
    reproduces JaxDEM's recorded rollout."""
    import onnxruntime

    case = "head/mingru_box"
    assert main(["import-jaxdem", str(checkpoint(case)), "-o", str(tmp_path / "policy")]) == EXIT_OK
    assert main(["export", str(tmp_path / "policy"), "-o", str(tmp_path / "policy.onnx")]) == EXIT_OK
    capsys.readouterr()
    want = expected(case)
    session = onnxruntime.InferenceSession(str(tmp_path / "policy.onnx"), providers=["CPUExecutionProvider"])
    B = want["obs"].shape[1]
    h, reset = np.zeros((B, 1, 8), np.float32), np.zeros(B, bool)
    out: dict[str, list] = {"value": [], "deterministic": [], "carry_h": []}
    for t in range(want["obs"].shape[0]):
        action, value, h = session.run(None, {"observation": want["obs"][t], "h": h, "reset": reset})
        out["value"].append(value)
        out["deterministic"].append(action)
        out["carry_h"].append(h)
        reset = want["done"][t]
    ratios = errors({k: np.stack(v) for k, v in out.items()}, case)
    assert max(ratios.values()) <= 1, ratios
