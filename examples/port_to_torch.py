"""Port a JAX policy to PyTorch, prove the port computes the same thing, save it."""

import jax.numpy as jnp

import rlmodels_jax as rj
import rlmodels_torch as rt
from rlmodels import compare

policy = rj.LSTMActorCritic(8, 2, key=0, action_space=rj.Box(-1.0, 1.0))  # or rj.load(...): your trained policy
policy(jnp.ones((16, 8)))                           # mid-episode: its carry is not zero
torch_policy = rt.from_jax(policy, with_carry=True)  # exact parameters, carry handed over
report = compare(policy, torch_policy)              # outputs, LSTM carries, gradients
print(report)                                       # each backend's distance from the float64 truth
assert report.ok
rt.save(torch_policy, "out/policy_torch")           # loads with rt.load, or rj.load
