"""What a user would write by hand in JAX: pure ``jax.numpy`` functions of a
parameter dict (the canonical parameters of an rlmodels_jax model), with the
port's math, to be jitted whole."""

from __future__ import annotations

import math
from typing import Any, Mapping

import jax
import jax.numpy as jnp

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
Params = Mapping[str, jax.Array]


def _dense(p: Params, name: str, x: jax.Array) -> jax.Array:
    y = x @ p[f"{name}.kernel"]
    return y + p[f"{name}.bias"] if f"{name}.bias" in p else y


def _mlp(p: Params, prefix: str, x: jax.Array, layers: int) -> jax.Array:
    for i in range(layers):
        x = jax.nn.gelu(_dense(p, f"{prefix}.layers.{2 * i}", x), approximate=True)
    return x


def _gaussian_log_prob(x: jax.Array, mean: jax.Array, log_std: jax.Array) -> jax.Array:
    return jnp.sum(-0.5 * ((x - mean) / jnp.exp(log_std)) ** 2 - log_std - HALF_LOG_2PI, axis=-1)


def mlp_act(p: Params, x: jax.Array, key: jax.Array, box: Any, layers: int) -> tuple[jax.Array, ...]:
    """ActorCritic with Box(lo, hi): sample, its log-density, value."""
    mean = _dense(p, "actor_mu", _mlp(p, "actor_torso", x, layers))
    log_std = jnp.broadcast_to(p["log_std"][0], mean.shape)
    u = mean + jnp.exp(log_std) * jax.random.normal(key, mean.shape, mean.dtype)
    center, half, eps = jnp.asarray(box.center, x.dtype), jnp.asarray(box.half, x.dtype), box.eps
    action = center + half * jnp.tanh(u)
    t = jnp.clip((action - center) / half, -1 + eps, 1 - eps)
    log_det = jnp.sum(jnp.log(half) + jnp.log1p(-t) + jnp.log1p(t), axis=-1)
    log_prob = _gaussian_log_prob(jnp.arctanh(t), mean, log_std) - log_det
    value = _dense(p, f"critic.layers.{2 * layers}", _mlp(p, "critic", x, layers))
    return action, log_prob, value


def lstm_act(p: Params, carry: tuple[jax.Array, jax.Array], x: jax.Array, key: jax.Array) -> tuple[Any, ...]:
    """LSTMActorCritic with Free actions, one step: sample, log-density, value, new carry."""
    c, h = carry
    f = jax.nn.gelu(_dense(p, "encoder.layers.0", x), approximate=True)
    z = f @ p["cell.dense_i.kernel"] + h @ p["cell.dense_h.kernel"] + p["cell.dense_h.bias"]
    i, fg, g, o = jnp.split(z, 4, axis=-1)
    c = jax.nn.sigmoid(fg) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    h = jax.nn.sigmoid(o) * jnp.tanh(c)
    mean = _dense(p, "actor_mu", h)
    log_std = jnp.broadcast_to(p["log_std"][0], mean.shape)
    action = mean + jnp.exp(log_std) * jax.random.normal(key, mean.shape, mean.dtype)
    return action, _gaussian_log_prob(action, mean, log_std), _dense(p, "critic", h), (c, h)
