"""The committed golden files, written by rlmodels_jax (``tests/golden``), still
describe what each backend computes: JAX keeps computing it, and torch
reproduces it from JAX's checkpoints without JAX."""

import pathlib

import numpy as np
import pytest
import safetensors.numpy

from rlmodels_common.carry import entries, from_entries
from rlmodels_common.contract import carry_shapes
from tests.golden.cases import CASES, STEPS, check

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"


def outputs(backend, model, pi, value, actions):
    """The policy's outputs at ``actions``, as numpy."""
    out = {"value": value, "entropy": pi.entropy(), "deterministic": backend.rb.deterministic_action(pi),
           "log_prob": pi.log_prob(actions)}  # fmt: skip
    if model.discrete:
        out["logits"] = pi.logits
    else:
        out["loc"], out["scale"] = backend.gaussian(pi)
    return {k: backend.numpy(v) for k, v in out.items()}


def as_array(backend, a):
    return backend.array(a, a.dtype.name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_outputs_are_reproduced(backend, name):
    model_type, config = CASES[name]
    dtype = config.get("dtype", "float32")
    want = safetensors.numpy.load_file(str(GOLDEN / name / "expected.safetensors"))
    with backend.precision(dtype), backend.no_grad():
        model = backend.rb.load(GOLDEN / name / "checkpoint")
        assert model.type_name == model_type and model.dtype == dtype
        names = list(carry_shapes(model_type, model.metadata))
        if not names:
            pi, value = model(want["x"])
            check(outputs(backend, model, pi, value, as_array(backend, want["actions"])), want, "out.", dtype)
            return
        xs, masks = want["xs"], want["masks"].astype(bool)
        for t in range(STEPS):
            pi, value = model(xs[t])
            check(outputs(backend, model, pi, value, as_array(backend, want[f"step{t}.actions"])), want, f"step{t}.out.", dtype)
            model.reset(xs[t].shape, mask=masks[t])
            check({n: backend.numpy(a) for n, a in zip(names, entries(model.carry))}, want, f"step{t}.", dtype)
        carry = from_entries(tuple(as_array(backend, want[f"seq.{n}0"]) for n in names))
        pi, value = model(xs, sequence=True, done=masks, initial_carry=carry)
        check(outputs(backend, model, pi, value, as_array(backend, want["seq.actions"])), want, "seq.out.", dtype)
