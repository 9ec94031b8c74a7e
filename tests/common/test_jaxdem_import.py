"""The JaxDEM importer's framework-free core: reading Orbax checkpoints,
recognising both layouts, the mapping, every bad input, the numpy JaxDEM
forward, and ``rlmodels import-jaxdem`` (which checks in whichever backend is
installed). Runs in both the jax and the torch environment."""

import dataclasses
import json
import shutil
import sys

import numpy as np
import pytest

from rlmodels.cli import EXIT_BAD_INPUT, EXIT_DISAGREE, EXIT_OK, main
from rlmodels_common.activations import ACTIVATIONS
from rlmodels_common.carry import entries, map_carry
from rlmodels_common.checkpoint_format import read_checkpoint
from rlmodels_common.contract import carry_shapes
from rlmodels_common.jaxdem import JaxdemError, convert, read_directory, step_numbers
from rlmodels_common.reference import NUMPY_ACTIVATIONS, forward
from rlmodels_common.tolerances import tolerance
from tests.jaxdem_cases import CASES, checkpoint, expected, zero_where


def copy(case: str, tmp_path, steps=("7",)):
    """A writable copy of ``case``'s checkpoint directory with ``steps``."""
    run = tmp_path / "run"
    for step in steps:
        shutil.copytree(checkpoint(case) / step, run / step)
    return run


def edit_metadata(run, change, step="7"):
    path = run / step / "model_metadata" / "metadata"
    metadata = json.loads(path.read_text())
    change(metadata)
    path.write_text(json.dumps(metadata))


# -- the numpy forward is JaxDEM's ---------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_numpy_forward_reproduces_jaxdems_recorded_outputs(case):
    """JaxDEM's own outputs, recomputed from the raw arrays with no framework:
    the reference ``import-jaxdem`` checks against."""
    imported, want, tol = convert(read_directory(checkpoint(case))), expected(case), tolerance("float32")
    carry = None
    for t in range(want["obs"].shape[0]):
        out = forward(imported.config, imported.tensors, want["obs"][t], carry)
        assert tol.error(out["value"], want["value"][t]) <= 1
        if imported.metadata["discrete"]:
            np.testing.assert_array_equal(np.argmax(out["logits"], axis=-1), want["deterministic"][t])
        else:
            assert tol.error(out["deterministic"], want["deterministic"][t]) <= 1
        if "carry" in out:
            for name, a in zip(carry_shapes(imported.model_type, imported.metadata), entries(out["carry"])):
                assert tol.error(a, want[f"carry_{name}"][t]) <= 1
            carry = map_carry(lambda a: zero_where(want["done"][t], a), out["carry"])
    if imported.carry is not None:
        lead = imported.metadata["carry_leading_shape"][0]
        out = forward(imported.config, imported.tensors, want["obs"][0, :lead], imported.model_carry)
        assert tol.error(out["value"], want["value_from_saved"]) <= 1


# -- layouts and mapping ---------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_the_layout_is_recognised_from_the_state(case):
    imported = convert(read_directory(checkpoint(case)))
    assert imported.layout == ("seed-era" if case.startswith("seed/") else "current")
    assert imported.model_type == json.loads((checkpoint(case).parent / "case.json").read_text())["model_type"]
    assert imported.metadata["dtype"] == "float32" and imported.metadata["activation"] == "gelu"


def test_current_lstm_splits_fused_head_and_drops_the_stale_heads():
    imported = convert(read_directory(checkpoint("head/lstm_box")))
    source = imported.source.arrays
    np.testing.assert_array_equal(imported.tensors["actor_mu.kernel"], source["fused_head.kernel"][:, :3])
    np.testing.assert_array_equal(imported.tensors["critic.kernel"], source["fused_head.kernel"][:, 3:])
    np.testing.assert_array_equal(imported.tensors["critic.bias"], source["fused_head.bias"][3:])
    np.testing.assert_array_equal(imported.tensors["log_std"], source["_log_std"])
    dropped = dict(imported.dropped)
    assert all("stale" in dropped[k] for k in ("actor_mu.kernel", "actor_mu.bias", "critic.kernel", "critic.bias"))
    assert all("checked" in dropped[f"bij.{i}"] for i in range(4))
    assert "carry" in dropped["c"] and "carry" in dropped["h"]
    assert imported.metadata["cell_type"] == "OptimizedLSTMCell" and imported.metadata["carry_leading_shape"] == [4]
    np.testing.assert_array_equal(imported.carry[0], expected("head/lstm_box")["saved_carry_c"])
    table = imported.table()
    assert "fused_head.kernel[..., 0:3]  actor_mu.kernel" in table and "(dropped: stale" in table


