"""Torch only: load a checkpoint (written by either backend), act, reset the carry at episode ends.

``python examples/quickstart_torch.py [CHECKPOINT]`` (default ``demo/policy``, which ``rlmodels demo --dir demo`` writes).
"""

import sys

import torch

import rlmodels_torch as rt

model = rt.load(sys.argv[1] if len(sys.argv) > 1 else "demo/policy")  # no JAX needed
obs = torch.zeros((16, model.obs_dim))               # 16 environments
with torch.inference_mode():
    for step in range(3):
        pi, value = model(obs)                       # one step; the carry lives in the model
        action = pi.sample()                         # or rt.deterministic_action(pi)
        log_prob = pi.log_prob(action)               # (16,)
        done = torch.arange(16) % 4 == step          # episodes that just ended
        model.reset(mask=done)                       # zero their carry only
print(type(model).__name__, tuple(value.shape), tuple(action.shape), tuple(log_prob.shape))
