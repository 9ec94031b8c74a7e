"""The recurrent-state API (docs/recurrent.md): carry, initial_carry, reset,
step, return_carry; the same calls on feed-forward models."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.agree import assert_agree
from tests.backends.builders import FEED_FORWARD, build, observations, randomize


def lstm(backend, **kwargs):
    model = build(backend, "LSTMActorCritic", obs=4, act=3, **kwargs)  # lstm_features 5
    randomize(model)
    return model


def random_carry(batch, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal((*batch, 5)).astype(dtype) for _ in range(2))


def test_initial_carry_is_zeros_of_the_batch_shape_and_the_model_dtype(backend):
    with backend.float64():
        model = lstm(backend, dtype="float64")
        for batch in [(), (3,), (2, 3)]:
            c, h = model.initial_carry(batch)
            assert c.shape == h.shape == (*batch, 5) and c.dtype == h.dtype == backend.dtype("float64")
            assert not c.any() and not h.any()
        assert model.initial_carry()[0].shape == (5,)


def test_the_carry_setter_checks_and_casts(backend):
    model = lstm(backend)
    model.carry = random_carry((2, 3), dtype=np.float64)  # numpy, float64: cast
    c, h = model.carry
    assert c.shape == (2, 3, 5) and c.dtype == backend.dtype("float32") and isinstance(h, backend.array_class)
    np.testing.assert_array_equal(backend.numpy(c), random_carry((2, 3))[0])


BAD_CARRIES = [
    (lambda b: None, r"expected carry \(c, h\), two arrays each \(\*batch, 5\), got None"),
    (lambda b: b.array(np.zeros((3, 5))), r"expected carry \(c, h\), two arrays each \(\*batch, 5\), got {array_type} of shape \(3, 5\)"),
    (lambda b: (b.array(np.zeros((3, 5))),) * 3, r"expected carry \(c, h\), two arrays each \(\*batch, 5\), got tuple of 3 items"),
    (lambda b: (b.array(np.zeros((3, 4))), b.array(np.zeros((3, 4)))), r"expected carry \(c, h\) of shapes \(\*batch, 5\), got \(\(3, 4\), \(3, 4\)\)"),
    (lambda b: (b.array(np.zeros((3, 5))), b.array(np.zeros((2, 5)))), r"expected carry \(c, h\) of shapes \(\*batch, 5\), got \(\(3, 5\), \(2, 5\)\)"),
    (lambda b: (np.zeros((3, 5), int), np.zeros((3, 5), int)), r"expected carry \(c, h\) of a floating dtype, got {int64} and {int64}"),
]  # fmt: skip


@pytest.mark.parametrize("carry, message", BAD_CARRIES, ids=range(len(BAD_CARRIES)))
def test_a_bad_carry_is_a_clear_error_and_changes_nothing(backend, carry, message):
    model = lstm(backend)
    with backend.no_grad():
        model(observations(backend, (3,)))
    before = [backend.numpy(a) for a in model.carry]
    message = message.format(array_type=backend.array_type, int64=backend.dtype_repr("int64"))
    with pytest.raises(ValueError, match=message):
        model.carry = carry(backend)
    for a, b in zip(model.carry, before):
        np.testing.assert_array_equal(backend.numpy(a), b)


def test_stepping_continues_from_an_assigned_carry(backend):
    model, x = lstm(backend), observations(backend, (2, 3))
    carry = tuple(backend.array(a) for a in random_carry((2, 3)))
    _, want, new = model.step(x, carry)
    model.carry = carry
    _, value, returned = model(x, return_carry=True)
    np.testing.assert_array_equal(backend.numpy(value), backend.numpy(want))
    for a, b, c in zip(returned, model.carry, new):
        assert a is b
        np.testing.assert_array_equal(backend.numpy(a), backend.numpy(c))


def test_step_from_none_starts_a_fresh_episode(backend):
    model, x = lstm(backend), observations(backend, (3,))
    _, value, carry = model.step(x, None)
    _, want, want_carry = model.step(x, model.initial_carry((3,)))
    np.testing.assert_array_equal(backend.numpy(value), backend.numpy(want))
    np.testing.assert_array_equal(backend.numpy(carry[1]), backend.numpy(want_carry[1]))
    with pytest.raises(ValueError, match=r"expected carry \(c, h\) of shapes \(3, 5\), got \(\(5,\), \(5,\)\)"):
        model.step(x, model.initial_carry())


def test_reset_without_a_shape_zeroes_the_carry_it_has(backend):
    model = lstm(backend)
    model.carry = random_carry((2, 3))
    model.reset()
    assert model.carry[0].shape == (2, 3, 5) and not model.carry[0].any() and not model.carry[1].any()


@given(batch=st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple), data=st.data())
def test_reset_zeroes_exactly_the_masked_entries(backend, batch, data):
    model = lstm(backend)
    carry = random_carry(batch)
    along_axis_0 = len(batch) > 1 and data.draw(st.booleans())
    flags = batch[:1] if along_axis_0 else batch
    mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=int(np.prod(flags)), max_size=int(np.prod(flags))))).reshape(flags)
    model.carry = carry
    model.reset(mask=mask)
    zeroed = np.broadcast_to(mask.reshape(flags + (1,) * (len(batch) - len(flags))), batch).copy()
    for got, before in zip(model.carry, carry):
        got = backend.numpy(got)
        np.testing.assert_array_equal(got[zeroed], 0.0)
        np.testing.assert_array_equal(got[~zeroed], before[~zeroed])


def test_training_on_a_sequence_then_stepping_on_continues_where_it_ended(backend):
    model, x = lstm(backend), observations(backend, (6, 2, 3))
    done = np.zeros((6, 2, 3), bool)
    done[2, 1, 0] = True
    with backend.no_grad():
        _, whole = model(x, sequence=True, done=done)
        _, head, carry = model(x[:4], sequence=True, done=done[:4], return_carry=True)
        model.carry = carry
        tail = [backend.numpy(model(x[t])[1]) for t in (4, 5)]
    assert_agree(backend.numpy(head), backend.numpy(whole[:4]))
    assert_agree(np.stack(tail), backend.numpy(whole[4:]))


def test_an_empty_sequence_returns_its_initial_carry(backend):
    model = lstm(backend)
    carry = tuple(backend.array(a) for a in random_carry((2,)))
    *_, final = model(observations(backend, (0, 2)), sequence=True, initial_carry=carry, return_carry=True)
    for a, b in zip(final, carry):
        np.testing.assert_array_equal(backend.numpy(a), backend.numpy(b))


@pytest.mark.parametrize("model_type", FEED_FORWARD)
def test_feed_forward_models_take_the_same_calls(backend, model_type):
    model, x = build(backend, model_type), observations(backend, (2, 3))
    _, want = model(x)
    assert model.carry is None and model.initial_carry((2, 3)) is None
    model.carry = None
    model.reset(), model.reset(x.shape), model.reset(mask=np.ones((2, 3), bool))
    _, value, carry = model.step(x, None)
    assert carry is None
    np.testing.assert_array_equal(backend.numpy(value), backend.numpy(want))
    _, value, carry = model(x[None], sequence=True, done=np.zeros((1, 2, 3), bool), return_carry=True)
    assert carry is None
    np.testing.assert_array_equal(backend.numpy(value[0]), backend.numpy(want))
    zeros = (backend.array(np.zeros(5)), backend.array(np.zeros(5)))
    with pytest.raises(ValueError, match=f"{model_type} is feed-forward and has no carry; expected None, got tuple"):
        model.carry = zeros
    with pytest.raises(ValueError, match="has no carry"):
        model.step(x, zeros)
