"""from_jaxdem in JAX: every JaxDEM checkpoint (both layouts) reproduces the
outputs JaxDEM's own models recorded, from a directory and from a JaxDEM-like
model in memory; the stale-head trap; JaxDEM metadata refused by from_metadata."""

import dataclasses
import json
import shutil

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import rlmodels_jax as rj
from rlmodels.importing import check
from rlmodels_common.checkpoint_format import CheckpointError
from rlmodels_common.jaxdem import convert, read_directory
from rlmodels_jax.jaxdem import read_model
from rlmodels_common.carry import entries, map_carry
from rlmodels_common.contract import carry_shapes
from tests.jaxdem_cases import CASES, RECURRENT, assert_reproduces, checkpoint, errors, expected, zero_where


def rollout(model: rj.Model, want: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """JaxDEM's recording protocol: from a zero carry at batch B, step t runs on
    ``obs[t]``, then the carry is reset where ``done[t]``."""
    out: dict[str, list] = {"value": [], "log_prob": [], "entropy": [], "deterministic": []}
    names = list(carry_shapes(model.type_name, model.metadata))
    carry = model.initial_carry(want["obs"].shape[1:2])
    out |= {f"carry_{n}": [] for n in names}
    for t in range(want["obs"].shape[0]):
        if names:
            pi, value, carry = model.step(want["obs"][t], carry)
            for n, a in zip(names, entries(carry)):
                out[f"carry_{n}"].append(a)
            carry = map_carry(lambda a: zero_where(want["done"][t], a), carry)
        else:
            pi, value = model(want["obs"][t])
        out["value"].append(value)
        out["log_prob"].append(pi.log_prob(jnp.asarray(want["actions"][t])))
        out["entropy"].append(pi.entropy())
        out["deterministic"].append(rj.deterministic_action(pi))
    return {k: np.stack([np.asarray(a) for a in v]) for k, v in out.items()}


@pytest.mark.parametrize("case", CASES)
def test_imported_model_reproduces_jaxdems_outputs(case):
    model = rj.from_jaxdem(checkpoint(case))
    assert_reproduces(rollout(model, expected(case)), case)


@pytest.mark.parametrize("case", RECURRENT)
def test_sequence_mode_with_resets_reproduces_jaxdems_outputs(case):
    want = expected(case)
    model = rj.from_jaxdem(checkpoint(case))
    pi, value = model(want["obs"], sequence=True, done=want["done"])
    outputs = {"value": value, "log_prob": pi.log_prob(jnp.asarray(want["actions"])), "entropy": pi.entropy(),
               "deterministic": rj.deterministic_action(pi)}  # fmt: skip
    assert_reproduces({k: np.asarray(v) for k, v in outputs.items()}, case)


@pytest.mark.parametrize("case", RECURRENT)
def test_the_stored_carry_is_handed_over(case):
    want = expected(case)
    model, carry = rj.from_jaxdem(checkpoint(case), with_carry=True)
    for name, a in zip(carry_shapes(model.type_name, model.metadata), entries(carry)):
        np.testing.assert_array_equal(a, want[f"saved_carry_{name}"])
    _, value, _ = model.step(want["obs"][0, : entries(carry)[0].shape[0]], carry)
    assert errors({"value_from_saved": np.asarray(value)}, case)["value_from_saved"] <= 1


def test_a_feed_forward_model_has_no_carry():
    model, carry = rj.from_jaxdem(checkpoint("head/ac_discrete"), with_carry=True)
    assert isinstance(model, rj.ActorCritic) and carry is None


def test_an_earlier_step_is_another_model():
    latest, earlier = rj.from_jaxdem(checkpoint("head/lstm_box")), rj.from_jaxdem(checkpoint("head/lstm_box"), step=3)
    assert not np.array_equal(latest.canonical_params()["actor_mu.kernel"], earlier.canonical_params()["actor_mu.kernel"])
    assert_reproduces(rollout(rj.from_jaxdem(checkpoint("head/lstm_box"), step=7), expected("head/lstm_box")), "head/lstm_box")


def test_importing_the_current_layout_by_name_alone_fails_the_checks():
    """The stale-head trap: the current LSTM still stores actor_mu and critic,
    unused. Copying them by name (the state without fused_head reads that way)
    gives a policy far from JaxDEM's; splitting fused_head gives JaxDEM's."""
    case = "head/lstm_box"
    source = read_directory(checkpoint(case))
    by_name = dataclasses.replace(source, arrays={k: v for k, v in source.arrays.items() if not k.startswith("fused_head.")})
    imported = convert(by_name)
    assert ("actor_mu.kernel", "actor_mu.kernel") in imported.mapped
    model = rj.Model.from_metadata(imported.model_type, imported.metadata)
    model.load_canonical_params(imported.tensors)
    ratios = errors(rollout(model, expected(case)), case)
    assert min(ratios["value"], ratios["log_prob"], ratios["deterministic"]) > 1e3, ratios
    assert_reproduces(rollout(rj.from_jaxdem(checkpoint(case)), expected(case)), case)


def test_an_unlisted_activation_can_be_named_explicitly(tmp_path):
    case = "seed/lstm_box"
    step = shutil.copytree(checkpoint(case) / "7", tmp_path / "run" / "7")
    meta_file = step / "model_metadata" / "metadata"
    metadata = json.loads(meta_file.read_text())
    metadata["activation"] = {"_callable": True, "path": "my_project.nets.my_gelu"}
    meta_file.write_text(json.dumps(metadata))
    with pytest.raises(CheckpointError, match=r"'my_project.nets.my_gelu'.*gelu.*activation='gelu'"):
        rj.from_jaxdem(tmp_path / "run")
    assert_reproduces(rollout(rj.from_jaxdem(tmp_path / "run", activation="gelu"), expected(case)), case)


class SigmaParam(nnx.Module):
    def __init__(self, log_std: np.ndarray) -> None:
        self.log_std = nnx.Param(jnp.asarray(log_std))


class CurrentJaxdemLSTM(nnx.Module):
    """JaxDEM's current LSTMActorCritic attribute layout (5d9c13a) holding the
    arrays of a checkpoint: what from_jaxdem reads in memory, without JaxDEM."""

    type_name = "lstmactorcritic"

    def __init__(self, arrays: dict[str, np.ndarray], metadata: dict) -> None:
        rngs = nnx.Rngs(0)
        self.encoder = nnx.Sequential(nnx.Linear(5, 16, rngs=rngs), nnx.gelu)
        self.cell = nnx.OptimizedLSTMCell(16, 8, rngs=rngs)
        self.actor_mu = nnx.Linear(8, 3, rngs=rngs)
        self.actor_sigma = SigmaParam(arrays["_log_std"])
        self._log_std = self.actor_sigma.log_std  # shared, as JaxDEM does
        self.critic = nnx.Linear(8, 1, rngs=rngs)
        self.fused_head = nnx.Linear(8, 4, rngs=rngs)
        self.bij = nnx.data(tuple(jnp.asarray(arrays[f"bij.{i}"]) for i in range(4)))
        self.c = nnx.Variable(jnp.asarray(arrays["c"]))
        self.h = nnx.Variable(jnp.asarray(arrays["h"]))
        for path, var in nnx.to_flat_state(nnx.state(self, nnx.Param)):
            var.set_value(jnp.asarray(arrays[".".join(map(str, path))]))
        self._metadata = nnx.static(metadata)

    @property
    def metadata(self) -> dict:
        # JaxDEM encodes callables when it writes; in memory they are objects.
        return {**self._metadata, "activation": nnx.gelu, "cell_type": nnx.OptimizedLSTMCell}


def test_a_jaxdem_model_in_memory_imports_like_its_checkpoint():
    case = "head/lstm_box"
    source = read_directory(checkpoint(case))
    in_memory = CurrentJaxdemLSTM(source.arrays, source.metadata)
    read = read_model(in_memory)
    assert set(read.arrays) == set(source.arrays)
    assert read.metadata["activation"] == {"_callable": True, "path": "jax._src.nn.functions.gelu"}
    model, carry = rj.from_jaxdem(in_memory, with_carry=True)
    assert_reproduces(rollout(model, expected(case)), case)
    np.testing.assert_array_equal(carry[1], expected(case)["saved_carry_h"])


def test_an_object_that_is_not_a_jaxdem_model_is_refused():
    with pytest.raises(TypeError, match="expected a JaxDEM model"):
        read_model(nnx.Linear(2, 2, rngs=nnx.Rngs(0)))


@pytest.mark.parametrize("case", ["head/lstm_box", "seed/shared_maxnorm_sigma"])
def test_from_metadata_refuses_jaxdem_metadata_and_names_the_importer(case):
    metadata = json.loads((checkpoint(case) / "7" / "model_metadata" / "metadata").read_text())
    with pytest.raises(CheckpointError, match="JaxDEM metadata.*from_jaxdem.*import-jaxdem"):
        rj.Model.from_metadata(metadata.pop("model_type"), metadata)


def test_an_lstm_cell_checkpoint_maps_to_our_lstm_cell():
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
    model = rj.Model.from_metadata(imported.model_type, imported.metadata)
    model.load_canonical_params(imported.tensors)
    assert model.config.cell_type == "LSTMCell"
    ratios = check(model, imported, "jax")
    assert ratios and max(ratios.values()) <= 1, ratios
