"""Exports under the Isaac Lab / rsl_rl contract, the opt-in non-finite check, the
ONNX graph clean-up, and where exports may write (parent directories, existing
files, extension case, a missing C++ compiler)."""

import collections

import numpy as np
import onnx
import onnxruntime
import pytest
import torch

import rlmodels_torch as rt
from rlmodels import export as ex
from rlmodels.cli import EXIT_BAD_INPUT, EXIT_OK, main
from rlmodels.manifest import read_manifest
from tests.broken_checkpoints import golden
from tests.torch.builders import build, randomize


def session(path):
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("model_type, inputs, outputs", [
    ("ActorCritic", [("obs", ["batch", 4])], [("actions", ["batch", 3])]),
    ("LSTMActorCritic", [("obs", ["batch", 4]), ("h_in", [1, "batch", 5]), ("c_in", [1, "batch", 5])],
     [("actions", ["batch", 3]), ("h_out", [1, "batch", 5]), ("c_out", [1, "batch", 5])]),
    ("MinGRUActorCritic", [("obs", ["batch", 4]), ("h_in", [2, "batch", 5])], [("actions", ["batch", 3]), ("h_out", [2, "batch", 5])]),
])  # fmt: skip
def test_isaaclab_files_carry_rsl_rls_names_and_layout(tmp_path, capsys, model_type, inputs, outputs):
    model = build(model_type, action_space=rt.Box(-1.0, 2.0))
    randomize(model)
    path = ex.export(model, tmp_path / "policy.onnx", contract="isaaclab")
    graph = onnx.load(str(path)).graph
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert [(i.name, dims(i)) for i in graph.input] == inputs
    assert [(o.name, dims(o)) for o in graph.output] == outputs
    assert onnx.load(str(path)).opset_import[0].version == 18  # what rsl_rl's exporter writes
    assert ex.verify(model, path).ok
    stated = read_manifest(path)
    assert stated["contract"] == "isaaclab" and [e["name"] for e in stated["inputs"]] == [n for n, _ in inputs]
    assert main(["inspect", str(path)]) == EXIT_OK
    text = capsys.readouterr().out
    assert "  contract isaaclab: Isaac Lab / rsl_rl names" in text
    assert ("zero the columns (axis 1, the batch) of environments that were done" in text) == (model_type != "ActorCritic")


@pytest.mark.parametrize("model_type", ["LSTMActorCritic", "MinGRUActorCritic"])
def test_an_isaaclab_rollout_with_rsl_rl_resets_equals_the_stateful_model(tmp_path, model_type):
    """The runtime loop rsl_rl runs (carry kept as (num_layers, B, H), the columns
    of done environments zeroed after the step) is the model's own loop."""
    model = build(model_type, action_space=rt.MaxNorm(1.5))
    randomize(model)
    run = session(ex.export(model, tmp_path / "policy.onnx", contract="isaaclab"))
    names = [i.name for i in run.get_inputs()]
    rng = np.random.default_rng(0)
    B = 6
    carry = [np.zeros(i.shape[:1] + [B] + i.shape[2:], np.float32) for i in run.get_inputs()[1:]]
    with torch.no_grad():
        for _ in range(10):
            x = rng.standard_normal((B, 4)).astype(np.float32)
            pi, _ = model(torch.as_tensor(x))
            actions, *carry = run.run(None, dict(zip(names, [x, *carry])))
            np.testing.assert_allclose(actions, rt.deterministic_action(pi), rtol=1e-5, atol=1e-6)
            if model_type == "LSTMActorCritic":
                np.testing.assert_allclose(carry[0][0], model.carry[1], rtol=1e-5, atol=1e-6)  # h_out is h
            else:
                np.testing.assert_allclose(carry[0].transpose(1, 0, 2), model.carry, rtol=1e-5, atol=1e-6)
            done = rng.random(B) < 0.3
            for a in carry:
                a[:, done] = 0.0
            model.reset((B, 4), mask=torch.as_tensor(done))


def test_the_isaaclab_contract_refuses_the_stochastic_head(tmp_path):
    with pytest.raises(ValueError, match="the isaaclab contract carries the deterministic actions only"):
        ex.export(build("ActorCritic"), tmp_path / "p.onnx", contract="isaaclab", stochastic=True)


