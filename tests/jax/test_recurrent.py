"""The recurrent-state API (docs/recurrent.md): carry, initial_carry, reset,
step, return_carry; the same calls on feed-forward models."""

import numpy as np
import pytest
import jax
import jax.numpy as jnp
from hypothesis import given
from hypothesis import strategies as st

from tests.agree import assert_agree
from tests.jax.builders import build, observations, randomize



def lstm(**kwargs):
    model = build("LSTMActorCritic", obs=4, act=3, **kwargs)  # lstm_features 5
    randomize(model)
    return model


def random_carry(batch, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal((*batch, 5)).astype(dtype) for _ in range(2))


def test_initial_carry_is_zeros_of_the_batch_shape_and_the_model_dtype():
    with jax.enable_x64(True):
        model = lstm(dtype="float64")
        for batch in [(), (3,), (2, 3)]:
            c, h = model.initial_carry(batch)
            assert c.shape == h.shape == (*batch, 5) and c.dtype == h.dtype == jnp.float64
            assert not c.any() and not h.any()
        assert model.initial_carry()[0].shape == (5,)


def test_the_carry_setter_checks_and_casts():
    model = lstm()
    model.carry = random_carry((2, 3), dtype=np.float64)  # numpy, float64: cast
    c, h = model.carry
    assert c.shape == (2, 3, 5) and c.dtype == jnp.float32 and isinstance(h, jax.Array)
    np.testing.assert_array_equal(c, random_carry((2, 3))[0])


@pytest.mark.parametrize(
    "carry, message",
    [
        (None, r"expected carry \(c, h\), two arrays each \(\*batch, 5\), got None"),
        (jnp.zeros((3, 5)), r"expected carry \(c, h\), two arrays each \(\*batch, 5\), got ArrayImpl of shape \(3, 5\)"),
        ((jnp.zeros((3, 5)),) * 3, r"expected carry \(c, h\), two arrays each \(\*batch, 5\), got tuple of 3 items"),
        ((jnp.zeros((3, 4)), jnp.zeros((3, 4))), r"expected carry \(c, h\) of shapes \(\*batch, 5\), got \(\(3, 4\), \(3, 4\)\)"),
        ((jnp.zeros((3, 5)), jnp.zeros((2, 5))), r"expected carry \(c, h\) of shapes \(\*batch, 5\), got \(\(3, 5\), \(2, 5\)\)"),
        ((np.zeros((3, 5), int), np.zeros((3, 5), int)), r"expected carry \(c, h\) of a floating dtype, got int64 and int64"),
    ],
)
def test_a_bad_carry_is_a_clear_error_and_changes_nothing(carry, message):
    model = lstm()
    model(observations((3,)))
    before = model.carry
    with pytest.raises(ValueError, match=message):
        model.carry = carry
    for a, b in zip(model.carry, before):
        np.testing.assert_array_equal(a, b)


def test_stepping_continues_from_an_assigned_carry():
    model, x = lstm(), observations((2, 3))
    carry = tuple(jnp.asarray(a) for a in random_carry((2, 3)))
    _, want, new = model.step(x, carry)
    model.carry = carry
    _, value, returned = model(x, return_carry=True)
    np.testing.assert_array_equal(value, want)
    for a, b, c in zip(returned, model.carry, new):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_step_from_none_starts_a_fresh_episode():
    model, x = lstm(), observations((3,))
    _, value, carry = model.step(x, None)
    _, want, want_carry = model.step(x, model.initial_carry((3,)))
    np.testing.assert_array_equal(value, want)
    np.testing.assert_array_equal(carry[1], want_carry[1])
    with pytest.raises(ValueError, match=r"expected carry \(c, h\) of shapes \(3, 5\), got \(\(5,\), \(5,\)\)"):
        model.step(x, model.initial_carry())


def test_reset_without_a_shape_zeroes_the_carry_it_has():
    model = lstm()
    model.carry = random_carry((2, 3))
    model.reset()
    assert model.carry[0].shape == (2, 3, 5) and not model.carry[0].any() and not model.carry[1].any()


@given(batch=st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple), data=st.data())
def test_reset_zeroes_exactly_the_masked_entries(batch, data):
    model = lstm()
    carry = random_carry(batch)
    along_axis_0 = len(batch) > 1 and data.draw(st.booleans())
    flags = batch[:1] if along_axis_0 else batch
    mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=int(np.prod(flags)), max_size=int(np.prod(flags))))).reshape(flags)
    model.carry = carry
    model.reset(mask=mask)
    zeroed = np.broadcast_to(mask.reshape(flags + (1,) * (len(batch) - len(flags))), batch).copy()
    for got, before in zip(model.carry, carry):
        np.testing.assert_array_equal(got[zeroed], 0.0)
        np.testing.assert_array_equal(got[~zeroed], before[~zeroed])


def test_training_on_a_sequence_then_stepping_on_continues_where_it_ended():
    model, x = lstm(), observations((6, 2, 3))
    done = np.zeros((6, 2, 3), bool)
    done[2, 1, 0] = True
    _, whole = model(x, sequence=True, done=done)
    _, head, carry = model(x[:4], sequence=True, done=done[:4], return_carry=True)
    model.carry = carry
    tail = [model(x[t])[1] for t in (4, 5)]
    assert_agree(head, whole[:4])
    assert_agree(jnp.stack(tail), whole[4:])


def test_an_empty_sequence_returns_its_initial_carry():
    model = lstm()
    carry = tuple(jnp.asarray(a) for a in random_carry((2,)))
    *_, final = model(observations((0, 2)), sequence=True, initial_carry=carry, return_carry=True)
    for a, b in zip(final, carry):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("model_type", ["SharedActorCritic", "ActorCritic"])
def test_feed_forward_models_take_the_same_calls(model_type):
    model, x = build(model_type), observations((2, 3))
    _, want = model(x)
    assert model.carry is None and model.initial_carry((2, 3)) is None
    model.carry = None
    model.reset(), model.reset(x.shape), model.reset(mask=np.ones((2, 3), bool))
    _, value, carry = model.step(x, None)
    assert carry is None
    np.testing.assert_array_equal(value, want)
    _, value, carry = model(x[None], sequence=True, done=np.zeros((1, 2, 3), bool), return_carry=True)
    assert carry is None
    np.testing.assert_array_equal(value[0], want)
    with pytest.raises(ValueError, match=f"{model_type} is feed-forward and has no carry; expected None, got tuple"):
        model.carry = (jnp.zeros(5), jnp.zeros(5))
    with pytest.raises(ValueError, match="has no carry"):
        model.step(x, (jnp.zeros(5), jnp.zeros(5)))