def test_mingru_keeps_fused_head_whole_and_hands_over_its_one_array_carry():
    imported = convert(read_directory(checkpoint("head/mingru_box")))
    source = imported.source.arrays
    assert imported.model_type == "MinGRUActorCritic"
    for name in ("fused_head.kernel", "fused_head.bias", "mingru_kernel", "proj_in.kernel", "encoder.layers.0.kernel"):
        np.testing.assert_array_equal(imported.tensors[name], source[name])
    assert "actor_mu.kernel" not in imported.tensors and "critic.kernel" not in imported.tensors
    dropped = dict(imported.dropped)
    assert all("stale" in dropped[k] for k in ("actor_mu.kernel", "actor_mu.bias", "critic.kernel", "critic.bias"))
    assert "carry" in dropped["h"]
    assert {k: imported.metadata[k] for k in ("hidden_features", "gru_features", "num_layers", "carry_leading_shape")} == {
        "hidden_features": 16, "gru_features": 8, "num_layers": 1, "carry_leading_shape": [4],
    }  # fmt: skip
    assert len(imported.carry) == 1
    np.testing.assert_array_equal(imported.model_carry, expected("head/mingru_box")["saved_carry_h"])


def test_a_mingru_without_fused_head_is_refused(tmp_path):
    """Our MinGRU has no separate heads: its stale actor_mu and critic are never a fallback."""
    source = read_directory(checkpoint("head/mingru_box"))
    without = dataclasses.replace(source, arrays={k: v for k, v in source.arrays.items() if not k.startswith("fused_head.")})
    with pytest.raises(JaxdemError, match=r"missing entries \['fused_head.bias', 'fused_head.kernel'\]"):
        convert(without)


def test_sigma_heads_map_from_both_layouts():
    seed = convert(read_directory(checkpoint("seed/shared_maxnorm_sigma")))
    head = convert(read_directory(checkpoint("head/shared_free_sigma")))
    assert ("_actor_sigma.layers.0.kernel", "actor_sigma.layers.0.kernel") in seed.mapped
    assert ("actor_sigma.net.layers.0.kernel", "actor_sigma.layers.0.kernel") in head.mapped
    assert "log_std" not in seed.tensors and "log_std" not in head.tensors
    assert seed.metadata["action_space"] == {"type": "MaxNorm", "kwargs": {"max_norm": 1.5, "eps": 1e-6}}
    assert head.metadata["action_space"] == {"type": "Free", "kwargs": {}}


def test_seed_era_stores_an_unused_sigma_head_in_every_model():
    imported = convert(read_directory(checkpoint("seed/lstm_box")))
    assert "unused" in dict(imported.dropped)["_actor_sigma.layers.0.kernel"]
    assert ("_log_std", "log_std") in imported.mapped


def test_the_latest_step_is_the_default_and_any_step_can_be_chosen():
    assert step_numbers(checkpoint("head/lstm_box")) == [3, 7]
    latest, earlier = read_directory(checkpoint("head/lstm_box")), read_directory(checkpoint("head/lstm_box"), 3)
    assert (latest.step, earlier.step) == (7, 3)
    assert not np.array_equal(latest.arrays["fused_head.kernel"], earlier.arrays["fused_head.kernel"])
    one_step = read_directory(checkpoint("head/lstm_box") / "3")
    np.testing.assert_array_equal(one_step.arrays["fused_head.kernel"], earlier.arrays["fused_head.kernel"])


# -- bad input -------------------------------------------------------------------------


def test_a_directory_without_steps(tmp_path):
    with pytest.raises(JaxdemError, match="holds no JaxDEM checkpoint steps"):
        read_directory(tmp_path)


def test_a_missing_step_lists_the_available_ones():
    with pytest.raises(JaxdemError, match="has no step 5; available steps: 3, 7"):
        read_directory(checkpoint("head/lstm_box"), 5)


