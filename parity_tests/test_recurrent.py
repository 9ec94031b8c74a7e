"""Recurrent carry semantics across frameworks: sequence mode with done and
initial_carry in one framework equals single steps with masked resets in the
other, for the LSTM and the MinGRU."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rlmodels_jax as rj
from parity_tests.pairs import DIRECTIONS, DTYPES, FUZZ, RECURRENT, RUN_CASES, build_pair, case_id, group, pairs, x64
from rlmodels import strategies
from rlmodels.parity.inputs import carry_entries
from rlmodels.parity.oracle import distance, excess
from rlmodels_common.carry import from_entries
from rlmodels_common.tolerances import tolerance

RECURRENT_CASES = [c for c in RUN_CASES if c[0] in RECURRENT][1::3]


def sizes(index: int) -> st.SearchStrategy[tuple[int, int]]:
    """``(T, B)``: drawn under fuzz; under ci one per cell (JAX compiles the
    sequence and every eager op of the steps once per shape)."""
    if FUZZ:
        return st.tuples(st.integers(1, 12), st.integers(1, 4))
    return st.just(((7, 3), (12, 1), (1, 4), (5, 2))[index % 4])


def run(model, x, done, carry, sequence):
    """The values ``(T, B, 1)`` of ``x`` in sequence mode or stepped with masked resets."""
    with torch.no_grad():
        if sequence:
            return np.asarray(model(x, sequence=True, done=done, initial_carry=carry)[1])
        model.carry = carry
        stepped = []
        for t in range(x.shape[0]):
            stepped.append(np.asarray(model(x[t])[1]))
            model.reset(mask=done[t])
        return np.stack(stepped)


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize(
    ("case", "dtype"),
    [pytest.param(c, d, id=f"{case_id(c)}-{d}", marks=group(case_id(c))) for c in RECURRENT_CASES for d in DTYPES],
)
@given(data=st.data())
def test_sequence_in_one_framework_equals_single_steps_in_the_other(case, dtype, direction, data):
    """Held to the parity rule: the float64 truth is JAX's sequence mode under
    x64, the reference is what JAX computed in ``dtype`` (the sequence for
    jax->torch, the steps for torch->jax), the candidate torch's other mode.
    (A MinGRU's scan and its steps are different float computations of one
    function; the LSTM's are the same computation.)"""
    model_type, metadata, params, layout = data.draw(pairs(case, dtype, direction))
    T, B = data.draw(sizes(DTYPES.index(dtype) + 2 * DIRECTIONS.index(direction)), label="T, B")
    obs, shapes = metadata["observation_space_size"], carry_entries(model_type, metadata)
    (event,) = set(shapes.values())
    x = data.draw(strategies.near(np.zeros((T, B, obs)), 3.0), label="x").astype(dtype)
    done = data.draw(hnp.arrays(bool, (T, B)), label="done")
    stacked = data.draw(strategies.near(np.zeros((len(shapes), B, *event)), 1.0), label="initial carry").astype(dtype)
    carry = from_entries(tuple(stacked))
    with x64(dtype):
        jax_model, torch_model = build_pair(model_type, metadata, params, direction)
        reference = run(jax_model, x, done, carry, sequence=direction == "jax->torch")
        candidate = run(torch_model, x, done, carry, sequence=direction == "torch->jax")
    with x64("float64"):  # the same (rounded) weights and inputs in float64
        wide = from_entries(tuple(stacked.astype("float64")))
        truth = run(rj.with_dtype(jax_model, "float64"), x.astype("float64"), done, wide, sequence=True)
    ratio = excess(candidate, truth, distance(reference, truth), tolerance(dtype))
    assert ratio.max() <= 1, (ratio.max(), candidate, reference, truth)
    if model_type == "LSTMActorCritic":
        # The LSTM's two modes compute the same steps in the same order: the
        # plain tolerance holds between the frameworks directly, too.
        assert tolerance(dtype).error(candidate, reference) <= 1, (candidate, reference)

