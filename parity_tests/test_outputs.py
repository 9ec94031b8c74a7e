"""The central property: for any configuration, in both conversion directions
(under ci one per cell, alternating) and both dtypes, the torch model computes
what the JAX model computes:
distribution parameters, log_prob of shared actions (inside, within 1e-6 of
and beyond the bounds), entropy, deterministic action, samples from shared base
noise, values, metadata, LSTM and MinGRU carries over 50+ step rollouts with masked resets
and batch-shape changes, sequences with done and initial_carry, and gradients
of log_prob + entropy + value with respect to every parameter."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parity_tests.pairs import DTYPES, build_pair, case_id, case_with, directed_cells, group, pairs, x64
from rlmodels import compare, strategies
from rlmodels_common.activations import ACTIVATIONS


@pytest.mark.parametrize(("case", "dtype", "direction"), directed_cells())
@given(data=st.data())
def test_both_backends_compute_the_same_outputs(case, dtype, direction, data):
    model_type, metadata, params, layout = data.draw(pairs(case, dtype, direction))
    inputs = data.draw(strategies.probe_inputs(model_type, metadata, layout=layout), label="inputs")
    with x64(dtype):
        report = compare(*build_pair(model_type, metadata, params, direction), inputs)
    assert report.ok, f"\n{report}"


@pytest.mark.parametrize(
    ("activation", "dtype"),
    [pytest.param(a, d, marks=group(case_id(case_with(a)))) for a in sorted(ACTIVATIONS) for d in DTYPES],
)
@given(data=st.data())
def test_every_activation(activation, dtype, data):
    # Under ci, the configuration of a cell above that uses this activation
    # (compiled once for both); under fuzz, any configuration with it.
    model_type, metadata, params, layout = data.draw(pairs(case_with(activation), dtype, "jax->torch", (activation,)))
    assert metadata["activation"] == activation
    inputs = data.draw(strategies.probe_inputs(model_type, metadata, layout=layout), label="inputs")
    with x64(dtype):
        report = compare(*build_pair(model_type, metadata, params, "jax->torch"), inputs)
    assert report.ok, f"\n{report}"
