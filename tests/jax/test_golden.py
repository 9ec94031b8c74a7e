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
from tests.golden.cases import CASES, STEPS, check

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"


def outputs(model, pi, value, actions):
    out = {"value": value, "entropy": pi.entropy(), "deterministic": rj.deterministic_action(pi),
           "log_prob": pi.log_prob(actions)}  # fmt: skip
    if model.discrete:
        out["logits"] = pi.logits
    else:
        out["loc"], out["scale"] = pi.distribution.loc, pi.distribution.scale_diag
    return out


def numpy(outputs):
    return {k: np.asarray(v) for k, v in outputs.items()}


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
            check(numpy(outputs(model, pi, value, actions)), want, "out.", dtype)
            return
        xs, masks = want["xs"], want["masks"].astype(bool)
        for t in range(STEPS):
            pi, value = model(xs[t])
            actions = jnp.asarray(want[f"step{t}.actions"])
            check(numpy(outputs(model, pi, value, actions)), want, f"step{t}.out.", dtype)
            model.reset(xs[t].shape, mask=masks[t])
            check(numpy(dict(zip(names, entries(model.carry)))), want, f"step{t}.", dtype)
        pi, value = model(xs, sequence=True, done=masks, initial_carry=from_entries(tuple(want[f"seq.{n}0"] for n in names)))
        actions = jnp.asarray(want["seq.actions"])
        check(numpy(outputs(model, pi, value, actions)), want, "seq.out.", dtype)
