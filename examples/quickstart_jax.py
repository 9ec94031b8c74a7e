"""Build a JAX LSTM policy, act with it, reset it at episode ends, save and load it."""

import jax
import jax.numpy as jnp

import rlmodels_jax as rj

model = rj.LSTMActorCritic(8, 2, key=0, action_space=rj.Box(-1.0, 1.0))
obs = jnp.zeros((16, 8))                             # 16 environments, 8 observations each
pi, value = model(obs)                               # one step; the carry lives in the model
action, log_prob = pi.sample_and_log_prob(seed=jax.random.key(0))  # (16, 2), (16,)
greedy = rj.deterministic_action(pi)                 # (16, 2), inside the box
done = jnp.arange(16) % 4 == 0                       # episodes that just ended
model.reset(obs.shape, mask=done)                    # zero their carry only
rj.save(model, "out/policy")                         # config.json + model.safetensors
restored = rj.load("out/policy")
print(type(restored).__name__, value.shape, action.shape, float(pi.entropy().mean()))
