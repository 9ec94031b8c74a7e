"""The suite can fail: a small change to one parameter of the converted model
is reported, at the layer that holds it, while a change of one float32 ulp
(the size of a rounding difference) is not."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import rlmodels_torch as rt
from parity_tests.pairs import CASES, DTYPES, build_pair, case_id, group, pairs, x64
from rlmodels import compare, strategies

# Smooth activations (a ReLU unit that is off for every probe input would make
# its weights invisible, which is not what these tests are about): a shared
# torso, separate torsos, an LSTM; discrete, Box, MaxNorm, Free; sigma heads.
SANITY_CASES = [CASES[i] for i in (3, 7, 13, 17, 23)]


def sanity_cells(dtypes=DTYPES):
    return [pytest.param(c, d, id=f"{case_id(c)}-{d}", marks=group(case_id(c))) for c in SANITY_CASES for d in dtypes]


def changed(model, name: str, index: int, change) -> rt.Model:
    """A copy of the torch ``model`` with entry ``index`` of parameter ``name`` replaced by ``change(entry)``."""
    params = model.canonical_params()
    flat = params[name].reshape(-1).copy()
    flat[index] = change(flat[index])
    params[name] = flat.reshape(params[name].shape)
    copy = rt.Model.from_metadata(model.type_name, model.metadata)
    copy.load_canonical_params(params)
    return copy


def layer_of(name: str) -> str:
    """The intermediate a parameter feeds first (the report's stage names)."""
    if name.startswith("cell."):
        return "cell.gates"
    return name.removesuffix(".kernel").removesuffix(".bias")


def feeds_from_inputs(name: str, metadata: dict) -> bool:
    """Biases and ``log_std`` move their layer's output by the change itself;
    kernels of the first layers multiply it by an observation (of order 1).
    Deeper kernels multiply it by a hidden unit that may be small everywhere."""
    if name.endswith(".bias") or name == "log_std":
        return True
    firsts = ("network.layers.0", "actor_torso.layers.0", "critic.layers.0", "encoder.layers.0")
    empty = not metadata.get("architecture", metadata.get("actor_architecture", [1]))
    heads = ("actor_mu", "actor_sigma.layers.0", "critic")
    return name.removesuffix(".kernel") in firsts or (empty and name.removesuffix(".kernel") in heads)


@pytest.mark.parametrize(("case", "dtype"), sanity_cells(("float32",)))
@given(data=st.data())
def test_one_ulp_passes_and_1e_4_fails_at_the_perturbed_layer(case, dtype, data):
    model_type, metadata, params, layout = data.draw(pairs(case, dtype, "jax->torch"))
    names = sorted(n for n in params if feeds_from_inputs(n, metadata))
    name = data.draw(st.sampled_from(names), label="parameter")
    index = data.draw(st.integers(0, params[name].size - 1), label="index")
    inputs = data.draw(strategies.probe_inputs(model_type, metadata, layout=layout), label="inputs")
    jax_model, torch_model = build_pair(model_type, metadata, params, "jax->torch")
    ulp = compare(jax_model, changed(torch_model, name, index, lambda v: np.nextafter(v, np.inf)), inputs)
    assert ulp.ok, f"one ulp in {name}[{index}] was reported:\n{ulp}"
    report = compare(jax_model, changed(torch_model, name, index, lambda v: v + np.float32(1e-4)), inputs)
    assert not report.ok, f"1e-4 in {name}[{index}] went unnoticed:\n{report}"
    assert report.divergence is not None and report.divergence.stage == layer_of(name), f"{name}[{index}]:\n{report}"
    assert f"torch parts from the truth first at `{layer_of(name)}`" in report.table()


@pytest.mark.parametrize(("case", "dtype"), sanity_cells())
@given(data=st.data())
def test_perturbing_one_parameter_is_reported(case, dtype, data):
    model_type, metadata, params, layout = data.draw(pairs(case, dtype, "jax->torch", ("tanh", "gelu", "silu")))
    # A categorical over one action is certain whatever its logit: that logit's
    # weights change nothing any policy computes.
    assume(not (metadata["discrete"] and metadata["action_space_size"] == 1))
    inputs = data.draw(strategies.probe_inputs(model_type, metadata, layout=layout), label="inputs")
    with x64(dtype):
        jax_model, torch_model = build_pair(model_type, metadata, params, "jax->torch")
        assert compare(jax_model, torch_model, inputs).ok
        name = data.draw(st.sampled_from(sorted(params)), label="parameter")
        index = data.draw(st.integers(0, params[name].size - 1), label="index")
        # A 0.1% nudge, far below what training moves a weight.
        report = compare(jax_model, changed(torch_model, name, index, lambda v: v + 1e-3 * max(abs(v), 0.1)), inputs)
    assert not report.ok, f"a change to {name}[{index}] went unnoticed:\n{report}"
    flagged = {o.name for o in report.failures()}
    # A weight changes what the model computes, never its configuration or its held carry.
    assert not flagged & {"metadata", "held_carry"}, f"{name}[{index}] flagged {sorted(flagged)}:\n{report}"
    if name.startswith("critic."):  # the value head (and the ActorCritic critic torso) feed the value only
        assert flagged <= {"value", "gradients"}, f"{name}[{index}] flagged {sorted(flagged)}:\n{report}"
    if name.startswith(("actor_", "log_std")):  # the policy's own parameters never touch the value
        assert not flagged & {"value", "carry"}, f"{name}[{index}] flagged {sorted(flagged)}:\n{report}"


def test_a_different_configuration_is_reported():
    model_type, metadata = "SharedActorCritic", {
        "observation_space_size": 3, "action_space_size": 2, "activation": "tanh", "action_space": None,
        "actor_sigma_head": False, "discrete": False, "dtype": "float32", "architecture": [4],
        "in_scale": 1.0, "actor_scale": 1.0, "critic_scale": 1.0,
    }  # fmt: skip
    jax_model, torch_model = build_pair(model_type, metadata, rt.Model.from_metadata(model_type, metadata).canonical_params(), "jax->torch")
    other = rt.SharedActorCritic(3, 2, key=0, architecture=[4], activation="tanh", in_scale=2.0)
    other.load_canonical_params(torch_model.canonical_params())
    report = compare(jax_model, other, gradients=False)
    assert report["metadata"].ratio == np.inf and not report.ok