@pytest.mark.parametrize("format", ["onnx", "torchscript"])
@pytest.mark.parametrize("contract", ["rlmodels", "isaaclab"])
def test_the_finite_check_names_the_environments_with_bad_observations(tmp_path, format, contract):
    model = build("MinGRUActorCritic")
    path = ex.export(model, tmp_path / f"p.{format}", format, contract=contract, check_finite=True)
    sig = ex.signature(model, contract, check_finite=True)
    assert sig.names()[1][-1] == ("observation_nonfinite" if contract == "rlmodels" else "obs_nonfinite")
    args = list(ex.example_inputs(model, sig, 5))
    args[0][1, 2], args[0][3, 0] = float("nan"), float("-inf")
    flags = ex.runner(path, format, sig.names()[0])(tuple(args))[-1]
    assert flags.dtype == np.bool_ and np.flatnonzero(flags).tolist() == [1, 3]
    assert ex.verify(model, path).ok
    assert "observation holds a NaN or an infinity" in read_manifest(path)["nonfinite_check"]


def test_the_onnx_graph_of_a_shared_mlp_is_the_hand_written_one(tmp_path):
    """SharedActorCritic [64, 64], Box: two Gemm+Gelu layers, the two heads, the
    Box map as tanh, multiply, add; no constants left as nodes, nothing dropped
    from the Box scale (1 - 1e-6) * half-width."""
    model = rt.SharedActorCritic(32, 4, key=0, architecture=[64, 64], action_space=rt.Box(-1.0, 1.0))
    ops = collections.Counter(n.op_type for n in onnx.load(str(ex.export(model, tmp_path / "p.onnx"))).graph.node)
    assert ops == {"Gemm": 4, "Gelu": 2, "Tanh": 1, "Mul": 1, "Add": 1}
    float64 = rt.with_dtype(model, "float64")
    ops = collections.Counter(n.op_type for n in onnx.load(str(ex.export(float64, tmp_path / "d.onnx"))).graph.node)
    assert ops["Gelu"] == 0 and ops["Pow"] == 2 and ops["Constant"] == 0  # opset 18: onnxruntime's Gelu is float32


def test_an_upper_case_extension_names_the_format(tmp_path, capsys):
    out = tmp_path / "POLICY.ONNX"
    assert main(["export", str(golden("shared_box")), "-o", str(out)]) == EXIT_OK
    assert read_manifest(out)["format"] == "onnx" and "(onnx, rlmodels contract" in capsys.readouterr().out
    assert ex.export(build("ActorCritic"), tmp_path / "p.Pt", force=True).suffix == ".Pt"
    assert read_manifest(tmp_path / "p.Pt")["format"] == "torchscript"


def test_an_unrelated_file_is_not_overwritten_without_force(tmp_path, capsys):
    notes = tmp_path / "notes.onnx"
    notes.write_text("my notes")
    status = main(["export", str(golden("shared_box")), "-o", str(notes)])
    err = capsys.readouterr().err
    assert status == EXIT_BAD_INPUT and f"{notes} exists and is not an rlmodels export" in err and "--force" in err
    assert notes.read_text() == "my notes"
    assert main(["export", str(golden("shared_box")), "-o", str(notes), "--force"]) == EXIT_OK
    assert read_manifest(notes)["model_type"] == "SharedActorCritic"


def test_an_earlier_export_is_replaced(tmp_path, capsys):
    out = tmp_path / "policy.pt"
    assert main(["export", str(golden("shared_box")), "-o", str(out)]) == EXIT_OK
    assert main(["export", str(golden("lstm_box")), "-o", str(out)]) == EXIT_OK
    assert f"replaced {out} (torchscript" in capsys.readouterr().out
    assert read_manifest(out)["model_type"] == "LSTMActorCritic"


def test_a_missing_cpp_compiler_is_named_before_any_work(tmp_path, monkeypatch, capsys):
    """Inductor searches config.cpp.cxx (read from $CXX when torch is imported)
    on PATH; with neither, the export fails at once and says what to do."""
    from torch._inductor import config

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(config.cpp, "cxx", (None, "g++"))
    status = main(["export", str(golden("shared_box")), "-o", str(tmp_path / "p.pt2")])
    err = capsys.readouterr().err
    assert status == EXIT_BAD_INPUT and "needs a C++ compiler at export time; none found (looked for g++ on PATH)" in err
    assert "--format exported-program" in err and not (tmp_path / "p.pt2").exists()
