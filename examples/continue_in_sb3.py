"""Continue training a ported policy with Stable-Baselines3, act with it, save it in our format.

``python examples/continue_in_sb3.py [CHECKPOINT]`` (default: a Pendulum LSTM policy written
by rlmodels_jax, ``tests/adapters/checkpoints/pendulum_lstm``); writes ``out/policy-sb3``.
"""

import sys

from sb3_contrib import RecurrentPPO
from stable_baselines3 import PPO

import rlmodels_torch as rt
from rlmodels.sb3 import Policy, RecurrentPolicy

model = rt.load(sys.argv[1] if len(sys.argv) > 1 else "tests/adapters/checkpoints/pendulum_lstm")                                    # e.g. written by rlmodels_jax; MLP, LSTM or MinGRU
Algorithm, policy = (RecurrentPPO, RecurrentPolicy) if model.carry is not None else (PPO, Policy)
algo = Algorithm(policy, "Pendulum-v1", policy_kwargs={"model": model}, n_steps=128, batch_size=64, seed=0)
algo.learn(256)
obs = algo.get_env().reset()
action, state = algo.predict(obs, deterministic=True)            # the model's deterministic action
print(type(algo).__name__, action.shape, rt.save(algo.policy.model, "out/policy-sb3"))
