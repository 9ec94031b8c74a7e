"""LSTMActorCritic: parameters, the persistent carry, reset, sequence mode."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.agree import assert_agree
from tests.backends.builders import batch_shapes, build, observations, randomize, shapes, sizes


def lstm(backend, **kwargs):
    return build(backend, "LSTMActorCritic", obs=4, act=3, **kwargs)


def test_defaults_follow_the_seed(backend):
    model = backend.rb.LSTMActorCritic(5, 2, key=0)
    meta = model.metadata
    assert (meta["hidden_features"], meta["lstm_features"], meta["cell_type"]) == (64, 128, "OptimizedLSTMCell")
    assert (meta["remat"], meta["carry_leading_shape"], meta["activation"]) == (False, [], "gelu")
    assert model.obs_dim == 5 and model.lstm_features == 128
    assert model.carry[0].shape == model.carry[1].shape == (128,)


def test_optimized_cell_parameter_layout(backend):
    assert shapes(lstm(backend, hidden_features=6, lstm_features=5)) == {
        "encoder.layers.0.kernel": (4, 6), "encoder.layers.0.bias": (6,),
        "cell.dense_i.kernel": (6, 20), "cell.dense_h.kernel": (5, 20), "cell.dense_h.bias": (20,),
        "actor_mu.kernel": (5, 3), "actor_mu.bias": (3,), "log_std": (1, 3),
        "critic.kernel": (5, 1), "critic.bias": (1,),
    }  # fmt: skip


def test_lstm_cell_parameter_layout(backend):
    names = shapes(lstm(backend, hidden_features=6, lstm_features=5, cell_type="LSTMCell"))
    for gate in ("i", "f", "g", "o"):
        assert names[f"cell.h{gate}.kernel"] == (5, 5) and names[f"cell.h{gate}.bias"] == (5,)
        assert names[f"cell.i{gate if gate != 'f' else 'f_'}.kernel"] == (6, 5)


def test_initialisation_schemes(backend):
    params = lstm(backend, hidden_features=6, lstm_features=5).canonical_params()
    np.testing.assert_allclose(np.linalg.svd(params["encoder.layers.0.kernel"], compute_uv=False), np.sqrt(2), rtol=1e-5)
    recurrent = params["cell.dense_h.kernel"]  # (H, 4H): orthonormal rows
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(5), atol=1e-5)
    np.testing.assert_allclose(np.linalg.svd(params["actor_mu.kernel"], compute_uv=False), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(params["critic.kernel"]), 0.01, rtol=1e-5)
    for name in ("cell.dense_h.bias", "encoder.layers.0.bias", "actor_mu.bias", "critic.bias", "log_std"):
        np.testing.assert_array_equal(params[name], 0.0)
    per_gate = lstm(backend, hidden_features=6, lstm_features=5, cell_type="LSTMCell").canonical_params()
    for gate in "ifgo":
        np.testing.assert_allclose(per_gate[f"cell.h{gate}.kernel"] @ per_gate[f"cell.h{gate}.kernel"].T, np.eye(5), atol=1e-5)


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


def test_both_cell_types_compute_the_same_function(backend):
    fused, per_gate = lstm(backend), lstm(backend, cell_type="LSTMCell")
    per_gate.load_canonical_params(optimized_to_lstm_cell(randomize(fused)))
    x = observations(backend, (7, 2))
    assert_agree(backend.numpy(per_gate(x, sequence=True)[1]), backend.numpy(fused(x, sequence=True)[1]))
    assert per_gate.metadata["cell_type"] == "LSTMCell"


def test_bad_cell_type(backend):
    with pytest.raises(ValueError, match=r"expected cell_type in \['OptimizedLSTMCell', 'LSTMCell'\], got 'GRU'"):
        lstm(backend, cell_type="GRU")


@pytest.mark.parametrize("name", ["hidden_features", "lstm_features"])
def test_feature_sizes_must_be_positive(backend, name):
    with pytest.raises(ValueError, match=rf"expected {name} to be a positive integer, got 0"):
        lstm(backend, **{name: 0})


def test_single_step_updates_the_persistent_carry(backend):
    model = lstm(backend)
    randomize(model)
    x = observations(backend, (3,))
    model(x)
    first = [backend.numpy(a) for a in model.carry]
    assert first[0].shape == (3, 5) and np.any(first[1] != 0)
    model(x)
    assert not np.allclose(backend.numpy(model.carry[1]), first[1])


def test_functional_step_takes_and_returns_the_carry(backend):
    model = lstm(backend)
    randomize(model)
    x = observations(backend, (3,))
    carry = tuple(0.3 * observations(backend, (2, 3), obs=5))
    model.reset(x.shape)
    pi, value, new = model.step(x, carry)
    np.testing.assert_array_equal(backend.numpy(model.carry[0]), 0.0)  # untouched
    model.carry = carry
    _, want = model(x)
    np.testing.assert_allclose(backend.numpy(value), backend.numpy(want), rtol=1e-6)
    np.testing.assert_allclose(backend.numpy(new[1]), backend.numpy(model.carry[1]), rtol=1e-6)
    with pytest.raises(ValueError, match=r"expected carry \(c, h\) of shapes \(3, 5\), got \(\(2, 5\), \(2, 5\)\)"):
        model.step(x, (backend.array(np.zeros((2, 5))), backend.array(np.zeros((2, 5)))))


def test_carry_is_reallocated_lazily_when_the_batch_shape_changes(backend):
    model, fresh = lstm(backend), lstm(backend)
    randomize(model), randomize(fresh)
    model(observations(backend, (3,)))
    x = observations(backend, (2, 4), seed=5)
    _, value = model(x)
    assert model.carry[0].shape == (2, 4, 5)
    np.testing.assert_allclose(backend.numpy(value), backend.numpy(fresh(x)[1]), rtol=1e-6)


def test_carry_leading_shape_sets_the_initial_carry(backend):
    model = lstm(backend, carry_leading_shape=(2, 3))
    assert model.carry[0].shape == (2, 3, 5) and model.metadata["carry_leading_shape"] == [2, 3]
    np.testing.assert_array_equal(backend.numpy(model.carry[0]), 0.0)
    with pytest.raises(ValueError, match="expected every carry_leading_shape entry to be a positive integer, got 0"):
        lstm(backend, carry_leading_shape=(0,))


def stepped(backend, model, batch=(4,)):
    """``model``'s carry (as numpy) after randomising it and stepping once at ``batch``."""
    randomize(model)
    with backend.no_grad():
        model(observations(backend, batch))
    return tuple(backend.numpy(a) for a in model.carry)


