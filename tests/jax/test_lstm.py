"""LSTMActorCritic: parameters, the persistent carry, reset, sequence mode."""

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from hypothesis import given
from hypothesis import strategies as st

import rlmodels_jax as rj
from tests.agree import assert_agree
from tests.jax.builders import batch_shapes, build, observations, randomize, sizes

BATCHES = batch_shapes()
"""Batch shapes (), (B,) and (B0, B1): reset(mask=done[t]) mirrors sequence mode's done for each."""


def lstm(**kwargs):
    return build("LSTMActorCritic", obs=4, act=3, **kwargs)


def shapes(model):
    return {k: v.shape for k, v in model.canonical_params().items()}


def test_defaults_follow_the_seed():
    model = rj.LSTMActorCritic(5, 2, key=0)
    meta = model.metadata
    assert (meta["hidden_features"], meta["lstm_features"], meta["cell_type"]) == (64, 128, "OptimizedLSTMCell")
    assert (meta["remat"], meta["carry_leading_shape"], meta["activation"]) == (False, [], "gelu")
    assert model.obs_dim == 5 and model.lstm_features == 128
    assert model.carry[0].shape == model.carry[1].shape == (128,)


def test_optimized_cell_parameter_layout():
    assert shapes(lstm(hidden_features=6, lstm_features=5)) == {
        "encoder.layers.0.kernel": (4, 6), "encoder.layers.0.bias": (6,),
        "cell.dense_i.kernel": (6, 20), "cell.dense_h.kernel": (5, 20), "cell.dense_h.bias": (20,),
        "actor_mu.kernel": (5, 3), "actor_mu.bias": (3,), "log_std": (1, 3),
        "critic.kernel": (5, 1), "critic.bias": (1,),
    }  # fmt: skip


def test_lstm_cell_parameter_layout():
    names = shapes(lstm(hidden_features=6, lstm_features=5, cell_type=nnx.LSTMCell))
    for gate in ("i", "f", "g", "o"):
        assert names[f"cell.h{gate}.kernel"] == (5, 5) and names[f"cell.h{gate}.bias"] == (5,)
        assert names[f"cell.i{gate if gate != 'f' else 'f_'}.kernel"] == (6, 5)


def test_initialisation_schemes():
    params = lstm(hidden_features=6, lstm_features=5).canonical_params()
    np.testing.assert_allclose(np.linalg.svd(params["encoder.layers.0.kernel"], compute_uv=False), np.sqrt(2), rtol=1e-5)
    recurrent = params["cell.dense_h.kernel"]  # (H, 4H): orthonormal rows
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(5), atol=1e-5)
    np.testing.assert_allclose(np.linalg.svd(params["actor_mu.kernel"], compute_uv=False), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(params["critic.kernel"]), 0.01, rtol=1e-5)
    for name in ("cell.dense_h.bias", "encoder.layers.0.bias", "actor_mu.bias", "critic.bias", "log_std"):
        np.testing.assert_array_equal(params[name], 0.0)


def optimized_to_lstm_cell(params):
    """Map OptimizedLSTMCell parameters onto LSTMCell's per-gate layout."""
    out = {k: v for k, v in params.items() if not k.startswith("cell.")}
    gates = ("i", "f", "g", "o")
    for k, (wi, wh, b) in enumerate(zip(
        np.split(params["cell.dense_i.kernel"], 4, axis=-1),
        np.split(params["cell.dense_h.kernel"], 4, axis=-1),
        np.split(params["cell.dense_h.bias"], 4, axis=-1),
    )):  # fmt: skip
        gate = gates[k]
        out[f"cell.i{gate if gate != 'f' else 'f_'}.kernel"] = wi
        out[f"cell.h{gate}.kernel"], out[f"cell.h{gate}.bias"] = wh, b
    return out


def test_both_cell_types_compute_the_same_function():
    fused, per_gate = lstm(), lstm(cell_type="LSTMCell")
    per_gate.load_canonical_params(optimized_to_lstm_cell(randomize(fused)))
    x = observations((7, 2))
    assert_agree(per_gate(x, sequence=True)[1], fused(x, sequence=True)[1])
    assert per_gate.metadata["cell_type"] == "LSTMCell"


def test_bad_cell_type():
    with pytest.raises(ValueError, match=r"expected cell_type in \['OptimizedLSTMCell', 'LSTMCell'\].*got 'GRU'"):
        lstm(cell_type="GRU")


@pytest.mark.parametrize("name", ["hidden_features", "lstm_features"])
def test_feature_sizes_must_be_positive(name):
    with pytest.raises(ValueError, match=rf"expected {name} to be a positive integer, got 0"):
        lstm(**{name: 0})


def test_single_step_updates_the_persistent_carry():
    model = lstm()
    randomize(model)
    x = observations((3,))
    model(x)
    first = model.carry
    assert first[0].shape == (3, 5) and np.any(first[1] != 0)
    model(x)
    assert not np.allclose(model.carry[1], first[1])


