"""Cross-loading without JAX: checkpoints written by rlmodels_jax load here and
reproduce the outputs the JAX model gave (``tests/golden``)."""

import pathlib

import pytest
import safetensors.numpy
import torch

import rlmodels_torch as rt
from rlmodels_common.carry import entries, from_entries
from rlmodels_common.contract import carry_shapes
from rlmodels_common.tolerances import entropy_scale, log_prob_scale, tolerance
from tests.golden.cases import CASES, STEPS

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"


def outputs(model, pi, value, actions):
    out = {"value": value, "entropy": pi.entropy(), "deterministic": rt.deterministic_action(pi),
           "log_prob": pi.log_prob(actions)}  # fmt: skip
    if model.discrete:
        out["logits"] = pi.logits
    else:
        out["loc"], out["scale"] = pi.distribution.base_dist.loc, pi.distribution.base_dist.scale
    return out


def scales(model, pi, actions):
    """Magnitudes of the outputs that are sums of cancelling terms (see rlmodels_common.tolerances)."""
    if model.discrete:
        logits = pi.logits.abs().amax(-1).numpy()
        return {"log_prob": logits, "entropy": logits}
    normal = pi.distribution.base_dist
    x, log_det = model.bij.inverse_and_log_det(actions)
    return {
        "log_prob": log_prob_scale(x.numpy(), normal.loc.numpy(), normal.scale.numpy(), log_det.numpy()),
        "entropy": entropy_scale(normal.scale.numpy(), model.bij.log_det_expectation(normal.loc, normal.scale).numpy()),
    }


def check(got, want, prefix, dtype, scale=None):
    tol, scale = tolerance(dtype), scale or {}
    for key, value in got.items():
        error = tol.error(value.numpy(), want[f"{prefix}{key}"], scale.get(key))
        assert error <= 1, f"{prefix}{key}: {error:.3g} times the tolerance; got {value.numpy()}, want {want[prefix + key]}"


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
        check(outputs(model, pi, value, actions), want, "out.", dtype, scales(model, pi, actions))
        return
    xs, masks = want["xs"], want["masks"].astype(bool)
    for t in range(STEPS):
        pi, value = model(xs[t])
        actions = torch.as_tensor(want[f"step{t}.actions"])
        check(outputs(model, pi, value, actions), want, f"step{t}.out.", dtype, scales(model, pi, actions))
        model.reset(xs[t].shape, mask=masks[t])
        check(dict(zip(names, entries(model.carry))), want, f"step{t}.", dtype)
    carry = from_entries(tuple(torch.as_tensor(want[f"seq.{n}0"]) for n in names))
    pi, value = model(xs, sequence=True, done=masks, initial_carry=carry)
    actions = torch.as_tensor(want["seq.actions"])
    check(outputs(model, pi, value, actions), want, "seq.out.", dtype, scales(model, pi, actions))
