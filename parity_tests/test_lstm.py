"""LSTM carry semantics across frameworks: sequence mode with done and
initial_carry in one framework equals single steps with masked resets in the
other."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from parity_tests.pairs import CASES, DIRECTIONS, DTYPES, FUZZ, build_pair, case_id, group, pairs, x64
from rlmodels import strategies
from rlmodels_common.tolerances import tolerance

LSTM_CASES = [c for c in CASES if c[0] == "LSTMActorCritic"]


def sizes(index: int) -> st.SearchStrategy[tuple[int, int]]:
    """``(T, B)``: drawn under fuzz; under ci one per cell (JAX compiles the
    sequence and every eager op of the steps once per shape)."""
    if FUZZ:
        return st.tuples(st.integers(1, 12), st.integers(1, 4))
    return st.just(((7, 3), (12, 1), (1, 4), (5, 2))[index % 4])


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize(
    ("case", "dtype"),
    [pytest.param(c, d, id=f"{case_id(c)}-{d}", marks=group(case_id(c))) for c in LSTM_CASES[1::4] for d in DTYPES],
)
@given(data=st.data())
def test_sequence_in_one_framework_equals_single_steps_in_the_other(case, dtype, direction, data):
    model_type, metadata, params, layout = data.draw(pairs(case, dtype, direction))
    T, B = data.draw(sizes(DTYPES.index(dtype) + 2 * DIRECTIONS.index(direction)), label="T, B")
    obs, H = metadata["observation_space_size"], metadata["lstm_features"]
    x = data.draw(strategies.near(np.zeros((T, B, obs)), 3.0), label="x")
    done = data.draw(hnp.arrays(bool, (T, B)), label="done")
    carry = data.draw(strategies.near(np.zeros((2, B, H)), 1.0), label="initial carry")
    with x64(dtype):
        jax_model, torch_model = build_pair(model_type, metadata, params, direction)
        sequence_model, stepping_model = (jax_model, torch_model) if direction == "jax->torch" else (torch_model, jax_model)
        with torch.no_grad():
            _, values = sequence_model(x, sequence=True, done=done, initial_carry=(carry[0], carry[1]))
            stepping_model.reset(x[0].shape)
            if hasattr(stepping_model.c, "set_value"):
                stepping_model.c.set_value(carry[0].astype(dtype)), stepping_model.h.set_value(carry[1].astype(dtype))
            else:
                stepping_model.c, stepping_model.h = (torch.as_tensor(a, dtype=getattr(torch, dtype)) for a in carry)
            stepped = []
            for t in range(T):
                stepped.append(np.asarray(stepping_model(x[t])[1]))
                stepping_model.reset(x[t].shape, mask=done[t])
    # The two modes compute the same steps in the same order: the plain
    # tolerance holds between them, as between the backends' float64 runs.
    error = tolerance(dtype).error(np.stack(stepped), np.asarray(values))
    assert error <= 1, (error, np.stack(stepped), np.asarray(values))
