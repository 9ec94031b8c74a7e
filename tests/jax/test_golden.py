"""The committed golden files still describe what rlmodels_jax computes (the
torch tests hold torch to the same files)."""

import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import safetensors.numpy

import rlmodels_jax as rj
from rlmodels_common.carry import entries, from_entries
from rlmodels_common.contract import carry_shapes
from rlmodels_common.tolerances import entropy_scale, log_prob_scale, tolerance
from tests.golden.cases import CASES, STEPS

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"


def outputs(model, pi, value, actions):
    out = {"value": value, "entropy": pi.entropy(), "deterministic": rj.deterministic_action(pi),
           "log_prob": pi.log_prob(actions)}  # fmt: skip
    if model.discrete:
        out["logits"] = pi.logits
    else:
        out["loc"], out["scale"] = pi.distribution.loc, pi.distribution.scale_diag
    return out


def scales(model, pi, actions):
    """Magnitudes of the outputs that are sums of cancelling terms (see rlmodels_common.tolerances)."""
    if model.discrete:
        logits = np.abs(np.asarray(pi.logits)).max(-1)
        return {"log_prob": logits, "entropy": logits}
    loc, std = np.asarray(pi.distribution.loc), np.asarray(pi.distribution.scale_diag)
    x, log_det = model.bij.inverse_and_log_det(jnp.asarray(actions))
    return {
        "log_prob": log_prob_scale(np.asarray(x), loc, std, np.asarray(log_det)),
        "entropy": entropy_scale(std, np.asarray(model.bij.log_det_expectation(jnp.asarray(loc), jnp.asarray(std)))),
    }


def check(got, want, prefix, dtype, scale=None):
    tol, scale = tolerance(dtype), scale or {}
    for key, value in got.items():
        error = tol.error(np.asarray(value), want[f"{prefix}{key}"], scale.get(key))
        assert error <= 1, f"{prefix}{key}: {error:.3g} times the tolerance; got {np.asarray(value)}, want {want[prefix + key]}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_outputs_are_reproduced(name):
    model_type, config = CASES[name]
    dtype = config.get("dtype", "float32")
    want = safetensors.numpy.load_file(str(GOLDEN / name / "expected.safetensors"))
    with jax.enable_x64(dtype == "float64"):
        model = rj.load(GOLDEN / name / "checkpoint")
        assert model.type_name == model_type and model.dtype == dtype
        names = list(carry_shapes(model_type, model.metadata))
        if not names:
            pi, value = model(want["x"])
            actions = jnp.asarray(want["actions"])
            check(outputs(model, pi, value, actions), want, "out.", dtype, scales(model, pi, actions))
            return
        xs, masks = want["xs"], want["masks"].astype(bool)
        for t in range(STEPS):
            pi, value = model(xs[t])
            actions = jnp.asarray(want[f"step{t}.actions"])
            check(outputs(model, pi, value, actions), want, f"step{t}.out.", dtype, scales(model, pi, actions))
            model.reset(xs[t].shape, mask=masks[t])
            check(dict(zip(names, entries(model.carry))), want, f"step{t}.", dtype)
        pi, value = model(xs, sequence=True, done=masks, initial_carry=from_entries(tuple(want[f"seq.{n}0"] for n in names)))
        actions = jnp.asarray(want["seq.actions"])
        check(outputs(model, pi, value, actions), want, "seq.out.", dtype, scales(model, pi, actions))
