"""MinGRUActorCritic: parameters and initialisation, the one-array carry, reset,
and sequence mode (the linear-space recurrence) against stepping."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rlmodels_torch as rt
from tests.agree import assert_agree, assert_agree_at_scale
from rlmodels_common.reference import forward
from tests.numpy_oracle import mingru_rollout
from tests.torch.builders import build, observations, randomize

BATCHES = st.lists(st.integers(1, 3), max_size=2).map(tuple)
"""Batch shapes (), (B,) and (B0, B1)."""


def mingru(**kwargs):
    return build("MinGRUActorCritic", obs=4, act=3, **kwargs)  # hidden 6, gru 5, 2 layers


def shapes(model):
    return {k: v.shape for k, v in model.canonical_params().items()}


def test_defaults_follow_jaxdem():
    model = rt.MinGRUActorCritic(5, 2, key=0)
    meta = model.metadata
    assert (meta["hidden_features"], meta["gru_features"], meta["num_layers"]) == (64, 128, 1)
    assert (meta["remat"], meta["carry_leading_shape"], meta["activation"]) == (False, [], "gelu")
    assert model.carry.shape == (1, 128)
    assert "h" not in model.state_dict()  # the carry is state, not a parameter


def test_parameter_layout_with_and_without_proj_in():
    assert shapes(mingru(hidden_features=6, gru_features=5, num_layers=2)) == {
        "encoder.layers.0.kernel": (4, 6), "encoder.layers.0.bias": (6,),
        "proj_in.kernel": (6, 5), "proj_in.bias": (5,), "mingru_kernel": (2, 5, 15),
        "fused_head.kernel": (5, 4), "fused_head.bias": (4,), "log_std": (1, 3),
    }  # fmt: skip
    assert shapes(mingru(hidden_features=5, gru_features=5, num_layers=1, discrete=True)) == {
        "encoder.layers.0.kernel": (4, 5), "encoder.layers.0.bias": (5,), "mingru_kernel": (1, 5, 15),
        "fused_head.kernel": (5, 4), "fused_head.bias": (4,),
    }  # fmt: skip
    names = shapes(mingru(actor_sigma_head=True))
    assert names["actor_sigma.layers.0.kernel"] == (5, 3) and "log_std" not in names


def test_initialisation_is_jaxdems():
    params = mingru(hidden_features=6, gru_features=5, num_layers=3).canonical_params()
    for name in ("encoder.layers.0.kernel", "proj_in.kernel"):
        np.testing.assert_allclose(np.linalg.svd(params[name], compute_uv=False), np.sqrt(2), rtol=1e-5)
    for kernel in params["mingru_kernel"]:  # (H, 3H) per layer: orthonormal rows
        np.testing.assert_allclose(kernel @ kernel.T, np.eye(5), atol=1e-5)
    assert not np.allclose(params["mingru_kernel"][0], params["mingru_kernel"][1])
    head = params["fused_head.kernel"]
    np.testing.assert_allclose(np.linalg.svd(head[:, :3], compute_uv=False), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(head[:, 3]), 0.01, rtol=1e-5)
    for name in ("encoder.layers.0.bias", "proj_in.bias", "fused_head.bias", "log_std"):
        np.testing.assert_array_equal(params[name], 0.0)


@pytest.mark.parametrize("name", ["hidden_features", "gru_features", "num_layers"])
def test_sizes_must_be_positive(name):
    with pytest.raises(ValueError, match=rf"expected {name} to be a positive integer, got 0"):
        mingru(**{name: 0})


@pytest.mark.parametrize("config", [
    {"hidden_features": 6, "gru_features": 5, "num_layers": 3},
    {"hidden_features": 5, "gru_features": 5, "num_layers": 1, "discrete": True},
    {"hidden_features": 4, "gru_features": 7, "num_layers": 2, "actor_sigma_head": True},
])  # fmt: skip
@torch.no_grad()
def test_a_step_is_the_spec_s_in_float64(config):
    """Layers, highways and the fused head (mean or logits, then value) as the
    numpy oracle computes them from SPEC section 10, from a non-zero carry."""
    model = mingru(dtype="float64", **config)
    params = randomize(model)
    x = observations((3,)).double()
    carry = np.abs(np.random.default_rng(2).standard_normal((3, config["num_layers"], config["gru_features"])))
    pi, value, new = model.step(x, carry)
    want = forward(model.config, params, x.numpy(), carry)
    if model.discrete:
        assert_agree(pi.logits, want["logits"], "float64")
    else:
        assert_agree(pi.distribution.base_dist.loc, want["loc"], "float64")
        assert_agree(pi.distribution.base_dist.scale, want["scale"], "float64")
    assert_agree(value, want["value"], "float64")
    assert_agree(new, want["carry"], "float64")


@torch.no_grad()
def test_a_step_updates_the_persistent_carry_and_step_leaves_it_alone():
    model = mingru()
    randomize(model)
    x = observations((3,))
    model(x)
    first = model.carry.clone()
    assert first.shape == (3, 2, 5) and bool((first > 0).all())  # g > 0: a carry the model makes is positive
    model(x)
    assert not torch.allclose(model.carry, first)
    before = model.carry.clone()
    _, value, new = model.step(x, first)
    torch.testing.assert_close(model.carry, before, rtol=0, atol=0)
    model.carry = first
    _, want = model(x)
    torch.testing.assert_close(value, want, rtol=0, atol=0)
    torch.testing.assert_close(new, model.carry, rtol=0, atol=0)


def test_the_carry_setter_checks_and_casts():
    model = mingru()
    model.carry = np.ones((2, 3, 2, 5), np.float64)
    assert model.carry.shape == (2, 3, 2, 5) and model.carry.dtype == torch.float32
    with pytest.raises(ValueError, match=r"expected carry h of shape \(\*batch, 2, 5\), got \(3, 5\)"):
        model.carry = torch.zeros(3, 5)
    with pytest.raises(ValueError, match=r"expected carry h, one array \(\*batch, 2, 5\), got tuple of 2 items"):
        model.carry = (torch.zeros(3, 2, 5), torch.zeros(3, 2, 5))
    with pytest.raises(ValueError, match="expected carry h of a floating dtype, got torch.int32"):
        model.carry = torch.zeros((3, 2, 5), dtype=torch.int32)
    with pytest.raises(ValueError, match=r"expected carry h of shape \(3, 2, 5\), got \(2, 2, 5\)"):
        model.step(observations((3,)), torch.zeros(2, 2, 5))


def test_initial_carry_and_carry_leading_shape():
    model = mingru(carry_leading_shape=(2, 3))
    assert model.carry.shape == (2, 3, 2, 5) and model.metadata["carry_leading_shape"] == [2, 3]
    assert model.initial_carry((4,)).shape == (4, 2, 5) and not model.initial_carry((4,)).any()


@torch.no_grad()
def test_reset_branches():
    model = mingru()
    randomize(model)
    model(observations((4, 2)))
    h = model.carry.clone()
    model.reset((4, 2, 4), mask=np.array([True, False, False, True]))  # one flag per environment along axis 0
    assert not model.carry[[0, 3]].any()
    torch.testing.assert_close(model.carry[[1, 2]], h[[1, 2]], rtol=0, atol=0)
    model.reset(mask=np.eye(4, 2, dtype=bool))  # the carry's batch shape
    assert not model.carry[0, 0].any() and model.carry[1, 0].any()
    model.reset()
    assert model.carry.shape == (4, 2, 2, 5) and not model.carry.any()
    model.reset((6, 4))  # a new batch: zeros of it
    assert model.carry.shape == (6, 2, 5)
    with pytest.raises(ValueError, match=r"expected mask shape \(6,\) \(the carry's batch shape\), got \(3,\)"):
        model.reset(mask=np.zeros(3, bool))
    model(observations(()))
    model.reset(mask=np.bool_(True))
    assert model.carry.shape == (2, 5) and not model.carry.any()


def single_steps(model, x, done, carry):
    """The policy's mean (or logits), the values and the final carry from
    stepping through ``x`` ``(T, B..., obs)`` from ``carry`` (zeros if None),
    calling ``reset(mask=done[t])`` after each step."""
    model.carry = model.initial_carry(x.shape[1:-1]) if carry is None else carry
    heads, values = [], []
    for t in range(x.shape[0]):
        pi, value = model(x[t])
        heads.append(pi.logits if model.discrete else pi.distribution.base_dist.loc)
        values.append(value)
        model.reset(mask=done[t])
    return torch.stack(heads), torch.stack(values), model.carry


@st.composite
def rollouts(draw, dtype):
    """A MinGRU configuration, its weights' scale and seed, and a rollout with
    resets from an initial carry that may hold zeros, tiny and negative entries."""
    T, batch = draw(st.integers(1, 10)), draw(BATCHES)
    hidden = draw(st.integers(1, 6))
    config = {
        "hidden_features": hidden, "gru_features": draw(st.one_of(st.just(hidden), st.integers(1, 6))),
        "num_layers": draw(st.integers(1, 3)), "discrete": draw(st.booleans()),
    }  # fmt: skip
    width = 32 if dtype == "float32" else 64
    x = draw(hnp.arrays(dtype, (T, *batch, 4), elements=st.floats(-3, 3, width=width)))
    done = draw(hnp.arrays(bool, (T, *batch)))
    shape = (*batch, config["num_layers"], config["gru_features"])
    carry = draw(st.none() | hnp.arrays(dtype, shape, elements=st.floats(-2, 2, width=width)))
    return config, draw(st.floats(0.1, 2.0)), draw(st.integers(0, 2**16)), x, done, carry


@torch.no_grad()
def check_sequence_equals_stepping(config, scale, seed, x, done, carry, dtype):
    model = mingru(dtype=dtype, **config)
    randomize(model, seed, scale)
    model.reset((7, 4))  # the sequence must not depend on (or touch) the persistent carry
    before = model.carry.clone()
    x, done = torch.as_tensor(x), torch.as_tensor(done)
    pi, value, final = model(x, sequence=True, done=done, initial_carry=carry, return_carry=True)
    torch.testing.assert_close(model.carry, before, rtol=0, atol=0)
    heads, values, stepped = single_steps(model, x, done, carry)
    scales = mingru_rollout(model.metadata, model.canonical_params(), x.numpy(), done.numpy(), carry)
    head_scale = scales["mu_scale"]
    if model.discrete:  # Categorical's logits are log-softmax normalised
        head_scale = head_scale + head_scale.max(-1, keepdims=True)
    assert_agree_at_scale(pi.logits if model.discrete else pi.distribution.base_dist.loc, heads, head_scale, dtype, "mean or logits")
    assert_agree_at_scale(value, values, scales["value_scale"], dtype, "value")
    assert_agree_at_scale(final, stepped, scales["carry_scale"], dtype, "final carry")  # where stepping ends
    assert pi.batch_shape == x.shape[:-1] and value.shape == (*x.shape[:-1], 1)


@given(rollouts("float32"))
def test_sequence_with_done_equals_stepping_with_masked_resets(rollout):
    """To the float32 tolerance (rtol 1e-5, atol 1e-6) at the size of the
    terms each output was computed from (``tests.numpy_oracle.mingru_rollout``,
    in float64): the two are different float computations of one function, and
    with unbounded ``g`` and large weights the matmuls cancel (one drawn case:
    a logit of -1.4 from terms of size 9000), so rounding is a few eps of the
    terms, not of the result.
    Sequence mode loops the step itself over the batch flattened to rows,
    so the two differ only by how BLAS rounds products of other shapes (the
    encoder over all T steps, (1, obs) against (obs,) unbatched), carried
    through the layers and the head."""
    check_sequence_equals_stepping(*rollout, "float32")


@given(rollouts("float64"))
def test_in_float64_sequence_and_stepping_agree_to_the_float64_tolerance(rollout):
    """The same comparison at rtol 1e-9, atol 1e-11, 10^4 times tighter: a
    systematic difference (a reset one step off, a carry entry dropped) would
    show here even where float32 rounding hides it."""
    check_sequence_equals_stepping(*rollout, "float64")


@torch.no_grad()
def test_zero_tiny_and_negative_initial_carries_enter_exactly():
    model = mingru(dtype="float64", num_layers=1)
    randomize(model)
    x = observations((4, 3)).double()
    carry = torch.tensor([0.0, 1e-9, -1e-3, -0.7, 2.0], dtype=torch.float64).expand(3, 1, 5)
    _, value, final = model(x, sequence=True, initial_carry=carry, return_carry=True)
    _, values, stepped = single_steps(model, x, np.zeros((4, 3), bool), carry)
    assert_agree(value, values, "float64")
    assert_agree(final, stepped, "float64")


@torch.no_grad()
def test_a_reset_survives_what_log_space_cannot():
    """A reset is an exact zeroing here: where the log-space form (Heinsen's
    logcumsumexp, what a hand-written MinGRU trains with) gets -inf from a
    reset and NaN from it, sequence mode gets stepping's finite numbers."""
    model = mingru(num_layers=1, hidden_features=5)
    randomize(model)
    x = observations((6, 3))
    done = torch.zeros(6, 3, dtype=torch.bool)
    done[1, 0] = done[3, 2] = True
    _, value, final = model(x, sequence=True, done=done, return_carry=True)
    assert torch.isfinite(value).all() and torch.isfinite(final).all()
    assert_agree(value, single_steps(model, x, done, None)[1])
    hidden, gate, _ = (model._features(x) @ model.mingru_kernel[0]).chunk(3, -1)
    log_a = -torch.nn.functional.softplus(gate)
    log_a[1:][done[:-1]] = -torch.inf
    log_b = -torch.nn.functional.softplus(-gate) + torch.log(torch.where(hidden >= 0, hidden + 0.5, torch.sigmoid(hidden)))
    a_star = torch.cumsum(log_a, 0)
    naive = torch.exp(a_star + torch.logcumsumexp(log_b - a_star, 0))
    assert torch.isnan(naive).any()


