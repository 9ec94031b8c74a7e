"""LSTM carry semantics across frameworks: sequence mode with done and
initial_carry in one framework equals single steps with masked resets in the
other."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from parity_tests.pairs import DIRECTIONS, build_pair, x64
from rlmodels import strategies
from rlmodels_common.tolerances import tolerance


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("direction", DIRECTIONS)
@given(data=st.data())
def test_sequence_in_one_framework_equals_single_steps_in_the_other(direction, dtype, data):
    model_type, metadata = data.draw(strategies.model_configs(model_types=["LSTMActorCritic"], dtype=dtype))
    seed = data.draw(strategies.seeds())
    T, B = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 4))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, metadata["observation_space_size"]))
    done = rng.random((T, B)) < 0.3
    carry = 0.5 * rng.standard_normal((2, B, metadata["lstm_features"]))
    tol = tolerance(dtype)
    with x64(dtype):
        jax_model, torch_model = build_pair(model_type, metadata, seed, direction)
        sequence_model, stepping_model = (jax_model, torch_model) if direction == "jax->torch" else (torch_model, jax_model)
        with torch.no_grad():
            _, values = sequence_model(x, sequence=True, done=done, initial_carry=(carry[0], carry[1]))
            stepping_model.reset(x[0].shape)
            if hasattr(stepping_model.c, "set_value"):
                stepping_model.c.set_value(carry[0].astype(dtype)), stepping_model.h.set_value(carry[1].astype(dtype))
            else:
                stepping_model.c, stepping_model.h = (torch.as_tensor(a, dtype=getattr(torch, dtype)) for a in carry)
            for t in range(T):
                _, value = stepping_model(x[t])
                stepping_model.reset(x[t].shape, mask=done[t])
                assert tol.error(np.asarray(value), np.asarray(values[t])) <= 1, (t, np.asarray(value), np.asarray(values[t]))
