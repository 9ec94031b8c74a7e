"""from_jaxdem: every JaxDEM checkpoint (both layouts) reproduces the outputs
JaxDEM's own models recorded; the stale-head trap; JaxDEM metadata refused by
from_metadata. Torch needs no JAX for any of it."""

import dataclasses
import json
import shutil

import numpy as np
import pytest

from rlmodels.importing import check
from rlmodels_common.carry import entries
from rlmodels_common.checkpoint_format import CheckpointError
from rlmodels_common.contract import carry_shapes
from rlmodels_common.jaxdem import convert, read_directory
from tests.backends.jaxdem_rollout import rollout
from tests.jaxdem_cases import CASES, RECURRENT, assert_reproduces, checkpoint, errors, expected


@pytest.mark.parametrize("case", CASES)
def test_imported_model_reproduces_jaxdems_outputs(backend, case):
    assert_reproduces(rollout(backend, backend.rb.from_jaxdem(checkpoint(case)), expected(case)), case)


@pytest.mark.parametrize("case", RECURRENT)
def test_sequence_mode_with_resets_reproduces_jaxdems_outputs(backend, case):
    want = expected(case)
    model = backend.rb.from_jaxdem(checkpoint(case))
    with backend.no_grad():
        pi, value = model(backend.array(want["obs"]), sequence=True, done=backend.array(want["done"], "bool"))
        actions = backend.array(want["actions"], want["actions"].dtype.name)
        outputs = {"value": value, "log_prob": pi.log_prob(actions), "entropy": pi.entropy(),
                   "deterministic": backend.rb.deterministic_action(pi)}  # fmt: skip
    assert_reproduces({k: backend.numpy(v) for k, v in outputs.items()}, case)


@pytest.mark.parametrize("case", RECURRENT)
def test_the_stored_carry_is_handed_over(backend, case):
    want = expected(case)
    model, carry = backend.rb.from_jaxdem(checkpoint(case), with_carry=True)
    for name, a in zip(carry_shapes(model.type_name, model.metadata), entries(carry)):
        np.testing.assert_array_equal(backend.numpy(a), want[f"saved_carry_{name}"])
    with backend.no_grad():
        _, value, _ = model.step(backend.array(want["obs"][0, : entries(carry)[0].shape[0]]), carry)
    assert errors({"value_from_saved": backend.numpy(value)}, case)["value_from_saved"] <= 1


def test_a_feed_forward_model_has_no_carry(backend):
    model, carry = backend.rb.from_jaxdem(checkpoint("head/ac_discrete"), with_carry=True)
    assert isinstance(model, backend.rb.ActorCritic) and carry is None


def test_an_earlier_step_is_another_model(backend):
    from_jaxdem = backend.rb.from_jaxdem
    latest, earlier = from_jaxdem(checkpoint("head/lstm_box")), from_jaxdem(checkpoint("head/lstm_box"), step=3)
    assert not np.array_equal(latest.canonical_params()["actor_mu.kernel"], earlier.canonical_params()["actor_mu.kernel"])
    assert_reproduces(rollout(backend, from_jaxdem(checkpoint("head/lstm_box"), step=7), expected("head/lstm_box")), "head/lstm_box")


def test_importing_the_current_layout_by_name_alone_fails_the_checks(backend):
    """The stale-head trap: the current LSTM still stores actor_mu and critic,
    unused. Copying them by name (the state without fused_head reads that way)
    gives a policy far from JaxDEM's; splitting fused_head gives JaxDEM's."""
    case = "head/lstm_box"
    source = read_directory(checkpoint(case))
    by_name = dataclasses.replace(source, arrays={k: v for k, v in source.arrays.items() if not k.startswith("fused_head.")})
    imported = convert(by_name)
    assert ("actor_mu.kernel", "actor_mu.kernel") in imported.mapped
    model = backend.rb.Model.from_metadata(imported.model_type, imported.metadata)
    model.load_canonical_params(imported.tensors)
    ratios = errors(rollout(backend, model, expected(case)), case)
    assert min(ratios["value"], ratios["log_prob"], ratios["deterministic"]) > 1e3, ratios
    assert_reproduces(rollout(backend, backend.rb.from_jaxdem(checkpoint(case)), expected(case)), case)


def test_an_unlisted_activation_can_be_named_explicitly(backend, tmp_path):
    case = "seed/lstm_box"
    step = shutil.copytree(checkpoint(case) / "7", tmp_path / "run" / "7")
    meta_file = step / "model_metadata" / "metadata"
    metadata = json.loads(meta_file.read_text())
    metadata["activation"] = {"_callable": True, "path": "my_project.nets.my_gelu"}
    meta_file.write_text(json.dumps(metadata))
    with pytest.raises(CheckpointError, match=r"'my_project.nets.my_gelu'.*gelu.*activation='gelu'"):
        backend.rb.from_jaxdem(tmp_path / "run")
    assert_reproduces(rollout(backend, backend.rb.from_jaxdem(tmp_path / "run", activation="gelu"), expected(case)), case)


@pytest.mark.parametrize("case", ["head/lstm_box", "seed/shared_maxnorm_sigma"])
def test_from_metadata_refuses_jaxdem_metadata_and_names_the_importer(backend, case):
    metadata = json.loads((checkpoint(case) / "7" / "model_metadata" / "metadata").read_text())
    with pytest.raises(CheckpointError, match="JaxDEM metadata.*from_jaxdem.*import-jaxdem"):
        backend.rb.Model.from_metadata(metadata.pop("model_type"), metadata)


def test_an_lstm_cell_checkpoint_maps_to_our_lstm_cell(backend):
    """JaxDEM with Flax's LSTMCell (one kernel per gate; no public checkpoint
    uses it): the seed-era state it would store maps onto our LSTMCell model,
    which then computes JaxDEM's forward."""
    source = read_directory(checkpoint("seed/lstm_box"))
    rng = np.random.default_rng(0)
    arrays = {k: v for k, v in source.arrays.items() if not k.startswith("cell.")}
    for gate in ("i", "f", "g", "o"):
        arrays[f"cell.i{gate}{'_' if gate == 'f' else ''}.kernel"] = rng.standard_normal((16, 8)).astype(np.float32)
        arrays[f"cell.h{gate}.kernel"] = rng.standard_normal((8, 8)).astype(np.float32)
        arrays[f"cell.h{gate}.bias"] = rng.standard_normal(8).astype(np.float32)
    metadata = {**source.metadata, "cell_type": {"_callable": True, "path": "flax.nnx.nn.recurrent.LSTMCell"}}
    imported = convert(dataclasses.replace(source, arrays=arrays, metadata=metadata))
    model = backend.rb.Model.from_metadata(imported.model_type, imported.metadata)
    model.load_canonical_params(imported.tensors)
    assert model.config.cell_type == "LSTMCell"
    ratios = check(model, imported, backend.name)
    assert ratios and max(ratios.values()) <= 1, ratios