def test_functional_step_takes_and_returns_the_carry():
    model = lstm()
    randomize(model)
    x = observations((3,))
    carry = tuple(0.3 * observations((2, 3), obs=5))
    model.reset(x.shape)
    pi, value, new = model.step(x, carry)
    np.testing.assert_array_equal(model.carry[0], 0.0)  # untouched
    model.c.set_value(carry[0]), model.h.set_value(carry[1])
    _, want = model(x)
    np.testing.assert_allclose(value, want, rtol=1e-6)
    np.testing.assert_allclose(new[1], model.carry[1], rtol=1e-6)
    with pytest.raises(ValueError, match=r"expected carry \(c, h\) of shapes \(3, 5\), got \(\(2, 5\), \(2, 5\)\)"):
        model.step(x, (jnp.zeros((2, 5)), jnp.zeros((2, 5))))


def test_carry_is_reallocated_lazily_when_the_batch_shape_changes():
    model, fresh = lstm(), lstm()
    randomize(model), randomize(fresh)
    model(observations((3,)))
    x = observations((2, 4), seed=5)
    _, value = model(x)
    assert model.carry[0].shape == (2, 4, 5)
    np.testing.assert_allclose(value, fresh(x)[1], rtol=1e-6)


def test_carry_leading_shape_sets_the_initial_carry():
    model = lstm(carry_leading_shape=(2, 3))
    assert model.carry[0].shape == (2, 3, 5) and model.metadata["carry_leading_shape"] == [2, 3]
    np.testing.assert_array_equal(model.carry[0], 0.0)
    with pytest.raises(ValueError, match="expected every carry_leading_shape entry to be a positive integer, got 0"):
        lstm(carry_leading_shape=(0,))


def stepped(model, batch=(4,)):
    randomize(model)
    model(observations(batch))
    return model.carry


def test_reset_allocates_zeros_when_the_shape_differs():
    model = lstm()
    stepped(model)
    model.reset((6, 2, 4))
    assert model.carry[0].shape == (6, 2, 5)
    np.testing.assert_array_equal(model.carry[1], 0.0)


def test_reset_without_mask_zeroes_everything():
    model = lstm()
    stepped(model)
    model.reset((4, 4))
    np.testing.assert_array_equal(model.carry[0], 0.0)
    np.testing.assert_array_equal(model.carry[1], 0.0)


def test_reset_with_mask_zeroes_only_the_masked_environments():
    model = lstm()
    c, h = stepped(model, batch=(4, 2))
    model.reset((4, 2, 4), mask=np.array([True, False, False, True]))
    for new, old in zip(model.carry, (c, h)):
        new, old = np.asarray(new), np.asarray(old)
        np.testing.assert_array_equal(new[[0, 3]], 0.0)
        np.testing.assert_array_equal(new[[1, 2]], old[[1, 2]])


def test_bad_masks_name_expected_and_actual():
    model = lstm()
    stepped(model)
    with pytest.raises(ValueError, match=r"expected mask shape \(4,\) \(the carry's batch shape\), got \(3,\)"):
        model.reset((4, 4), mask=np.zeros(3, bool))
    model.reset((2, 3, 4))
    with pytest.raises(ValueError, match=r"expected mask shape \(2, 3\) \(the carry's batch shape\) or \(2,\) \(one flag per environment along axis 0\), got \(3,\)"):
        model.reset(mask=np.zeros(3, bool))
    with pytest.raises(ValueError, match=r"expected mask shape \(2, 3\) .*, got \(2, 1\)"):
        model.reset(mask=np.zeros((2, 1), bool))
    model.reset((4,))
    with pytest.raises(ValueError, match=r"expected mask shape \(\) \(a single flag: the carry has no batch axis\), got \(1,\)"):
        model.reset((4,), mask=np.zeros(1, bool))


def single_steps(model, x, done, carry=None):
    """Values from stepping through x (T, B..., obs) from ``carry`` (zeros if None),
    calling ``reset(mask=done[t])`` after each step."""
    model.carry = model.initial_carry(x.shape[1:-1]) if carry is None else carry
    values = []
    for t in range(x.shape[0]):
        values.append(model(x[t])[1])
        model.reset(mask=done[t])
    return jnp.stack(values)


@given(T=sizes(1, 8), batch=BATCHES, seed=st.integers(0, 2**16), with_carry=st.booleans())
def test_sequence_with_done_equals_single_steps_with_masked_resets(T, batch, seed, with_carry):
    model = lstm(action_space=rj.Box(-1.0, 1.0))
    randomize(model, seed)
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.standard_normal((T, *batch, 4)), jnp.float32)
    done = rng.random((T, *batch)) < 0.3
    carry = tuple(jnp.asarray(rng.standard_normal((2, *batch, 5)), jnp.float32)) if with_carry else None
    model.reset((7, 4))  # the sequence must not depend on (or touch) the persistent carry
    before = model.carry
    pi, value, final = model(x, sequence=True, done=done, initial_carry=carry, return_carry=True)
    np.testing.assert_array_equal(model.carry[0], before[0])
    want = single_steps(model, x, done, carry)
    assert_agree(value, want)
    for got, stepped_ in zip(final, model.carry):  # the final carry is where stepping ends
        assert_agree(got, stepped_)
    assert pi.batch_shape == (T, *batch) and value.shape == (T, *batch, 1)