@pytest.mark.parametrize("damage", ["truncate manifest", "remove manifest", "corrupt node", "truncate metadata", "no metadata"])
def test_a_truncated_or_corrupt_checkpoint(tmp_path, damage):
    run = copy("head/lstm_box", tmp_path)
    state = run / "7" / "model_state"
    node = next((state / "d").iterdir())  # the b-tree node the manifest points to
    if damage == "truncate manifest":
        (state / "manifest.ocdbt").write_bytes((state / "manifest.ocdbt").read_bytes()[:50])
    elif damage == "remove manifest":
        (state / "manifest.ocdbt").unlink()
    elif damage == "corrupt node":
        data = bytearray(node.read_bytes())
        data[40:48] = b"XXXXXXXX"
        node.write_bytes(bytes(data))
    elif damage == "truncate metadata":
        meta = run / "7" / "model_metadata" / "metadata"
        meta.write_text(meta.read_text()[:40])
    else:
        (run / "7" / "model_metadata" / "metadata").unlink()
    with pytest.raises(JaxdemError, match="truncated or corrupt|is missing"):
        read_directory(run)


def test_an_unknown_model_type_lists_the_supported_ones(tmp_path):
    run = copy("head/ac_discrete", tmp_path)
    edit_metadata(run, lambda m: m.update(model_type="transformeractorcritic"))
    with pytest.raises(JaxdemError, match="unknown JaxDEM model type 'transformeractorcritic'; supported: .*LSTMActorCritic"):
        convert(read_directory(run))


def test_shapes_contradicting_the_metadata_are_named(tmp_path):
    run = copy("seed/lstm_box", tmp_path)
    edit_metadata(run, lambda m: m.update(hidden_features=12))
    with pytest.raises(JaxdemError, match=r"encoder.layers.0.kernel: expected \(5, 12\), got \(5, 16\)"):
        convert(read_directory(run))


def test_a_fused_head_whose_width_is_not_a_plus_one():
    source = read_directory(checkpoint("head/lstm_box"))
    arrays = dict(source.arrays)
    arrays["fused_head.kernel"] = np.zeros((8, 5), np.float32)
    arrays["fused_head.bias"] = np.zeros(5, np.float32)
    with pytest.raises(JaxdemError, match=r"fused_head.kernel is \(8, 5\): expected width action_space_size \+ 1 = 4"):
        convert(dataclasses.replace(source, arrays=arrays))


def test_missing_and_unexpected_entries_are_named():
    source = read_directory(checkpoint("head/shared_free_sigma"))
    arrays = {k: v for k, v in source.arrays.items() if k != "critic.bias"}
    arrays["extra.kernel"] = np.zeros(3, np.float32)
    with pytest.raises(JaxdemError, match=r"missing entries \['critic.bias'\]; unexpected entries \['extra.kernel'\]"):
        convert(dataclasses.replace(source, arrays=arrays))


def test_action_space_constants_contradicting_the_metadata(tmp_path):
    run = copy("head/lstm_box", tmp_path)
    edit_metadata(run, lambda m: m["action_space"]["kw"].update(x_max=[1.0, 3.0, 0.75]))
    with pytest.raises(JaxdemError, match="bij.0 .* the metadata and the state disagree"):
        convert(read_directory(run))


@pytest.mark.parametrize("key, path, message", [
    ("activation", "os.system", r"activation 'os.system'.*allow-list.*gelu, identity, leaky_relu.*activation='gelu'"),
    ("cell_type", "my_project.MyCell", r"LSTM cell 'my_project.MyCell'.*LSTMCell, OptimizedLSTMCell"),
])  # fmt: skip
def test_callables_outside_the_allow_list_are_refused_and_never_imported(tmp_path, key, path, message):
    run = copy("seed/lstm_box", tmp_path)
    edit_metadata(run, lambda m: m.update({key: {"_callable": True, "path": path}}))
    modules = set(sys.modules)
    with pytest.raises(JaxdemError, match=message):
        convert(read_directory(run))
    assert "my_project" not in sys.modules and set(sys.modules) - modules <= {"tensorstore"}


def test_metadata_the_importer_does_not_know_is_refused(tmp_path):
    run = copy("head/ac_discrete", tmp_path)
    edit_metadata(run, lambda m: m.update(layer_norm=True))
    with pytest.raises(JaxdemError, match=r"does not know for ActorCritic: \['layer_norm'\]"):
        convert(read_directory(run))