def test_reset_allocates_zeros_when_the_shape_differs(backend):
    model = lstm(backend)
    stepped(backend, model)
    model.reset((6, 2, 4))
    assert model.carry[0].shape == (6, 2, 5)
    np.testing.assert_array_equal(backend.numpy(model.carry[1]), 0.0)


def test_reset_without_mask_zeroes_everything(backend):
    model = lstm(backend)
    stepped(backend, model)
    model.reset((4, 4))
    np.testing.assert_array_equal(backend.numpy(model.carry[0]), 0.0)
    np.testing.assert_array_equal(backend.numpy(model.carry[1]), 0.0)


def test_reset_with_mask_zeroes_only_the_masked_environments(backend):
    model = lstm(backend)
    c, h = stepped(backend, model, batch=(4, 2))
    model.reset((4, 2, 4), mask=np.array([True, False, False, True]))
    for new, old in zip(model.carry, (c, h)):
        new = backend.numpy(new)
        np.testing.assert_array_equal(new[[0, 3]], 0.0)
        np.testing.assert_array_equal(new[[1, 2]], old[[1, 2]])


def test_bad_masks_name_expected_and_actual(backend):
    model = lstm(backend)
    stepped(backend, model)
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


def single_steps(backend, model, x, done, carry=None):
    """Values (numpy) from stepping through x (T, B..., obs) from ``carry``
    (zeros if None), calling ``reset(mask=done[t])`` after each step."""
    model.carry = model.initial_carry(x.shape[1:-1]) if carry is None else carry
    values = []
    for t in range(x.shape[0]):
        values.append(backend.numpy(model(x[t])[1]))
        model.reset(mask=done[t])
    return np.stack(values)


def check_sequence_equals_single_steps(backend, T, batch, seed, with_carry, with_done):
    """Sequence mode over ``T`` steps at ``batch`` (with random resets if
    ``with_done``, else ``done=None``) equals stepping with masked resets."""
    model = lstm(backend, action_space=backend.rb.Box(-1.0, 1.0))
    randomize(model, seed)
    rng = np.random.default_rng(seed)
    x = backend.array(rng.standard_normal((T, *batch, 4)))
    done = rng.random((T, *batch)) < 0.3 if with_done else np.zeros((T, *batch), bool)
    carry = tuple(backend.array(rng.standard_normal((2, *batch, 5)))) if with_carry else None
    model.reset((7, 4))  # the sequence must not depend on (or touch) the persistent carry
    before = backend.numpy(model.carry[0])
    with backend.no_grad():  # without done (and gradients), torch runs its fused nn.LSTM path
        pi, value, final = model(x, sequence=True, done=done if with_done else None, initial_carry=carry, return_carry=True)
        np.testing.assert_array_equal(backend.numpy(model.carry[0]), before)
        want = single_steps(backend, model, x, done, carry)
    assert_agree(backend.numpy(value), want)
    for got, stepped_ in zip(final, model.carry):  # the final carry is where stepping ends
        assert_agree(backend.numpy(got), backend.numpy(stepped_))
    assert pi.batch_shape == (T, *batch) and value.shape == (T, *batch, 1)


