"""The central property: for any configuration, in both conversion directions
and both dtypes, the torch model computes what the JAX model computes:
distribution parameters, log_prob of shared actions (inside, within 1e-6 of
and beyond the bounds), entropy, deterministic action, samples from shared base
noise, values, metadata, LSTM carries over 50+ step rollouts with masked resets
and batch-shape changes, sequences with done and initial_carry, and gradients
of log_prob + entropy + value with respect to every parameter."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parity_tests.pairs import CASES, DIRECTIONS, build_pair, case_id, x64
from rlmodels import compare, strategies
from rlmodels_common.activations import ACTIVATIONS


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
@given(data=st.data())
def test_both_backends_compute_the_same_outputs(case, dtype, direction, data):
    model_type, kind, sigma_head, cell = case
    model_type, metadata = data.draw(strategies.model_configs(
        model_types=[model_type],
        discrete=kind == "discrete",
        action_space_kinds=[kind] if kind != "discrete" else strategies.ACTION_SPACES,
        actor_sigma_head=sigma_head,
        cell_types=[cell] if cell else ("OptimizedLSTMCell",),
        dtype=dtype,
    ), label="config")  # fmt: skip
    inputs = data.draw(strategies.probe_inputs(model_type, metadata), label="inputs")
    seed = data.draw(strategies.seeds(), label="seed")
    with x64(dtype):
        jax_model, torch_model = build_pair(model_type, metadata, seed, direction)
        report = compare(jax_model, torch_model, inputs)
    assert report.ok, f"\n{report}"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@given(data=st.data())
def test_every_activation(activation, dtype, data):
    model_type, metadata = data.draw(strategies.model_configs(activations=[activation], dtype=dtype), label="config")
    seed = data.draw(strategies.seeds(), label="seed")
    with x64(dtype):
        report = compare(*build_pair(model_type, metadata, seed, "jax->torch"), seed=seed % 2**31)
    assert report.ok, f"\n{report}"
