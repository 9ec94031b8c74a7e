"""Deployment exports (rlmodels.export and ``rlmodels export``): ONNX, ``torch.export``
programs and TorchScript files compute what eager torch computes, at any batch
size, with the recurrent carry (the LSTM's c and h, the MinGRU's h) and reset
flags explicit, and carry their manifest. The compiled ``.pt2`` (AOTInductor:
tens of seconds a compile) is tested in ``tests/deploy`` (tox env ``deploy``)."""

import functools
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import rlmodels_torch as rt
from rlmodels import export as ex
from rlmodels.cli import EXIT_BAD_INPUT, EXIT_DISAGREE, EXIT_OK, main
from rlmodels.formats import FORMATS as ALL_FORMATS
from rlmodels.manifest import read_manifest
from tests.broken_checkpoints import broken, golden
from rlmodels_common.carry import entries
from rlmodels_common.contract import carry_shapes
from tests.backends import builders
from tests.backends.builders import MODEL_TYPES, RECURRENT, randomize
from tests.backends.torch_backend import BACKEND

build = functools.partial(builders.build, BACKEND)

FORMATS = ["onnx", "exported-program", "torchscript"]
"""The formats exported here; ``pt2`` (compiled) in tests/deploy."""
EXTENSION = {name: f.extension for name, f in ALL_FORMATS.items()}


def names(model, stochastic=False):
    return ex.signature(model, stochastic=stochastic).names()