@given(with_carry=st.booleans(), seed=st.integers(0, 2**16), data=st.data())
def test_sequence_with_done_equals_single_steps_with_masked_resets(backend, with_carry, seed, data):
    T, batch = data.draw(sizes(backend, 1, 8), label="T"), data.draw(batch_shapes(backend), label="batch")
    check_sequence_equals_single_steps(backend, T, batch, seed, with_carry, with_done=True)


def test_an_unbatched_carry_resets_on_a_single_flag(backend):
    model = lstm(backend)
    x = observations(backend, ())
    with backend.no_grad():
        model(x)
    before = backend.numpy(model.carry[1])
    model.reset(x.shape, mask=np.bool_(False))
    np.testing.assert_array_equal(backend.numpy(model.carry[1]), before)
    model.reset(x.shape, mask=np.bool_(True))
    assert not model.carry[0].any() and not model.carry[1].any()


def test_done_clears_a_non_finite_carry(backend):
    model = lstm(backend)
    x = backend.numpy(observations(backend, (3, 2)))
    x[0, 0] = np.nan  # a bad observation in environment 0, whose episode then ends
    x = backend.array(x)
    done = np.zeros((3, 2), bool)
    done[0, 0] = True
    with backend.no_grad():
        _, value = model(x, sequence=True, done=done)
        value = backend.numpy(value)
        assert np.isnan(value[0, 0]).all() and np.isfinite(value[1:]).all()
        assert_agree(value, single_steps(backend, model, x, done))  # NaN where NaN


def test_initial_carry_is_respected_and_zero_by_default(backend):
    model = lstm(backend)
    randomize(model)
    x = observations(backend, (5, 2, 3))
    zeros = (backend.array(np.zeros((2, 3, 5))), backend.array(np.zeros((2, 3, 5))))
    with backend.no_grad():
        np.testing.assert_array_equal(backend.numpy(model(x, sequence=True)[1]),
                                      backend.numpy(model(x, sequence=True, initial_carry=zeros)[1]))  # fmt: skip
        carry = tuple(0.5 * observations(backend, (2, 2, 3), obs=5, seed=9))
        _, value = model(x, sequence=True, initial_carry=carry)
        model.carry = carry
        assert_agree(backend.numpy(value[0]), backend.numpy(model(x[0])[1]))
        assert not np.allclose(backend.numpy(value[0]), backend.numpy(model(x, sequence=True)[1][0]))


def test_an_empty_sequence_gives_empty_outputs(backend):
    model = lstm(backend)
    x = observations(backend, (0, 2, 3))
    for done in (None, np.zeros((0, 2, 3), bool)):
        pi, value = model(x, sequence=True, done=done)
        assert value.shape == (0, 2, 3, 1) and pi.batch_shape == (0, 2, 3)


def test_sequence_argument_errors_name_expected_and_actual(backend):
    model = lstm(backend)
    x = observations(backend, (5, 2))
    with pytest.raises(ValueError, match=r"expected done shape \(5, 2\) \(T, B...\), got \(5,\)"):
        model(x, sequence=True, done=np.zeros(5, bool))
    with pytest.raises(ValueError, match=r"expected initial_carry \(c, h\) of shapes \(2, 5\), got \(\(2, 4\), \(2, 4\)\)"):
        model(x, sequence=True, initial_carry=(backend.array(np.zeros((2, 4))), backend.array(np.zeros((2, 4)))))
    with pytest.raises(ValueError, match=r"sequence mode expects time-major \(T, B..., 4\), got \(4,\)"):
        model(x[0, 0], sequence=True)
    with pytest.raises(ValueError, match="initial_carry and done apply to sequence mode"):
        model(x[0], done=np.zeros(2, bool))


def check_remat_gives_the_same_outputs_and_gradients(backend, with_done):
    """remat changes neither the loss of a sequence (with random resets if
    ``with_done``, else ``done=None``) nor its gradients."""
    plain, remat = lstm(backend), lstm(backend, remat=True)
    remat.load_canonical_params(randomize(plain))
    x = observations(backend, (6, 3))
    done = np.random.default_rng(0).random((6, 3)) < 0.3 if with_done else None
    action = backend.array(np.full((6, 3, 3), 0.2))

    def loss(m):
        pi, value = m(x, sequence=True, done=done)
        return (pi.log_prob(action) + pi.entropy() + value[..., 0]).sum()

    np.testing.assert_array_equal(backend.numpy(loss(remat)), backend.numpy(loss(plain)))
    g_plain, g_remat = backend.gradients(loss, plain), backend.gradients(loss, remat)
    assert set(g_plain) == set(g_remat)
    for name, grad in g_plain.items():
        np.testing.assert_allclose(g_remat[name], grad, rtol=1e-5, atol=1e-7, err_msg=name)
    assert remat.metadata["remat"] is True


def test_remat_gives_the_same_outputs_and_gradients(backend):
    check_remat_gives_the_same_outputs_and_gradients(backend, with_done=True)
