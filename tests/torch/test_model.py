"""What every model shares: outputs against the numpy oracle, shapes, argument
checks, metadata, canonical parameters, and torch's transformations
(autograd, torch.compile, torch.jit.trace, .to(), state_dict)."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import Categorical, Independent

import rlmodels_torch as rt
from rlmodels_common.checkpoint_format import CheckpointError
from rlmodels_common.carry import entries, from_entries
from rlmodels_common.contract import carry_shapes
from rlmodels_common.reference import forward
from tests.agree import assert_agree
from tests.torch.builders import BATCH_SHAPES, MODEL_TYPES, build, configs, observations, randomize


@given(config=configs(), batch=st.sampled_from(BATCH_SHAPES), seed=st.integers(0, 2**16))
def test_outputs_match_the_numpy_oracle(config, batch, seed):
    model_type, kwargs = config
    model = rt.Model.create(model_type, key=seed, dtype="float64", **kwargs)
    params = randomize(model, seed)
    x = np.random.default_rng(seed + 1).standard_normal((*batch, kwargs["observation_space_size"]))
    carry = None
    if shapes := carry_shapes(model_type, model.metadata):  # step from a non-zero carry
        rng = np.random.default_rng(seed + 2)
        carry = from_entries(tuple(rng.standard_normal((*batch, *shape)) for shape in shapes.values()))
        model.carry = carry
    with torch.no_grad():
        pi, value = model(x)
    want = forward(model.config, params, x, carry)
    np.testing.assert_allclose(value, want["value"], rtol=1e-10, atol=1e-12)
    if kwargs["discrete"]:
        # Categorical normalises its logits (log-softmax).
        logits = want["logits"]
        np.testing.assert_allclose(pi.logits, logits, rtol=1e-10, atol=1e-12)
    else:
        normal = pi.distribution.base_dist
        np.testing.assert_allclose(normal.loc, want["loc"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(normal.scale, want["scale"], rtol=1e-10, atol=1e-12)
    for got, expected in zip(entries(model.carry if carry is not None else None), entries(want.get("carry"))):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
@pytest.mark.parametrize("discrete", [False, True])
@pytest.mark.parametrize("batch", BATCH_SHAPES)
def test_output_shapes(model_type, discrete, batch):
    model = build(model_type, obs=4, act=3, discrete=discrete)
    pi, value = model(observations(batch))
    assert value.shape == (*batch, 1)
    assert pi.batch_shape == batch
    action = pi.sample()
    assert pi.log_prob(action).shape == batch
    assert pi.entropy().shape == batch
    if discrete:
        assert isinstance(pi, Categorical) and action.shape == batch
        assert rt.deterministic_action(pi).shape == batch
    else:
        assert isinstance(pi, rt.Transformed) and isinstance(pi.distribution, Independent)
        assert action.shape == (*batch, 3)
        assert rt.deterministic_action(pi).shape == (*batch, 3)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_wrong_observation_width_names_expected_and_actual(model_type):
    model = build(model_type, obs=8)
    with pytest.raises(ValueError, match=r"expected observation last dim 8, got \(32, 5\)"):
        model(torch.zeros((32, 5)))
    with pytest.raises(ValueError, match=r"expected observation last dim 8, got \(\)"):
        model(torch.zeros(()))


@pytest.mark.parametrize("model_type", MODEL_TYPES)
@pytest.mark.parametrize("name, value", [
    ("observation_space_size", 0), ("action_space_size", -2), ("action_space_size", 2.5),
    ("observation_space_size", True),
])
def test_non_positive_sizes_are_rejected(model_type, name, value):
    kwargs = {"observation_space_size": 4, "action_space_size": 3, name: value}
    with pytest.raises(ValueError, match=rf"expected {name} to be a positive integer, got {value!r}"):
        rt.Model.create(model_type, key=0, **kwargs)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_discrete_models_refuse_continuous_options(model_type):
    with pytest.raises(ValueError, match=r"action_space applies to continuous actions only, got Box"):
        build(model_type, discrete=True, action_space=rt.Box(-1.0, 1.0))
    with pytest.raises(ValueError, match="actor_sigma_head applies to continuous actions only"):
        build(model_type, discrete=True, actor_sigma_head=True)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_box_bounds_must_match_the_action_size(model_type):
    with pytest.raises(ValueError, match=r"expected Box bounds of length 3 \(action_space_size\) or scalars, got length 2"):
        build(model_type, act=3, action_space=rt.Box([-1.0, -1.0], [1.0, 1.0]))


def test_action_space_and_key_types_are_checked():
    with pytest.raises(TypeError, match="expected an ActionSpace"):
        build("SharedActorCritic", action_space="Box")
    with pytest.raises(TypeError, match="expected key to be a torch.Generator or an int seed, got str"):
        build("SharedActorCritic", key="0")


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_key_decides_the_initial_parameters(model_type):
    a, b, c = build(model_type, key=1), build(model_type, key=torch.Generator().manual_seed(1)), build(model_type, key=2)
    pa, pb, pc = a.canonical_params(), b.canonical_params(), c.canonical_params()
    for name in pa:
        np.testing.assert_array_equal(pa[name], pb[name])
    assert any(not np.array_equal(pa[n], pc[n]) for n in pa)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_unregistered_activation_runs_but_cannot_be_described(model_type):
    model = build(model_type, activation=lambda x: torch.sin(x))
    model(observations((2,)))
    with pytest.raises(ValueError, match=r"is not registered.*register_activation"):
        model.metadata


@given(configs())
def test_metadata_rebuilds_an_equivalent_model(config):
    model_type, kwargs = config
    model = rt.Model.create(model_type, key=0, **kwargs)
    again = rt.Model.from_metadata(model_type, model.metadata)
    assert type(again) is type(model)
    assert again.metadata == model.metadata
    assert {k: v.shape for k, v in again.canonical_params().items()} == {
        k: v.shape for k, v in model.canonical_params().items()
    }


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_load_canonical_params_rejects_mismatches_and_changes_nothing(model_type):
    model = build(model_type)
    before = model.canonical_params()
    bad = {k: np.zeros_like(v) for k, v in before.items()}
    name = sorted(bad)[0]
    bad[name] = np.zeros((7, 7), np.float32)
    bad["extra.kernel"] = np.zeros(1, np.float32)
    with pytest.raises(CheckpointError, match=rf"unexpected keys \['extra.kernel'\].*'{name}': expected shape"):
        model.load_canonical_params(bad)
    for k, v in model.canonical_params().items():
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_gradients_reach_every_trainable_parameter(model_type):
    model = build(model_type, action_space=rt.Box(-1.0, 1.0))
    randomize(model)
    model(observations((5,)))  # a second step, so the LSTM's recurrent kernel matters
    pi, value = model(observations((5,)))
    (pi.log_prob(torch.full((5, 3), 0.3)) + pi.entropy() + value[..., 0]).sum().backward()
    for name, p in model.named_parameters():
        if p.requires_grad:
            assert p.grad is not None and torch.all(torch.isfinite(p.grad)) and torch.any(p.grad != 0), name


def act(model, x):
    """The act path: forward, sample, log_prob of the sample, value."""
    pi, value = model(x)
    action = pi.sample()
    return action, pi.log_prob(action), value


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_torch_compile_runs_the_act_path(model_type):
    model = build(model_type, action_space=rt.Box(-1.0, 1.0))
    randomize(model)
    x = observations((4,))
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
    model = build(model_type, discrete=discrete, **({} if discrete else {"action_space": rt.MaxNorm(2.0)}))
    randomize(model)
    policy = Deterministic(model)
    carry = tuple(torch.zeros(4, *shape) for shape in carry_shapes(model_type, model.metadata).values())
    with torch.no_grad():
        traced = torch.jit.trace(policy, (observations((4,)), *carry))
        eager_carry = traced_carry = carry
        for seed in range(3):  # new inputs (and carries) each step: nothing was frozen into the trace
            x = observations((4,), seed=seed + 10)
            want, got = policy(x, *eager_carry), traced(x, *traced_carry)
            for a, b in zip(got, want):
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
            eager_carry, traced_carry = want[2:], got[2:]


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_to_double_and_state_dict_round_trip(model_type):
    model = build(model_type, action_space=rt.Box(-1.0, 2.0))
    randomize(model)
    x = observations((3,)).double()
    double = build(model_type, action_space=rt.Box(-1.0, 2.0)).double()
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