def test_an_unbatched_carry_resets_on_a_single_flag():
    model = lstm()
    x = observations(())
    model(x)
    before = model.carry
    model.reset(x.shape, mask=np.bool_(False))
    np.testing.assert_array_equal(model.carry[1], before[1])
    model.reset(x.shape, mask=np.bool_(True))
    assert not np.any(model.carry[0]) and not np.any(model.carry[1])


def test_done_clears_a_non_finite_carry():
    model = lstm()
    x = np.array(observations((3, 2)))
    x[0, 0] = np.nan  # a bad observation in environment 0, whose episode then ends
    done = np.zeros((3, 2), bool)
    done[0, 0] = True
    _, value = model(jnp.asarray(x), sequence=True, done=done)
    assert np.isnan(value[0, 0]).all() and np.isfinite(value[1:]).all()
    assert_agree(value, single_steps(model, jnp.asarray(x), done))  # NaN where NaN


def test_initial_carry_is_respected_and_zero_by_default():
    model = lstm()
    randomize(model)
    x = observations((5, 2, 3))
    zeros = (jnp.zeros((2, 3, 5)), jnp.zeros((2, 3, 5)))
    np.testing.assert_array_equal(model(x, sequence=True)[1], model(x, sequence=True, initial_carry=zeros)[1])
    carry = tuple(0.5 * observations((2, 2, 3), obs=5, seed=9))
    _, value = model(x, sequence=True, initial_carry=carry)
    model.c.set_value(carry[0]), model.h.set_value(carry[1])
    assert_agree(value[0], model(x[0])[1])
    assert not np.allclose(value[0], model(x, sequence=True)[1][0])


def test_an_empty_sequence_gives_empty_outputs():
    model = lstm()
    x = observations((0, 2, 3))
    for done in (None, np.zeros((0, 2, 3), bool)):
        pi, value = model(x, sequence=True, done=done)
        assert value.shape == (0, 2, 3, 1) and pi.batch_shape == (0, 2, 3)


def test_sequence_argument_errors_name_expected_and_actual():
    model = lstm()
    x = observations((5, 2))
    with pytest.raises(ValueError, match=r"expected done shape \(5, 2\) \(T, B...\), got \(5,\)"):
        model(x, sequence=True, done=np.zeros(5, bool))
    with pytest.raises(ValueError, match=r"expected initial_carry \(c, h\) of shapes \(2, 5\), got \(\(2, 4\), \(2, 4\)\)"):
        model(x, sequence=True, initial_carry=(jnp.zeros((2, 4)), jnp.zeros((2, 4))))
    with pytest.raises(ValueError, match=r"sequence mode expects time-major \(T, B..., 4\), got \(4,\)"):
        model(x[0, 0], sequence=True)
    with pytest.raises(ValueError, match="initial_carry and done apply to sequence mode"):
        model(x[0], done=np.zeros(2, bool))


def test_remat_gives_the_same_outputs_and_gradients():
    plain, remat = lstm(), lstm(remat=True)
    remat.load_canonical_params(randomize(plain))
    x = observations((6, 3))
    done = np.random.default_rng(0).random((6, 3)) < 0.3

    def loss(m):
        pi, value = m(x, sequence=True, done=done)
        return jnp.sum(pi.log_prob(jnp.full((6, 3, 3), 0.2)) + pi.entropy() + value[..., 0])

    np.testing.assert_array_equal(loss(remat), loss(plain))
    g_plain, g_remat = nnx.to_flat_state(nnx.grad(loss)(plain)), nnx.to_flat_state(nnx.grad(loss)(remat))
    for (path, a), (_, b) in zip(g_plain, g_remat):
        np.testing.assert_allclose(b.get_value(), a.get_value(), rtol=1e-5, atol=1e-7, err_msg=str(path))
    assert remat.metadata["remat"] is True


def test_single_steps_and_reallocation_under_jit():
    model = lstm()
    randomize(model)
    step = nnx.jit(lambda m, x: m(x)[1])
    reset = nnx.jit(lambda m, mask: m.reset((3, 4), mask), static_argnums=())
    x = observations((3,))
    eager = lstm()
    eager.load_canonical_params(model.canonical_params())
    for _ in range(3):
        np.testing.assert_allclose(step(model, x), eager(x)[1], rtol=1e-5, atol=1e-7)
    reset(model, jnp.array([True, False, True]))
    eager.reset((3, 4), jnp.array([True, False, True]))
    np.testing.assert_allclose(model.carry[1], eager.carry[1], rtol=1e-5, atol=1e-7)
    assert step(model, observations((2, 5)))[0].shape == (5, 1) and model.carry[0].shape == (2, 5, 5)