def test_done_clears_a_non_finite_carry():
    model = mingru()
    randomize(model)
    x = observations((3, 2)).clone()
    x[0, 0] = torch.nan  # a bad observation in environment 0, whose episode then ends
    done = torch.zeros(3, 2, dtype=torch.bool)
    done[0, 0] = True
    with torch.no_grad():
        _, value = model(x, sequence=True, done=done)
        assert torch.isnan(value[0, 0]).all() and torch.isfinite(value[1:]).all()
        assert_agree(value, single_steps(model, x, done, None)[1])  # NaN where NaN
        carry = torch.full((2, 2, 5), torch.nan)
        done = torch.tensor([[True, False], [False, False]])
        _, value, final = model(x[1:], sequence=True, done=done, initial_carry=carry, return_carry=True)
    assert torch.isnan(value[:, 1]).all() and torch.isfinite(value[1, 0]).all() and torch.isfinite(final[0]).all()


def test_gradients_of_the_sequence_equal_stepping():
    model = mingru(dtype="float64", actor_sigma_head=True, action_space=rt.Box(-1.0, 1.0))
    randomize(model)
    x = observations((6, 3)).double()
    done = torch.as_tensor(np.random.default_rng(0).random((6, 3)) < 0.4)
    carry = 0.5 * observations((3, 2), obs=5, seed=3).double().abs()
    actions = torch.full((6, 3, 3), 0.2, dtype=torch.float64)

    def grads(loss):
        model.zero_grad()
        loss.backward()
        return model.canonical_grads()

    pi, value = model(x, sequence=True, done=done, initial_carry=carry)
    by_sequence = grads(torch.sum(pi.log_prob(actions) + pi.entropy() + value[..., 0]))
    h, total = carry, 0.0
    for t in range(6):
        pi, value, h = model.step(x[t], h)
        total = total + torch.sum(pi.log_prob(actions[t]) + pi.entropy() + value[..., 0])
        h = torch.where(done[t][:, None, None], 0.0, h)
    by_steps = grads(total)
    for name, grad in by_sequence.items():
        assert np.isfinite(grad).all() and np.any(grad != 0), name
        assert_agree(grad, by_steps[name], "float64", err_msg=name)


