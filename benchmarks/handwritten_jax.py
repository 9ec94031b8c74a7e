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


def _mingru_features(p: Params, x: jax.Array) -> jax.Array:
    y = jax.nn.gelu(_dense(p, "encoder.layers.0", x), approximate=True)
    return _dense(p, "proj_in", y) if "proj_in.kernel" in p else y


def _mingru_heads(p: Params, y: jax.Array, action: jax.Array | None, key: jax.Array | None) -> tuple[jax.Array, ...]:
    out = _dense(p, "fused_head", y)
    mean, value = out[..., :-1], out[..., -1:]
    log_std = jnp.broadcast_to(p["log_std"][0], mean.shape)
    if action is None:
        action = mean + jnp.exp(log_std) * jax.random.normal(key, mean.shape, mean.dtype)
    return action, _gaussian_log_prob(action, mean, log_std), value


def _g(x: jax.Array) -> jax.Array:
    return jnp.where(x >= 0, x + 0.5, jax.nn.sigmoid(x))


def mingru_act(p: Params, h: jax.Array, x: jax.Array, key: jax.Array) -> tuple[Any, ...]:
    """MinGRUActorCritic with Free actions, one step from ``h`` ``(B, L, H)``:
    sample, log-density, value, new carry."""
    y, new = _mingru_features(p, x), []
    for i in range(p["mingru_kernel"].shape[0]):
        hidden, gate, proj = jnp.split(y @ p["mingru_kernel"][i], 3, axis=-1)
        w = jax.nn.sigmoid(gate)
        new.append((1 - w) * h[:, i] + w * _g(hidden))
        s = jax.nn.sigmoid(proj)
        y = s * new[-1] + (1 - s) * y
    return *_mingru_heads(p, y, None, key), jnp.stack(new, axis=1)


def mingru_evaluate(p: Params, x: jax.Array, action: jax.Array, done: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Log-densities of ``action`` and values over ``x`` ``(T, B, obs)`` from a zero
    carry, the carry zeroed after step t where ``done[t]``: per layer, JaxDEM's
    log-space associative scan (Heinsen's operator)."""

    def combine(first, second):
        return first[0] + second[0], jnp.logaddexp(second[0] + first[1], second[1])

    y = _mingru_features(p, x)
    for i in range(p["mingru_kernel"].shape[0]):
        hidden, gate, proj = jnp.split(y @ p["mingru_kernel"][i], 3, axis=-1)
        log_a = -jax.nn.softplus(gate)
        log_g = jnp.where(hidden >= 0, jnp.log(jax.nn.relu(hidden) + 0.5), -jax.nn.softplus(-hidden))
        log_b = -jax.nn.softplus(-gate) + log_g
        log_a = jnp.concatenate([log_a[:1], jnp.where(done[:-1, ..., None], -jnp.inf, log_a[1:])])
        h = jnp.exp(jax.lax.associative_scan(combine, (log_a, log_b))[1])
        s = jax.nn.sigmoid(proj)
        y = s * h + (1 - s) * y
    return _mingru_heads(p, y, action, None)[1:]
