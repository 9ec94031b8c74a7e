"""Deployment exports (rlmodels.export and ``rlmodels export``): ONNX and
TorchScript files compute what eager torch computes, at any batch size, with
the LSTM carry and reset flags explicit."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings

import rlmodels_torch as rt
from rlmodels import export as ex
from rlmodels.cli import EXIT_BAD_INPUT, EXIT_DISAGREE, EXIT_OK, main
from tests.broken_checkpoints import broken, golden
from tests.torch.builders import MODEL_TYPES, build, configs, randomize

FORMATS = ["onnx", "torchscript"]


@pytest.mark.parametrize("format", FORMATS)
@settings(max_examples=max(8, settings.default.max_examples // 4))  # each example exports and reloads a file
@given(config=configs())
def test_exported_file_agrees_with_eager_torch(tmp_path_factory, format, config):
    model_type, kwargs = config
    model = rt.Model.create(model_type, key=0, **kwargs)
    randomize(model)
    path = ex.export(model, tmp_path_factory.mktemp("export") / f"policy.{format}", format)
    result = ex.verify(model, path, format, batches=(1, 5))
    assert result.ok, result


@pytest.mark.parametrize("format", FORMATS)
def test_float64_exports_keep_float64(tmp_path, format):
    model = build("ActorCritic", action_space=rt.Box(-2.0, 1.0), dtype="float64")
    randomize(model)
    path = ex.export(model, tmp_path / "policy", format)
    result = ex.verify(model, path, format)
    assert result.ok and result.max_abs["action"] < 1e-12, result


@pytest.mark.parametrize("format", FORMATS)
def test_an_exported_lstm_rollout_equals_the_stateful_model(tmp_path, format):
    """The runtime loop (carry kept outside, reset = the last step's done) is the
    model's own loop: call, then reset(mask=done)."""
    model = build("LSTMActorCritic", action_space=rt.MaxNorm(1.5))
    randomize(model)
    run = ex._runner(ex.export(model, tmp_path / "policy", format), format, ex.io_names(model)[0])
    rng = np.random.default_rng(0)
    B, H = 6, model.lstm_features
    c, h, reset = np.zeros((B, H), np.float32), np.zeros((B, H), np.float32), np.zeros(B, bool)
    with torch.no_grad():
        for _ in range(12):
            x = rng.standard_normal((B, 4)).astype(np.float32)
            pi, value = model(torch.as_tensor(x))
            action, got_value, c, h = run(tuple(map(torch.as_tensor, (x, c, h, reset))))
            np.testing.assert_allclose(action, rt.deterministic_action(pi), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(got_value, value, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(np.stack([c, h]), np.stack([t.numpy() for t in model.carry]), rtol=1e-5, atol=1e-6)
            reset = rng.random(B) < 0.3
            model.reset((B, 4), mask=torch.as_tensor(reset))


def test_reset_zeroes_the_incoming_carry_even_if_it_is_nan():
    model = build("LSTMActorCritic")
    policy = ex.deployed(model)
    x, c, h, _ = ex.example_inputs(model, batch=3)
    c[1] = float("nan")
    reset = torch.tensor([False, True, False])
    with torch.no_grad():
        got = policy(x, c, h, reset)
        pi, value, carry = model.step(x[1:2], (torch.zeros(1, 5), torch.zeros(1, 5)))
    torch.testing.assert_close(got[0][1:2], rt.deterministic_action(pi))
    torch.testing.assert_close(got[2][1:2], carry[0])
    assert not torch.isnan(got[2][[0, 2]]).any()


def test_verify_reports_a_file_that_disagrees(tmp_path):
    model = build("SharedActorCritic", action_space=rt.Box(-1.0, 1.0))
    randomize(model, seed=0)
    path = ex.export(model, tmp_path / "policy.pt", "torchscript")
    other = build("SharedActorCritic", action_space=rt.Box(-1.0, 1.0))
    randomize(other, seed=1)
    result = ex.verify(other, path, "torchscript")
    assert not result.ok and result.ratio > 1e3 and result.max_abs["value"] > 1e-3


def test_bad_arguments_raise_clear_errors(tmp_path, monkeypatch):
    model = build("SharedActorCritic")
    with pytest.raises(ValueError, match=r"expected format one of \['onnx', 'torchscript'\], got 'tflite'"):
        ex.export(model, tmp_path / "p", "tflite")
    with pytest.raises(FileNotFoundError, match="directory .*nowhere does not exist"):
        ex.export(model, tmp_path / "nowhere" / "p.onnx", "onnx")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxscript" else real(name, *a))
    with pytest.raises(ImportError, match=r"ONNX export needs onnxscript.*pip install 'rlmodels-parity\[onnx\]'$"):
        ex.export(model, tmp_path / "p.onnx", "onnx")


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("case", ["lstm_cell_discrete", "actor_critic_max_norm_sigma_head", "shared_box"])
def test_the_export_command_on_checkpoints_written_by_jax(capsys, tmp_path, case, format):
    out = tmp_path / f"policy.{format}"
    status = main(["export", str(golden(case)), "--format", format, "-o", str(out)])
    text = capsys.readouterr().out
    assert status == EXIT_OK, text
    assert out.is_file() and f"wrote {out} ({format}" in text
    assert f"{format} agrees with eager torch on batches [1, 7, 256]: max abs error action" in text


def test_the_export_command_exits_1_when_the_file_disagrees(capsys, tmp_path, monkeypatch):
    real = ex._runner
    monkeypatch.setattr(ex, "_runner", lambda *a: lambda args: [o + 1e-3 for o in real(*a)(args)])
    status = main(["export", str(golden("lstm_box")), "--format", "torchscript", "-o", str(tmp_path / "p.pt")])
    assert status == EXIT_DISAGREE
    assert "torchscript DISAGREES with eager torch" in capsys.readouterr().out


def export_error(capsys, *argv):
    status = main(["export", *map(str, argv)])
    err = capsys.readouterr().err
    assert status == EXIT_BAD_INPUT and err.count("\n") == 1 and err.startswith("rlmodels export: error: ")
    return err


def test_the_export_command_names_a_missing_output_directory(capsys, tmp_path):
    err = export_error(capsys, golden("lstm_box"), "--format", "onnx", "-o", tmp_path / "nowhere" / "p.onnx")
    assert f"directory {tmp_path / 'nowhere'} does not exist" in err


def test_the_export_command_names_an_unknown_model_type(capsys, tmp_path):
    err = export_error(capsys, broken(tmp_path, "unknown model type"), "--format", "torchscript", "-o", tmp_path / "p.pt")
    assert "'Transformer'" in err and "SharedActorCritic" in err


def test_the_export_command_on_a_float64_gelu_exact_checkpoint(capsys, tmp_path):
    # onnxruntime has no float64 Erf: a clear error for ONNX, while TorchScript works
    err = export_error(capsys, golden("shared_free_float64"), "--format", "onnx", "-o", tmp_path / "p.onnx")
    assert "onnxruntime cannot run" in err and "Erf" in err
    assert main(["export", str(golden("shared_free_float64")), "--format", "torchscript", "-o", str(tmp_path / "p.pt")]) == EXIT_OK


def test_the_console_script_exports(tmp_path):
    script = shutil.which("rlmodels", path=str(Path(sys.executable).parent))
    out = tmp_path / "policy.pt"
    done = subprocess.run(
        [script, "export", str(golden("shared_box")), "--format", "torchscript", "-o", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == EXIT_OK, done.stderr
    loaded = torch.jit.load(str(out))
    action, value = loaded(torch.zeros(2, 5))
    assert action.shape == (2, 3) and value.shape == (2, 1)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_io_names_and_example_inputs_match_the_deployed_signature(model_type):
    model = build(model_type, discrete=True)
    inputs, outputs = ex.io_names(model)
    args = ex.example_inputs(model, batch=2)
    assert len(args) == len(inputs)
    with torch.no_grad():
        got = ex.deployed(model)(*args)
    assert len(got) == len(outputs) and got[0].dtype == torch.int64 and got[0].shape == (2,)


def test_onnxruntime_float64_gaps_are_reported_not_hidden(tmp_path):
    """onnxruntime has no float64 Erf (gelu_exact) and applies LeakyRelu's slope
    in float32: the first is a clear error, the second a reported disagreement."""
    model = build("SharedActorCritic", activation="gelu_exact", dtype="float64")
    with pytest.raises(ValueError, match="onnxruntime cannot run .*Erf.*export a float32 copy"):
        ex.verify(model, ex.export(model, tmp_path / "erf.onnx", "onnx"), "onnx")
    model = build("SharedActorCritic", activation="leaky_relu", dtype="float64")
    randomize(model)
    result = ex.verify(model, ex.export(model, tmp_path / "leaky.onnx", "onnx"), "onnx")
    assert not result.ok and result.max_abs["value"] < 1e-7
    assert ex.verify(model, ex.export(model, tmp_path / "leaky.pt", "torchscript"), "torchscript").ok