@torch.no_grad()
def test_an_empty_sequence_gives_empty_outputs_and_the_initial_carry():
    model = mingru()
    carry = torch.ones(2, 3, 2, 5)
    for done in (None, np.zeros((0, 2, 3), bool)):
        pi, value, final = model(observations((0, 2, 3)), sequence=True, done=done, initial_carry=carry, return_carry=True)
        assert value.shape == (0, 2, 3, 1) and pi.batch_shape == (0, 2, 3)
        torch.testing.assert_close(final, carry, rtol=0, atol=0)


def test_sequence_argument_errors_name_expected_and_actual():
    model = mingru()
    x = observations((5, 2))
    with pytest.raises(ValueError, match=r"expected done shape \(5, 2\) \(T, B...\), got \(5,\)"):
        model(x, sequence=True, done=np.zeros(5, bool))
    with pytest.raises(ValueError, match=r"expected initial_carry h of shape \(2, 2, 5\), got \(2, 5\)"):
        model(x, sequence=True, initial_carry=torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"sequence mode expects time-major \(T, B..., 4\), got \(4,\)"):
        model(x[0, 0], sequence=True)
    with pytest.raises(ValueError, match="initial_carry and done apply to sequence mode"):
        model(x[0], done=np.zeros(2, bool))


@torch.no_grad()
def test_remat_is_recorded_and_changes_nothing():
    plain, remat = mingru(), mingru(remat=True)
    remat.load_canonical_params(randomize(plain))
    x = observations((6, 3))
    torch.testing.assert_close(remat(x, sequence=True)[1], plain(x, sequence=True)[1], rtol=0, atol=0)
    assert remat.metadata["remat"] is True


def test_a_rollout_carry_made_under_inference_mode_trains():
    model = mingru()
    randomize(model)
    with torch.inference_mode():
        model(observations((3,)))
        start = model.carry
    _, value = model(observations((4, 3)), sequence=True, initial_carry=start)
    value.sum().backward()
    assert model.mingru_kernel.grad is not None and torch.isfinite(model.mingru_kernel.grad).all()
    _, value = model(observations((3,)))  # the persistent carry, an inference tensor, steps with grad
    value.sum().backward()
