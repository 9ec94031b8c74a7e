"""Exports under the Isaac Lab / rsl_rl contract, the opt-in non-finite check, the
ONNX graph clean-up, and where exports may write (parent directories, existing
files, extension case, a missing C++ compiler)."""

import collections
import functools

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
from tests.backends import builders
from tests.backends.builders import randomize
from tests.backends.torch_backend import BACKEND

build = functools.partial(builders.build, BACKEND)


def session(path):
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def dims(value):
    return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]


def test_an_isaaclab_mlp_file_is_obs_to_actions(tmp_path, capsys):
    model = build("ActorCritic", action_space=rt.Box(-1.0, 2.0))
    randomize(model)
    path = ex.export(model, tmp_path / "policy.onnx", contract="isaaclab")
    proto = onnx.load(str(path))
    assert [(i.name, dims(i)) for i in proto.graph.input] == [("obs", ["batch", 4])]
    assert [(o.name, dims(o)) for o in proto.graph.output] == [("actions", ["batch", 3])]
    assert proto.opset_import[0].version == 18  # what rsl_rl's exporter writes
    assert ex.verify(model, path).ok and read_manifest(path)["contract"] == "isaaclab"
    assert main(["inspect", str(path)]) == EXIT_OK
    assert "  contract isaaclab: Isaac Lab / rsl_rl names" in capsys.readouterr().out


@pytest.mark.parametrize("model_type, carry", [
    ("LSTMActorCritic", [("h_in", [1, "batch", 5]), ("c_in", [1, "batch", 5])]),
    ("MinGRUActorCritic", [("h_in", [2, "batch", 5])]),
])  # fmt: skip
def test_an_isaaclab_rollout_with_rsl_rl_resets_equals_the_stateful_model(tmp_path, capsys, model_type, carry):
    """rsl_rl's names and (num_layers, B, H) carries; the runtime loop rsl_rl runs
    (the columns of done environments zeroed after the step) is the model's own loop."""
    model = build(model_type, action_space=rt.MaxNorm(1.5))
    randomize(model)
    path = ex.export(model, tmp_path / "policy.onnx", contract="isaaclab")
    graph = onnx.load(str(path)).graph
    assert [(i.name, dims(i)) for i in graph.input] == [("obs", ["batch", 4]), *carry]
    assert [(o.name, dims(o)) for o in graph.output] == [("actions", ["batch", 3])] + [
        (n.replace("_in", "_out"), d) for n, d in carry]  # fmt: skip
    assert main(["inspect", str(path)]) == EXIT_OK
    assert "zero the columns (axis 1, the batch) of environments that were done" in capsys.readouterr().out
    run = session(path)
    names = [i.name for i in run.get_inputs()]
    rng = np.random.default_rng(0)
    B = 6
    state = [np.zeros([d if d != "batch" else B for d in shape], np.float32) for _, shape in carry]
    with torch.no_grad():
        for _ in range(10):
            x = rng.standard_normal((B, 4)).astype(np.float32)
            pi, _ = model(torch.as_tensor(x))
            actions, *state = run.run(None, dict(zip(names, [x, *state])))
            np.testing.assert_allclose(actions, rt.deterministic_action(pi), rtol=1e-5, atol=1e-6)
            if model_type == "LSTMActorCritic":
                np.testing.assert_allclose(state[0][0], model.carry[1], rtol=1e-5, atol=1e-6)  # h_out is h
            else:
                np.testing.assert_allclose(state[0].transpose(1, 0, 2), model.carry, rtol=1e-5, atol=1e-6)
            done = rng.random(B) < 0.3
            for a in state:
                a[:, done] = 0.0
            model.reset((B, 4), mask=torch.as_tensor(done))


def test_the_isaaclab_contract_refuses_the_stochastic_head(tmp_path):
    with pytest.raises(ValueError, match="the isaaclab contract carries the deterministic actions only"):
        ex.export(build("ActorCritic"), tmp_path / "p.onnx", contract="isaaclab", stochastic=True)


@pytest.mark.parametrize("format, contract", [("onnx", "rlmodels"), ("torchscript", "isaaclab")])
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
    from the Box scale (1 - 1e-6) * half-width (test_export.py holds it to 1e-12
    in float64, where GELU stays spelled out)."""
    model = rt.SharedActorCritic(32, 4, key=0, architecture=[64, 64], action_space=rt.Box(-1.0, 1.0))
    ops = collections.Counter(n.op_type for n in onnx.load(str(ex.export(model, tmp_path / "p.onnx"))).graph.node)
    assert ops == {"Gemm": 4, "Gelu": 2, "Tanh": 1, "Mul": 1, "Add": 1}


def test_an_upper_case_extension_names_the_format(tmp_path, capsys):
    from rlmodels.formats import format_for

    assert [format_for(f"p{e}") for e in (".ONNX", ".Onnx", ".PT2", ".PT")] == ["onnx", "onnx", "pt2", "torchscript"]
    out = tmp_path / "POLICY.PT"
    assert main(["export", str(golden("shared_box")), "-o", str(out)]) == EXIT_OK
    assert read_manifest(out)["format"] == "torchscript" and "(torchscript, rlmodels contract" in capsys.readouterr().out


def test_an_unrelated_file_is_not_overwritten_without_force(tmp_path, capsys):
    notes = tmp_path / "notes.onnx"
    notes.write_text("my notes")
    status = main(["export", str(golden("shared_box")), "-o", str(notes)])
    err = capsys.readouterr().err
    assert status == EXIT_BAD_INPUT and f"{notes} exists and is not an rlmodels export" in err and "--force" in err
    assert notes.read_text() == "my notes"
    other = tmp_path / "notes.pt"
    other.write_text("my notes")
    assert main(["export", str(golden("shared_box")), "-o", str(other), "--force"]) == EXIT_OK
    assert read_manifest(other)["model_type"] == "SharedActorCritic"


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
    # torch's own patcher: pytest's monkeypatch deletes the entry on undo
    # (inductor's config proxy hides it from getattr), breaking later compiles.
    with config.patch({"cpp.cxx": (None, "g++")}):
        status = main(["export", str(golden("shared_box")), "-o", str(tmp_path / "p.pt2")])
    err = capsys.readouterr().err
    assert status == EXIT_BAD_INPUT and "needs a C++ compiler at export time; none found (looked for g++ on PATH)" in err
    assert "--format exported-program" in err and not (tmp_path / "p.pt2").exists()