@pytest.mark.parametrize("format", FORMATS)
@settings(max_examples=max(8, settings.default.max_examples // 4))  # each example exports and reloads a file
@given(config=builders.configs(BACKEND), stochastic=st.booleans())
def test_exported_file_agrees_with_eager_torch(tmp_path_factory, format, config, stochastic):
    model_type, kwargs = config
    model = rt.Model.create(model_type, key=0, **kwargs)
    randomize(model)
    path = ex.export(model, tmp_path_factory.mktemp("export") / f"policy{EXTENSION[format]}", format, stochastic=stochastic)
    result = ex.verify(model, path, batches=(1, 5))
    assert result.ok, result
    assert list(result.max_abs) == names(model, stochastic)[1]


@pytest.mark.parametrize("format", FORMATS)
def test_float64_exports_keep_float64(tmp_path, format):
    model = build("ActorCritic", action_space=rt.Box(-2.0, 1.0), dtype="float64")
    randomize(model)
    path = ex.export(model, tmp_path / "policy", format)
    result = ex.verify(model, path, format)
    assert result.ok and result.max_abs["action"] < 1e-12, result
    if format == "onnx":  # opset 18: from 20 onnxruntime computes Gelu in float32
        import onnx

        proto = onnx.load(str(path))
        ops = {n.op_type for n in proto.graph.node}
        assert proto.opset_import[0].version == 18 and "Gelu" not in ops and "Pow" in ops and "Constant" not in ops


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("model_type", RECURRENT)
def test_an_exported_rollout_equals_the_stateful_model(tmp_path, format, model_type):
    """The runtime loop (carry kept outside, reset = the last step's done) is the
    model's own loop: call, then reset(mask=done)."""
    model = build(model_type, action_space=rt.MaxNorm(1.5))
    randomize(model)
    run = ex.runner(ex.export(model, tmp_path / "policy", format), format, names(model)[0])
    rng = np.random.default_rng(0)
    B = 6
    carry = [np.zeros((B, *shape), np.float32) for shape in carry_shapes(model_type, model.metadata).values()]
    reset = np.zeros(B, bool)
    with torch.no_grad():
        for _ in range(12):
            x = rng.standard_normal((B, 4)).astype(np.float32)
            pi, value = model(torch.as_tensor(x))
            action, got_value, *carry = run(tuple(map(torch.as_tensor, (x, *carry, reset))))
            np.testing.assert_allclose(action, rt.deterministic_action(pi), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(got_value, value, rtol=1e-5, atol=1e-6)
            for got, want in zip(carry, entries(model.carry)):
                np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-6)
            reset = rng.random(B) < 0.3
            model.reset((B, 4), mask=torch.as_tensor(reset))


@pytest.mark.parametrize("model_type", RECURRENT)
def test_reset_zeroes_the_incoming_carry_even_if_it_is_nan(model_type):
    model = build(model_type)
    sig = ex.signature(model)
    policy = ex.deployed(model, sig)
    x, first, *rest, _ = ex.example_inputs(model, sig, 3)
    first[1] = float("nan")
    reset = torch.tensor([False, True, False])
    with torch.no_grad():
        got = policy(x, first, *rest, reset)
        pi, value, carry = model.step(x[1:2], model.initial_carry((1,)))
    torch.testing.assert_close(got[0][1:2], rt.deterministic_action(pi))
    torch.testing.assert_close(got[2][1:2], entries(carry)[0])
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
    with pytest.raises(ValueError, match=r"expected format one of \['onnx', 'pt2', 'exported-program', 'torchscript'\], got 'tflite'"):
        ex.export(model, tmp_path / "p", "tflite")
    with pytest.raises(ValueError, match=r"cannot infer the export format of .*p\.tflite: expected an extension in \['\.onnx', '\.pt2', '\.pt'\] \(any case\)"):
        ex.export(model, tmp_path / "p.tflite")
    (tmp_path / "policy.pt2").mkdir()
    with pytest.raises(IsADirectoryError, match=r"expected a file to write the pt2 export to, got the directory .*policy\.pt2"):
        ex.export(model, tmp_path / "policy.pt2")
    with pytest.raises(ValueError, match=r"expected contract one of \['rlmodels', 'isaaclab'\], got 'ros'"):
        ex.export(model, tmp_path / "p.onnx", contract="ros")
    with pytest.raises(ValueError, match="expected tune_batch a positive int or None, got 0"):
        ex.export(model, tmp_path / "p.pt2", tune_batch=0)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxscript" else real(name, *a))
    with pytest.raises(ImportError, match=r"ONNX export needs onnxscript.*pip install 'rlmodels-parity\[onnx\]' torch=="):
        ex.export(model, tmp_path / "p.onnx", "onnx")


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("case", ["lstm_cell_discrete", "mingru_max_norm_sigma_head_3_layers", "actor_critic_max_norm_sigma_head", "shared_box"])
def test_the_export_command_on_checkpoints_written_by_jax(capsys, tmp_path, case, format):
    out = tmp_path / f"policy.{format}"
    status = main(["export", str(golden(case)), "--format", format, "-o", str(out)])
    text = capsys.readouterr().out
    assert status == EXIT_OK, text
    assert out.is_file() and f"wrote {out} ({format}" in text
    assert f"{format} agrees with eager torch on batches [1, 7, 256]: max abs error action" in text


def test_the_export_command_exits_1_when_the_file_disagrees(capsys, tmp_path, monkeypatch):
    real = ex.runners.runner
    monkeypatch.setattr(ex.runners, "runner", lambda *a: lambda args: [o + 1e-3 for o in real(*a)(args)])
    status = main(["export", str(golden("lstm_box")), "--format", "torchscript", "-o", str(tmp_path / "p.pt")])
    assert status == EXIT_DISAGREE
    assert "torchscript DISAGREES with eager torch" in capsys.readouterr().out


def export_error(capsys, *argv):
    status = main(["export", *map(str, argv)])
    err = capsys.readouterr().err
    assert status == EXIT_BAD_INPUT and err.count("\n") == 1 and err.startswith("rlmodels export: error: ")
    return err


def test_the_export_command_creates_the_output_directory(capsys, tmp_path):
    out = tmp_path / "out" / "deeper" / "p.onnx"
    assert main(["export", str(golden("lstm_box")), "-o", str(out)]) == EXIT_OK
    assert out.is_file() and f"wrote {out} (onnx, rlmodels contract" in capsys.readouterr().out
    assert [p.name for p in out.parent.iterdir()] == ["p.onnx"]  # no partial file left beside it


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
    sig = ex.signature(model)
    inputs, outputs = sig.names()
    args = ex.example_inputs(model, sig, 2)
    assert len(args) == len(inputs)
    with torch.no_grad():
        got = ex.deployed(model, sig)(*args)
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


def test_a_scale_within_1e_5_of_one_survives_the_onnx_export(tmp_path):
    """Box(-1, 1) scales by 1 - 1e-6: an optimizer that drops a multiply by
    "about 1" moves the actions by 1e-6, which float64 shows."""
    model = build("SharedActorCritic", action_space=rt.Box(-1.0, 1.0), dtype="float64")
    randomize(model)
    result = ex.verify(model, ex.export(model, tmp_path / "policy.onnx", "onnx"), "onnx")
    assert result.ok and result.max_abs["action"] < 1e-12, result


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("model_type, stochastic", [("LSTMActorCritic", True), ("MinGRUActorCritic", False), ("ActorCritic", False)])
def test_every_exported_file_carries_its_manifest(tmp_path, capsys, format, model_type, stochastic):
    model = build(model_type, action_space=rt.Box(-2.0, 1.0)) if model_type == "ActorCritic" else build(model_type, discrete=True)
    path = ex.export(model, tmp_path / f"policy{EXTENSION[format]}", format, stochastic=stochastic)
    stated = read_manifest(path)
    assert stated == ex.manifest(model, format, ex.signature(model, stochastic=stochastic))
    assert (stated["model_type"], stated["metadata"], stated["format"]) == (model_type, model.metadata, format)
    assert stated["contract"] == "rlmodels" and stated["nonfinite_check"] is None
    inputs, outputs = names(model, stochastic)
    assert [e["name"] for e in stated["inputs"]] == inputs and [e["name"] for e in stated["outputs"]] == outputs
    if model_type == "LSTMActorCritic":
        assert inputs == ["observation", "c", "h", "reset"] and outputs == ["action", "value", "logits", "c_out", "h_out"]
        assert stated["carry"] == {"c": [5], "h": [5]} and stated["outputs"][0] == {"name": "action", "shape": ["batch"], "dtype": "int64"}
    elif model_type == "MinGRUActorCritic":
        assert inputs == ["observation", "h", "reset"] and outputs == ["action", "value", "h_out"]
        assert stated["carry"] == {"h": [2, 5]} and stated["inputs"][1] == {"name": "h", "shape": ["batch", 2, 5], "dtype": "float32"}
    else:
        assert outputs == ["action", "value"] and stated["action_mapped"] and "already mapped through the action space (Box" in stated["action"]
        assert stated["action_space"] == model.metadata["action_space"] and stated["carry"] == {}
    if format == "onnx":
        import onnx

        graph = onnx.load(str(path)).graph
        assert [i.name for i in graph.input] == inputs and [o.name for o in graph.output] == outputs
    assert main(["inspect", str(path)]) == EXIT_OK
    text = capsys.readouterr().out
    assert text.startswith(f"{path}: {format} export of {model_type} (rlmodels ")
    assert "  contract rlmodels: observation[, carry], reset -> action, value" in text
    outputs_line = next(line for line in text.splitlines() if line.startswith("  outputs  "))
    assert re.findall(r"(\w+) \(", outputs_line) == outputs
    assert ("carry    feed c_out, h_out back as c, h" in text) == (model_type == "LSTMActorCritic")
    assert ("carry    feed h_out back as h" in text) == (model_type == "MinGRUActorCritic")
    assert ("sampling sample an index from softmax(logits)" in text) == stochastic


def test_the_stochastic_head_is_the_policys_distribution():
    model = build("SharedActorCritic", action_space=rt.Box(-1.0, 3.0))
    randomize(model)
    x = torch.randn(4, 4)
    with torch.no_grad():
        pi, _ = model(x)
        action, _, mean, std = ex.deployed(model, ex.signature(model, stochastic=True))(x)
        z = torch.randn(4, 3)
        # a runtime sampling from (mean, std) and mapping through the action space gets the policy's samples
        torch.testing.assert_close(model.bij(mean + std * z), pi.bijector(pi.base_dist.base_dist.loc + pi.base_dist.base_dist.scale * z))
        torch.testing.assert_close(action, model.bij(mean))
    discrete = build("LSTMActorCritic", discrete=True)
    sig = ex.signature(discrete, stochastic=True)
    obs, c, h, reset = ex.example_inputs(discrete, sig, 2)
    with torch.no_grad():
        _, _, logits, _, _ = ex.deployed(discrete, sig)(obs, c, h, reset)
        pi, _, _ = discrete.step(obs, (torch.where(reset[:, None], 0.0, c), torch.where(reset[:, None], 0.0, h)))
    torch.testing.assert_close(logits.softmax(-1), pi.probs)


def test_verify_refuses_a_file_of_another_model(tmp_path):
    path = ex.export(build("SharedActorCritic"), tmp_path / "policy.pt2", "exported-program")
    with pytest.raises(ValueError, match="policy.pt2 holds a SharedActorCritic with metadata .* not this ActorCritic"):
        ex.verify(build("ActorCritic"), path)


def test_manifests_are_read_without_loading_anything_and_missing_ones_are_named(tmp_path):
    import zipfile

    plain = tmp_path / "plain.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(plain))
    with pytest.raises(ValueError, match="plain.pt is a torch archive without an rlmodels manifest"):
        read_manifest(plain)
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(ValueError, match="notes.txt is neither an ONNX file nor a torch archive"):
        read_manifest(tmp_path / "notes.txt")
    with pytest.raises(FileNotFoundError, match="no exported file at"):
        read_manifest(tmp_path / "absent.onnx")
    assert zipfile.is_zipfile(ex.export(build("SharedActorCritic"), tmp_path / "p.pt2", "exported-program"))


@pytest.mark.parametrize("format", FORMATS)
def test_the_export_command_infers_the_format_from_the_extension(capsys, tmp_path, format):
    out = tmp_path / f"policy{EXTENSION[format]}"
    format_args = ["--format", format] if not ALL_FORMATS[format].inferred else []
    assert main(["export", str(golden("lstm_box")), "-o", str(out), "--stochastic", *format_args]) == EXIT_OK
    text = capsys.readouterr().out
    assert f"wrote {out} ({format}," in text and "max abs error action" in text and "mean" in text and "std" in text
    assert read_manifest(out)["format"] == format and read_manifest(out)["stochastic_head"]


def test_the_export_command_rejects_a_directory_and_an_unknown_extension(capsys, tmp_path):
    err = export_error(capsys, golden("lstm_box"), "-o", tmp_path)
    assert "cannot infer the export format" in err
    err = export_error(capsys, golden("lstm_box"), "--format", "onnx", "-o", tmp_path)
    assert f"expected a file to write the onnx export to, got the directory {tmp_path}" in err
    (tmp_path / "out.onnx").mkdir()
    err = export_error(capsys, golden("lstm_box"), "-o", tmp_path / "out.onnx")
    assert "got the directory" in err


def test_a_pt2_program_written_before_the_compiled_package_still_verifies(tmp_path):
    """Until the compiled package, ``.pt2`` meant the torch.export program and the
    manifest had no contract: such a file is still verified as a program."""
    import json
    import zipfile

    model = build("LSTMActorCritic")
    path = ex.export(model, tmp_path / "new.pt2", "exported-program")
    stated = read_manifest(path)
    old = {k: v for k, v in stated.items() if k not in ("contract", "nonfinite_check", "tune_batch")}
    legacy = tmp_path / "old.pt2"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(legacy, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, json.dumps({**old, "format": "pt2"}) if item.filename.endswith("rlmodels_manifest.json") else data)
    assert read_manifest(legacy)["format"] == "pt2" and ex.verify(model, legacy).ok

