"""MinGRUActorCritic: parameters and initialisation, the one-array carry, reset,
and sequence mode (JAX: a log-space parallel scan; torch: the step looped over
time) against stepping."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmodels_common.reference import forward
from tests.agree import assert_agree, assert_agree_at_scale
from tests.backends.builders import batch_shapes, build, observations, randomize, shapes, sizes
from tests.numpy_oracle import mingru_rollout


def mingru(backend, **kwargs):
    return build(backend, "MinGRUActorCritic", obs=4, act=3, **kwargs)  # hidden 6, gru 5, 2 layers


def test_defaults_follow_jaxdem(backend):
    model = backend.rb.MinGRUActorCritic(5, 2, key=0)
    meta = model.metadata
    assert (meta["hidden_features"], meta["gru_features"], meta["num_layers"]) == (64, 128, 1)
    assert (meta["remat"], meta["carry_leading_shape"], meta["activation"]) == (False, [], "gelu")
    assert model.carry.shape == (1, 128)


def test_parameter_layout_with_and_without_proj_in(backend):
    assert shapes(mingru(backend, hidden_features=6, gru_features=5, num_layers=2)) == {
        "encoder.layers.0.kernel": (4, 6), "encoder.layers.0.bias": (6,),
        "proj_in.kernel": (6, 5), "proj_in.bias": (5,), "mingru_kernel": (2, 5, 15),
        "fused_head.kernel": (5, 4), "fused_head.bias": (4,), "log_std": (1, 3),
    }  # fmt: skip
    assert shapes(mingru(backend, hidden_features=5, gru_features=5, num_layers=1, discrete=True)) == {
        "encoder.layers.0.kernel": (4, 5), "encoder.layers.0.bias": (5,), "mingru_kernel": (1, 5, 15),
        "fused_head.kernel": (5, 4), "fused_head.bias": (4,),
    }  # fmt: skip
    names = shapes(mingru(backend, actor_sigma_head=True))
    assert names["actor_sigma.layers.0.kernel"] == (5, 3) and "log_std" not in names


def test_initialisation_is_jaxdems(backend):
    params = mingru(backend, hidden_features=6, gru_features=5, num_layers=3).canonical_params()
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
def test_sizes_must_be_positive(backend, name):
    with pytest.raises(ValueError, match=rf"expected {name} to be a positive integer, got 0"):
        mingru(backend, **{name: 0})


@pytest.mark.parametrize("config", [
    {"hidden_features": 6, "gru_features": 5, "num_layers": 3},
    {"hidden_features": 5, "gru_features": 5, "num_layers": 1, "discrete": True},
    {"hidden_features": 4, "gru_features": 7, "num_layers": 2, "actor_sigma_head": True},
])  # fmt: skip
def test_a_step_is_the_spec_s_in_float64(backend, config):
    """Layers, highways and the fused head (mean or logits, then value) as the
    numpy oracle computes them from SPEC section 10, from a non-zero carry."""
    with backend.float64(), backend.no_grad():
        model = mingru(backend, dtype="float64", **config)
        params = randomize(model)
        x = backend.array(observations(backend, (3,)), "float64")
        carry = np.abs(np.random.default_rng(2).standard_normal((3, config["num_layers"], config["gru_features"])))
        pi, value, new = model.step(x, carry)
        want = forward(model.config, params, backend.numpy(x), carry)
        if model.discrete:  # Categorical's logits are log-softmax normalised
            assert_agree(backend.numpy(pi.logits), want["logits"], "float64")
        else:
            loc, scale = backend.gaussian(pi)
            assert_agree(backend.numpy(loc), want["loc"], "float64")
            assert_agree(backend.numpy(scale), want["scale"], "float64")
        assert_agree(backend.numpy(value), want["value"], "float64")
        assert_agree(backend.numpy(new), want["carry"], "float64")


def test_a_step_updates_the_persistent_carry_and_step_leaves_it_alone(backend):
    model = mingru(backend)
    randomize(model)
    x = observations(backend, (3,))
    with backend.no_grad():
        model(x)
        first_ = backend.numpy(model.carry)
        first = backend.array(first_)
        assert first_.shape == (3, 2, 5) and np.all(first_ > 0)  # g > 0: a carry the model makes is positive
        model(x)
        assert not np.allclose(backend.numpy(model.carry), first_)
        before = backend.numpy(model.carry)
        _, value, new = model.step(x, first)
        np.testing.assert_array_equal(backend.numpy(model.carry), before)
        model.carry = first
        _, want = model(x)
        np.testing.assert_array_equal(backend.numpy(value), backend.numpy(want))
        np.testing.assert_array_equal(backend.numpy(new), backend.numpy(model.carry))


def test_the_carry_setter_checks_and_casts(backend):
    model = mingru(backend)
    model.carry = np.ones((2, 3, 2, 5), np.float64)
    assert model.carry.shape == (2, 3, 2, 5) and model.carry.dtype == backend.dtype("float32")
    for array in (np.asarray, backend.array):  # numpy or the framework's own arrays
        with pytest.raises(ValueError, match=r"expected carry h of shape \(\*batch, 2, 5\), got \(3, 5\)"):
            model.carry = array(np.zeros((3, 5), np.float32))
        with pytest.raises(ValueError, match=r"expected carry h, one array \(\*batch, 2, 5\), got tuple of 2 items"):
            model.carry = (array(np.zeros((3, 2, 5))), array(np.zeros((3, 2, 5))))
        with pytest.raises(ValueError, match=f"expected carry h of a floating dtype, got {backend.dtype_repr('int32')}$"):
            model.carry = array(np.zeros((3, 2, 5), np.int32), "int32")
        with pytest.raises(ValueError, match=r"expected carry h of shape \(3, 2, 5\), got \(2, 2, 5\)"):
            model.step(observations(backend, (3,)), array(np.zeros((2, 2, 5), np.float32)))


def test_initial_carry_and_carry_leading_shape(backend):
    model = mingru(backend, carry_leading_shape=(2, 3))
    assert model.carry.shape == (2, 3, 2, 5) and model.metadata["carry_leading_shape"] == [2, 3]
    assert model.initial_carry((4,)).shape == (4, 2, 5) and not model.initial_carry((4,)).any()


def test_reset_branches(backend):
    model = mingru(backend)
    randomize(model)
    with backend.no_grad():
        model(observations(backend, (4, 2)))
        h = backend.numpy(model.carry)
        model.reset((4, 2, 4), mask=np.array([True, False, False, True]))  # one flag per environment along axis 0
        np.testing.assert_array_equal(backend.numpy(model.carry)[[0, 3]], 0.0)
        np.testing.assert_array_equal(backend.numpy(model.carry)[[1, 2]], h[[1, 2]])
        model.reset(mask=np.eye(4, 2, dtype=bool))  # the carry's batch shape
        assert not model.carry[0, 0].any() and model.carry[1, 0].any()
        model.reset()
        assert model.carry.shape == (4, 2, 2, 5) and not model.carry.any()
        for explicitly in (False, True):  # an unbatched carry from the next step, or from reset first
            model.reset((6, 4))  # a new batch: zeros of it
            assert model.carry.shape == (6, 2, 5)
            with pytest.raises(ValueError, match=r"expected mask shape \(6,\) \(the carry's batch shape\), got \(3,\)"):
                model.reset(mask=np.zeros(3, bool))
            if explicitly:
                model.reset((4,))
            model(observations(backend, ()))
            model.reset(mask=np.bool_(True))
            assert model.carry.shape == (2, 5) and not model.carry.any()


def single_steps(backend, model, x, done, carry):
    """The policy's mean (or logits), the values (numpy) and the final carry
    from stepping through ``x`` ``(T, B..., obs)`` from ``carry`` (zeros if
    None), calling ``reset(mask=done[t])`` after each step."""
    model.carry = model.initial_carry(x.shape[1:-1]) if carry is None else carry
    heads, values = [], []
    for t in range(x.shape[0]):
        pi, value = model(x[t])
        heads.append(backend.numpy(pi.logits if model.discrete else backend.gaussian(pi)[0]))
        values.append(backend.numpy(value))
        model.reset(mask=done[t])
    return np.stack(heads), np.stack(values), model.carry


@st.composite
def rollouts(draw, backend, dtype):
    """A MinGRU configuration, its weights' scale and seed, and a rollout with
    resets from an initial carry that may hold zeros, tiny and negative entries."""
    # JAX draws sizes from few values under ci: each new shape compiles the scan afresh.
    T, batch = draw(sizes(backend, 1, 10)), draw(batch_shapes(backend))
    hidden = draw(sizes(backend, 1, 6))
    config = {
        "hidden_features": hidden, "gru_features": draw(st.one_of(st.just(hidden), sizes(backend, 1, 6))),
        "num_layers": draw(sizes(backend, 1, 3)), "discrete": draw(st.booleans()),
    }  # fmt: skip
    width = 32 if dtype == "float32" else 64
    x = draw(hnp.arrays(dtype, (T, *batch, 4), elements=st.floats(-3, 3, width=width)))
    done = draw(hnp.arrays(bool, (T, *batch)))
    shape = (*batch, config["num_layers"], config["gru_features"])
    carry = draw(st.none() | hnp.arrays(dtype, shape, elements=st.floats(-2, 2, width=width)))
    return config, draw(st.floats(0.1, 2.0)), draw(st.integers(0, 2**16)), x, done, carry


def check_sequence_equals_stepping(backend, config, scale, seed, x, done, carry, dtype):
    model = mingru(backend, dtype=dtype, **config)
    randomize(model, seed, scale)
    model.reset((7, 4))  # the sequence must not depend on (or touch) the persistent carry
    before = backend.numpy(model.carry)
    scales = mingru_rollout(model.metadata, model.canonical_params(), x, done, carry)
    with backend.no_grad():  # x, done and carry stay numpy: the models take it, and JAX compiles no slicing
        pi, value, final = model(x, sequence=True, done=done, initial_carry=carry, return_carry=True)
        np.testing.assert_array_equal(backend.numpy(model.carry), before)
        heads, values, stepped = single_steps(backend, model, x, done, carry)
    head_scale = scales["mu_scale"]
    if model.discrete:  # Categorical's logits are log-softmax normalised
        head_scale = head_scale + head_scale.max(-1, keepdims=True)
    head = pi.logits if model.discrete else backend.gaussian(pi)[0]
    assert_agree_at_scale(backend.numpy(head), heads, head_scale, dtype, "mean or logits")
    assert_agree_at_scale(backend.numpy(value), values, scales["value_scale"], dtype, "value")
    assert_agree_at_scale(backend.numpy(final), backend.numpy(stepped), scales["carry_scale"], dtype, "final carry")  # where stepping ends
    assert pi.batch_shape == x.shape[:-1] and value.shape == (*x.shape[:-1], 1)


@given(data=st.data())
def test_sequence_with_done_equals_stepping_with_masked_resets(backend, data):
    """To the float32 tolerance (rtol 1e-5, atol 1e-6) at the size of the
    terms each output was computed from (``tests.numpy_oracle.mingru_rollout``,
    in float64): the two are different float computations of one function, and
    with unbounded ``g`` and large weights the matmuls cancel (one drawn case:
    a logit of -1.4 from terms of size 9000), so rounding is a few eps of the
    terms, not of the result.
    JAX: stepping rounds ``(1 - w) h + w g`` once per step; the scan works on
    logarithms (relative error ~ eps |log h| per exp/log round trip) combined
    along a tree of depth log2(T), and adds ``h_0``'s share outside the log
    space: both a few eps from the exact values. torch: sequence mode loops the
    step itself over the batch flattened to rows, so the two differ only by how
    BLAS rounds products of other shapes (the encoder over all T steps, (1, obs)
    against (obs,) unbatched), carried through the layers and the head."""
    check_sequence_equals_stepping(backend, *data.draw(rollouts(backend, "float32"), label="rollout"), "float32")


@given(data=st.data())
def test_in_float64_sequence_and_stepping_agree_to_the_float64_tolerance(backend, data):
    """The same comparison at rtol 1e-9, atol 1e-11, 10^4 times tighter: a
    systematic difference (a reset one step off, a carry entry dropped or
    ``h_0`` entries treated as zero) would show here even where float32
    rounding hides it."""
    rollout = data.draw(rollouts(backend, "float64"), label="rollout")
    with backend.float64():
        check_sequence_equals_stepping(backend, *rollout, "float64")


def test_zero_tiny_and_negative_initial_carries_enter_exactly(backend):
    """JaxDEM's scan treats carry entries <= 1e-8 as 0; ours adds h_0 outside
    the log space (JAX) or steps (torch), so stepping and the sequence agree on
    every carry."""
    with backend.float64(), backend.no_grad():
        model = mingru(backend, dtype="float64", num_layers=1)
        randomize(model)
        x = backend.array(observations(backend, (4, 3)), "float64")
        carry = np.array([0.0, 1e-9, -1e-3, -0.7, 2.0])[None, None].repeat(3, axis=0)
        _, value, final = model(x, sequence=True, initial_carry=carry, return_carry=True)
        _, values, stepped = single_steps(backend, model, x, np.zeros((4, 3), bool), carry)
        assert_agree(backend.numpy(value), values, "float64")
        assert_agree(backend.numpy(final), backend.numpy(stepped), "float64")
        _, as_zero = model(x, sequence=True, initial_carry=np.where(carry <= 1e-8, 0.0, carry))
        assert np.abs(backend.numpy(as_zero) - backend.numpy(value)).max() > 1e-9  # what treating them as 0 would give


def test_done_clears_a_non_finite_carry(backend):
    model = mingru(backend)
    randomize(model)
    x = backend.numpy(observations(backend, (3, 2)))
    x[0, 0] = np.nan  # a bad observation in environment 0, whose episode then ends
    x = backend.array(x)
    done = np.zeros((3, 2), bool)
    done[0, 0] = True
    with backend.no_grad():
        _, value = model(x, sequence=True, done=backend.array(done, "bool"))
        value = backend.numpy(value)
        assert np.isnan(value[0, 0]).all() and np.isfinite(value[1:]).all()
        assert_agree(value, single_steps(backend, model, x, done, None)[1])  # NaN where NaN
        carry = backend.array(np.full((2, 2, 5), np.nan))
        done = backend.array([[True, False], [False, False]], "bool")
        _, value, final = model(x[1:], sequence=True, done=done, initial_carry=carry, return_carry=True)
    value, final = backend.numpy(value), backend.numpy(final)
    assert np.isnan(value[:, 1]).all() and np.isfinite(value[1, 0]).all() and np.isfinite(final[0]).all()


def test_gradients_through_the_scan_with_resets_equal_stepping(backend):
    """The -inf a reset puts into log a (JAX's scan) must not make a NaN gradient."""
    with backend.float64():
        model = mingru(backend, dtype="float64", actor_sigma_head=True, action_space=backend.rb.Box(-1.0, 1.0))
        randomize(model)
        x = backend.array(observations(backend, (6, 3)), "float64")
        done = np.random.default_rng(0).random((6, 3)) < 0.4
        carry = backend.array(0.5 * np.abs(backend.numpy(observations(backend, (3, 2), obs=5, seed=3))), "float64")
        actions = backend.array(np.full((6, 3, 3), 0.2), "float64")

        def sequence_loss(m):
            pi, value = m(x, sequence=True, done=backend.array(done, "bool"), initial_carry=carry)
            return (pi.log_prob(actions) + pi.entropy() + value[..., 0]).sum()

        def stepping_loss(m):
            h, total = carry, 0.0
            for t in range(6):
                pi, value, h = m.step(x[t], h)
                total = total + (pi.log_prob(actions[t]) + pi.entropy() + value[..., 0]).sum()
                h = backend.where(backend.array(done[t][:, None, None], "bool"), 0.0, h)
            return total

        assert_agree(backend.numpy(sequence_loss(model)), backend.numpy(stepping_loss(model)), "float64")
        by_sequence = backend.gradients(sequence_loss, model)
        by_steps = backend.gradients(stepping_loss, model)
        assert set(by_sequence) == set(by_steps) == set(model.canonical_params())
        for name, grad in by_sequence.items():
            assert np.isfinite(grad).all() and np.any(grad != 0), name
            assert_agree(grad, by_steps[name], "float64", err_msg=name)


def test_an_empty_sequence_gives_empty_outputs_and_the_initial_carry(backend):
    model = mingru(backend)
    carry = backend.array(np.ones((2, 3, 2, 5)))
    with backend.no_grad():
        for done in (None, np.zeros((0, 2, 3), bool)):
            x = observations(backend, (0, 2, 3))
            pi, value, final = model(x, sequence=True, done=done, initial_carry=carry, return_carry=True)
            assert value.shape == (0, 2, 3, 1) and pi.batch_shape == (0, 2, 3)
            np.testing.assert_array_equal(backend.numpy(final), backend.numpy(carry))


def test_sequence_argument_errors_name_expected_and_actual(backend):
    model = mingru(backend)
    x = observations(backend, (5, 2))
    with pytest.raises(ValueError, match=r"expected done shape \(5, 2\) \(T, B...\), got \(5,\)"):
        model(x, sequence=True, done=np.zeros(5, bool))
    with pytest.raises(ValueError, match=r"expected initial_carry h of shape \(2, 2, 5\), got \(2, 5\)"):
        model(x, sequence=True, initial_carry=backend.array(np.zeros((2, 5))))
    with pytest.raises(ValueError, match=r"sequence mode expects time-major \(T, B..., 4\), got \(4,\)"):
        model(x[0, 0], sequence=True)
    with pytest.raises(ValueError, match="initial_carry and done apply to sequence mode"):
        model(x[0], done=np.zeros(2, bool))


def test_remat_is_recorded_and_changes_nothing(backend):
    plain, remat = mingru(backend), mingru(backend, remat=True)
    remat.load_canonical_params(randomize(plain))
    x = observations(backend, (6, 3))
    with backend.no_grad():
        np.testing.assert_array_equal(backend.numpy(remat(x, sequence=True)[1]), backend.numpy(plain(x, sequence=True)[1]))
    assert remat.metadata["remat"] is True
