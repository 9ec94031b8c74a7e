"""Cross-loading without JAX: checkpoints written by rlmodels_jax load here and
reproduce the outputs the JAX model gave (``tests/golden``)."""

import pathlib

import pytest
import safetensors.numpy
import torch

import rlmodels_torch as rt
from rlmodels_common.carry import entries, from_entries
from rlmodels_common.contract import carry_shapes
from tests.golden.cases import CASES, STEPS, check

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"


def outputs(model, pi, value, actions):
    out = {"value": value, "entropy": pi.entropy(), "deterministic": rt.deterministic_action(pi),
           "log_prob": pi.log_prob(actions)}  # fmt: skip
    if model.discrete:
        out["logits"] = pi.logits
    else:
        out["loc"], out["scale"] = pi.distribution.base_dist.loc, pi.distribution.base_dist.scale
    return out


def numpy(outputs):
    return {k: v.numpy() for k, v in outputs.items()}


@pytest.mark.parametrize("name", sorted(CASES))
@torch.no_grad()
def test_golden_outputs_are_reproduced(name):
    model_type, config = CASES[name]
    dtype = config.get("dtype", "float32")
    want = safetensors.numpy.load_file(str(GOLDEN / name / "expected.safetensors"))
    model = rt.load(GOLDEN / name / "checkpoint")
    assert model.type_name == model_type and model.dtype == dtype
    names = list(carry_shapes(model_type, model.metadata))
    if not names:
        pi, value = model(want["x"])
        actions = torch.as_tensor(want["actions"])
        check(numpy(outputs(model, pi, value, actions)), want, "out.", dtype)
        return
    xs, masks = want["xs"], want["masks"].astype(bool)
    for t in range(STEPS):
        pi, value = model(xs[t])
        actions = torch.as_tensor(want[f"step{t}.actions"])
        check(numpy(outputs(model, pi, value, actions)), want, f"step{t}.out.", dtype)
        model.reset(xs[t].shape, mask=masks[t])
        check(numpy(dict(zip(names, entries(model.carry)))), want, f"step{t}.", dtype)
    carry = from_entries(tuple(torch.as_tensor(want[f"seq.{n}0"]) for n in names))
    pi, value = model(xs, sequence=True, done=masks, initial_carry=carry)
    actions = torch.as_tensor(want["seq.actions"])
    check(numpy(outputs(model, pi, value, actions)), want, "seq.out.", dtype)
