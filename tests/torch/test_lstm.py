"""LSTMActorCritic in torch: the carry in buffers, the one trainable bias,
Flax's input-kernel initialisation, the fused nn.LSTM path (sequence mode
without done), carries from inference mode (the shared contract is in
tests/backends/test_lstm.py)."""

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from tests.agree import assert_agree
from tests.backends.builders import batch_shapes, build, observations, randomize, sizes
from tests.backends.test_lstm import check_remat_gives_the_same_outputs_and_gradients, check_sequence_equals_single_steps
from tests.backends.torch_backend import BACKEND


def lstm(**kwargs):
    return build(BACKEND, "LSTMActorCritic", obs=4, act=3, **kwargs)


def test_carry_lives_in_buffers_outside_the_state_dict():
    model = lstm()
    assert {name for name, _ in model.named_buffers()} == {"c", "h"}
    assert not {"c", "h"} & set(model.state_dict())
    assert not {"c", "h"} & {name for name, _ in model.named_parameters()}


def test_one_bias_trains_as_in_flax():
    model = lstm()
    assert not model.cell.bias_ih.requires_grad and torch.all(model.cell.bias_ih == 0)
    params = randomize(model)
    np.testing.assert_array_equal(model.cell.bias_hh.detach().numpy(), params["cell.dense_h.bias"])
    np.testing.assert_array_equal(model.cell.bias_ih.detach().numpy(), 0.0)


def test_input_kernel_is_lecun_normal_truncated_at_two_sigma():
    kernel = lstm(hidden_features=64, lstm_features=64).canonical_params()["cell.dense_i.kernel"]
    std = np.sqrt(1.0 / 64)
    assert abs(kernel.std() / std - 1) < 0.05  # lecun: variance 1 / fan_in
    assert np.abs(kernel).max() <= 2 * std / 0.8796256610342398 + 1e-6  # truncated at 2 of the raw sigma


@given(with_carry=st.booleans(), seed=st.integers(0, 2**16), data=st.data())
def test_the_fused_sequence_without_done_equals_single_steps(with_carry, seed, data):
    T, batch = data.draw(sizes(BACKEND, 1, 8), label="T"), data.draw(batch_shapes(BACKEND), label="batch")
    check_sequence_equals_single_steps(BACKEND, T, batch, seed, with_carry, with_done=False)


def test_remat_without_done_gives_the_same_outputs_and_gradients():
    check_remat_gives_the_same_outputs_and_gradients(BACKEND, with_done=False)


def test_fused_and_stepped_sequences_agree_on_two_dimensional_batches():
    model = lstm()
    randomize(model)
    x = observations(BACKEND, (5, 2, 3))
    with torch.no_grad():
        fused = model(x, sequence=True)[1]
        stepped_ = model(x, sequence=True, done=np.zeros((5, 2, 3), bool))[1]
    assert_agree(fused, stepped_)


def test_a_rollout_carry_from_inference_mode_can_seed_training():
    model = lstm()
    randomize(model)
    with torch.inference_mode():
        model(observations(BACKEND, (3,)))
    carry = model.carry
    pi, value = model(observations(BACKEND, (4, 3)), sequence=True, initial_carry=carry)
    value.sum().backward()
    model(observations(BACKEND, (3,)))[1].sum().backward()  # and single steps continue from it
    assert model.critic.weight.grad is not None and model.cell.weight_hh.grad is not None
