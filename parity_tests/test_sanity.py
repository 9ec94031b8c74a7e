"""The suite can fail: a small change to one parameter of the converted model
is reported, and the comparison flags only outputs that parameter feeds."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import rlmodels_torch as rt
from parity_tests.pairs import build_pair, x64
from rlmodels import compare, strategies


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(data=st.data())
def test_perturbing_one_parameter_is_reported(dtype, data):
    # Smooth activations: a ReLU unit that is off for every probe input would
    # make its weights invisible, which is not what this test is about.
    model_type, metadata = data.draw(strategies.model_configs(activations=["tanh", "gelu", "silu"], dtype=dtype))
    # A categorical over one action is certain whatever its logit: that logit's
    # weights change nothing any policy computes (found by the fuzz profile).
    assume(not (metadata["discrete"] and metadata["action_space_size"] == 1))
    seed = data.draw(strategies.seeds())
    with x64(dtype):
        jax_model, torch_model = build_pair(model_type, metadata, seed, "jax->torch")
        assert compare(jax_model, torch_model, seed=1).ok
        params = torch_model.canonical_params()
        name = data.draw(st.sampled_from(sorted(params)), label="parameter")
        flat = params[name].reshape(-1).copy()
        index = data.draw(st.integers(0, flat.size - 1), label="index")
        flat[index] += 1e-3 * max(abs(flat[index]), 0.1)  # a 0.1% nudge, far below what training moves
        params[name] = flat.reshape(params[name].shape)
        broken = rt.from_jax(jax_model)
        broken.load_canonical_params(params)
        report = compare(jax_model, broken, seed=1)
    assert not report.ok, f"a change to {name}[{index}] went unnoticed:\n{report}"
    flagged = {o.name for o in report.failures()}
    # A weight changes what the model computes, never its configuration or its held carry.
    assert not flagged & {"metadata", "held_carry"}, f"{name}[{index}] flagged {sorted(flagged)}:\n{report}"
    if name.startswith("critic."):  # the value head (and the ActorCritic critic torso) feed the value only
        assert flagged <= {"value", "gradients"}, f"{name}[{index}] flagged {sorted(flagged)}:\n{report}"
    if name.startswith(("actor_", "log_std")):  # the policy's own parameters never touch the value
        assert not flagged & {"value", "carry"}, f"{name}[{index}] flagged {sorted(flagged)}:\n{report}"


def test_a_different_configuration_is_reported():
    jax_model, torch_model = build_pair("SharedActorCritic", {
        "observation_space_size": 3, "action_space_size": 2, "activation": "tanh", "action_space": None,
        "actor_sigma_head": False, "discrete": False, "dtype": "float32", "architecture": [4],
        "in_scale": 1.0, "actor_scale": 1.0, "critic_scale": 1.0,
    }, 0, "jax->torch")  # fmt: skip
    other = rt.SharedActorCritic(3, 2, key=0, architecture=[4], activation="tanh", in_scale=2.0)
    other.load_canonical_params(torch_model.canonical_params())
    report = compare(jax_model, other, gradients=False)
    assert report["metadata"].ratio == np.inf and not report.ok
