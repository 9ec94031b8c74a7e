"""torch's transformations of every model: torch.compile, torch.jit.trace,
.to() and state_dict (the shared model contract is in tests/backends/test_models.py)."""

import numpy as np
import pytest
import torch

import rlmodels_torch as rt
from rlmodels_common.carry import entries, from_entries
from rlmodels_common.contract import carry_shapes
from tests.agree import assert_agree
from tests.backends.builders import MODEL_TYPES, build, observations, randomize
from tests.backends.torch_backend import BACKEND


def act(model, x):
    """The act path: forward, sample, log_prob of the sample, value."""
    pi, value = model(x)
    action = pi.sample()
    return action, pi.log_prob(action), value


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_torch_compile_runs_the_act_path(model_type):
    model = build(BACKEND, model_type, action_space=rt.Box(-1.0, 1.0))
    randomize(model)
    x = observations(BACKEND, (4,))
    compiled = torch.compile(act)
    with torch.no_grad():
        torch.manual_seed(0)
        eager = act(model, x)
        eager_carry = [a.clone() for a in entries(model.carry)]
        model.reset(x.shape)
        torch.manual_seed(0)
        got = compiled(model, x)
    for a, b in zip(got, eager):
        assert_agree(a, b)
    for a, b in zip(entries(model.carry), eager_carry):  # the compiled step updated the stored carry
        assert_agree(a, b)
    assert len(eager_carry) == len(carry_shapes(model_type, model.metadata))


class Deterministic(torch.nn.Module):
    """The deterministic policy and value; for a recurrent model, one step with the carry
    passed in and out (a trace cannot record the persistent carry's update)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x, *carry):
        if carry:
            pi, value, carry = self.model.step(x, from_entries(carry))
            return rt.deterministic_action(pi), value, *entries(carry)
        pi, value = self.model(x)
        return rt.deterministic_action(pi), value


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning", "ignore:`torch.jit.trace:DeprecationWarning")
@pytest.mark.parametrize("model_type", MODEL_TYPES)
@pytest.mark.parametrize("discrete", [False, True])
def test_torch_jit_trace_runs_the_deterministic_path(model_type, discrete):
    model = build(BACKEND, model_type, discrete=discrete, **({} if discrete else {"action_space": rt.MaxNorm(2.0)}))
    randomize(model)
    policy = Deterministic(model)
    carry = tuple(torch.zeros(4, *shape) for shape in carry_shapes(model_type, model.metadata).values())
    with torch.no_grad():
        traced = torch.jit.trace(policy, (observations(BACKEND, (4,)), *carry))
        eager_carry = traced_carry = carry
        for seed in range(3):  # new inputs (and carries) each step: nothing was frozen into the trace
            x = observations(BACKEND, (4,), seed=seed + 10)
            want, got = policy(x, *eager_carry), traced(x, *traced_carry)
            for a, b in zip(got, want):
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
            eager_carry, traced_carry = want[2:], got[2:]


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_to_double_and_state_dict_round_trip(model_type):
    model = build(BACKEND, model_type, action_space=rt.Box(-1.0, 2.0))
    randomize(model)
    x = observations(BACKEND, (3,)).double()
    double = build(BACKEND, model_type, action_space=rt.Box(-1.0, 2.0)).double()
    double.load_state_dict(model.state_dict())
    assert double.metadata["dtype"] == "float64"
    assert {v.dtype.name for v in double.canonical_params().values()} == {"float64"}
    pi64, v64 = double(x)
    pi32, v32 = model(x.float())
    assert v64.dtype == torch.float64
    np.testing.assert_allclose(v64.detach(), v32.detach(), rtol=1e-5, atol=1e-6)
    back = double.to(torch.float32)
    assert back.metadata["dtype"] == "float32"
    assert set(model.state_dict()) == set(back.state_dict())