def test_a_missing_reader_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorstore", None)
    with pytest.raises(ImportError, match=r"pip install 'rlmodels-parity\[jaxdem\]'"):
        read_directory(checkpoint("head/ac_discrete"))


# -- the command -------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_import_jaxdem_writes_prints_and_proves_the_import(capsys, tmp_path, case):
    out = tmp_path / "policy"
    status = main(["import-jaxdem", str(checkpoint(case)), "-o", str(out)])
    text = capsys.readouterr().out
    assert status == EXIT_OK, text
    assert read_checkpoint(out).model_type == convert(read_directory(checkpoint(case))).model_type
    assert "JaxDEM entry" in text and f"wrote {out}" in text
    assert text.rstrip().endswith("the imported model agrees with the JaxDEM checkpoint")
    rows = [line.split() for line in text.split("(largest error / tolerance)\n")[1].splitlines()[:-1]]
    assert rows and all(row[-1] == "ok" for row in rows)
    assert {"value"} <= {row[0] for row in rows}


def test_import_jaxdem_chooses_the_step(capsys, tmp_path):
    assert main(["import-jaxdem", str(checkpoint("head/lstm_box")), "--step", "3", "-o", str(tmp_path / "p")]) == EXIT_OK
    assert "orbax/3:" in capsys.readouterr().out


@pytest.mark.parametrize("case, argv, message", [
    ("empty", [], "holds no JaxDEM checkpoint steps"),
    ("head/lstm_box", ["--step", "5"], "available steps: 3, 7"),
    ("corrupt", [], "truncated or corrupt"),
    ("shapes", [], "shapes contradicting the metadata"),
])  # fmt: skip
def test_import_jaxdem_bad_input_writes_nothing(capsys, tmp_path, case, argv, message):
    if case == "empty":
        source = tmp_path / "empty"
        source.mkdir()
    elif case == "corrupt":
        source = copy("head/lstm_box", tmp_path)
        (source / "7" / "model_state" / "manifest.ocdbt").write_bytes(b"\0" * 20)
    elif case == "shapes":
        source = copy("head/lstm_box", tmp_path)
        edit_metadata(source, lambda m: m.update(lstm_features=16))
    else:
        source = checkpoint(case)
    out = tmp_path / "out" / "policy"
    status = main(["import-jaxdem", str(source), *argv, "-o", str(out)])
    _, err = capsys.readouterr()
    assert status == EXIT_BAD_INPUT and message in err and err.startswith("rlmodels import-jaxdem: error:")
    assert not out.exists() and not (tmp_path / "out").exists()


def test_import_jaxdem_reports_a_disagreement(capsys, tmp_path, monkeypatch):
    import rlmodels.importing

    def off_by_a_little(config, params, x, carry=None):
        out = forward(config, params, x, carry)
        return {**out, "value": out["value"] + 1e-3}

    monkeypatch.setattr(rlmodels.importing, "forward", off_by_a_little)
    status = main(["import-jaxdem", str(checkpoint("head/ac_discrete")), "-o", str(tmp_path / "p")])
    text = capsys.readouterr().out
    assert status == EXIT_DISAGREE and "DISAGREES" in text and " NO" in text


def test_the_numpy_forward_knows_every_built_in_activation():
    assert set(NUMPY_ACTIVATIONS) == set(ACTIVATIONS)
    x = np.linspace(-4, 4, 17)
    for name in ("gelu", "silu", "sigmoid", "softplus"):  # against their definitions in JAX
        want = {"gelu": 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
                "silu": x / (1 + np.exp(-x)), "sigmoid": 1 / (1 + np.exp(-x)), "softplus": np.log1p(np.exp(x))}[name]  # fmt: skip
        np.testing.assert_allclose(NUMPY_ACTIVATIONS[name](x), want, rtol=1e-12, atol=1e-14)


def test_import_jaxdem_with_an_unregistered_activation_writes_nothing(capsys, tmp_path):
    out = tmp_path / "policy"
    status = main(["import-jaxdem", str(checkpoint("seed/ac_discrete")), "--activation", "my_gelu", "-o", str(out)])
    assert status == EXIT_BAD_INPUT and "my_gelu" in capsys.readouterr().err
    assert not out.exists()
