"""Fuzz a port: for any weights and inputs hypothesis draws, the torch model
computes what the JAX model computes. Run with ``pytest examples/fuzz_your_model.py``."""

from hypothesis import given, settings
from hypothesis import strategies as st

import rlmodels_jax as rj
import rlmodels_torch as rt
from rlmodels import compare, strategies

policy = rj.ActorCritic(5, 2, key=0, actor_architecture=[32], action_space=rj.Box(-1.0, 1.0))  # your model
initial = policy.canonical_params()


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_port_agrees(data):
    policy.load_canonical_params(data.draw(strategies.weights(initial)))  # shrinks towards `initial`
    inputs = data.draw(strategies.probe_inputs(policy.type_name, policy.metadata, layout=strategies.DEFAULT_LAYOUT))
    report = compare(policy, rt.from_jax(policy), inputs)  # one compilation, reused by every example
    assert report.ok, report                                # the table says which output drifted, and where
