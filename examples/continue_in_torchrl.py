"""Continue training a ported policy in TorchRL: PPO updates on Pendulum, then back to our format.

``python examples/continue_in_torchrl.py [CHECKPOINT]`` (default: a Pendulum LSTM policy written
by rlmodels_jax, ``tests/adapters/checkpoints/pendulum_lstm``); writes ``out/policy-torchrl``.
"""

import sys

import torch
from torchrl.collectors import Collector
from torchrl.envs import GymEnv, TransformedEnv
from torchrl.modules import set_recurrent_mode
from torchrl.objectives import ClipPPOLoss
from torchrl.objectives.value import GAE

import rlmodels.torchrl as rl_torchrl
import rlmodels_torch as rt

model = rt.load(sys.argv[1] if len(sys.argv) > 1 else "tests/adapters/checkpoints/pendulum_lstm")                                    # e.g. written by rlmodels_jax; MLP or LSTM
actor, critic = rl_torchrl.actor(model), rl_torchrl.value_operator(model)
env = TransformedEnv(GymEnv("Pendulum-v1"), rl_torchrl.env_transforms(model))  # is_init, and the LSTM carry
loss, gae = ClipPPOLoss(actor, critic), GAE(gamma=0.99, lmbda=0.95, value_network=critic, deactivate_vmap=True)
optimizer = torch.optim.Adam(loss.parameters(), lr=3e-4)
for data in Collector(env, actor, frames_per_batch=200, total_frames=400):
    with set_recurrent_mode(True):                               # the loss sees whole sequences
        losses = loss(gae(data))
    sum(v for k, v in losses.items() if k.startswith("loss_")).backward(); optimizer.step(); optimizer.zero_grad()  # noqa: E702
print(rt.save(model, "out/policy-torchrl"))                      # readable by rlmodels_jax.load
