"""A plain numpy forward pass (float64) of every built-in model, computed from
its configuration and canonical parameters alone, written from the SPEC and
from JaxDEM's model code, not from either backend: the oracle both backends'
tests compare against, and the proof ``rlmodels import-jaxdem`` prints (its
outputs on a JaxDEM checkpoint's mapped parameters equal JaxDEM's own, which
the tests check on checkpoints JaxDEM wrote).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np

from .configs import ModelConfig

__all__ = ["NUMPY_ACTIVATIONS", "forward", "lstm_step", "mingru_step", "squash"]

_erf = np.vectorize(math.erf)

NUMPY_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "gelu": lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    "gelu_exact": lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))),
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "silu": lambda x: x * 0.5 * (1 + np.tanh(x / 2)),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.01 * x),
    "sigmoid": lambda x: 0.5 * (1 + np.tanh(x / 2)),
    "softplus": lambda x: np.logaddexp(x, 0),
    "identity": lambda x: x,
}
"""The built-in activations as JAX defines them (``gelu``: the tanh approximation)."""

SIGMA_ACTIVATIONS = {"softplus": NUMPY_ACTIVATIONS["softplus"], "exp": np.exp, "identity": NUMPY_ACTIVATIONS["identity"]}

Params = Mapping[str, np.ndarray]
_sigmoid = NUMPY_ACTIVATIONS["sigmoid"]


def forward(config: ModelConfig, params: Params, x: np.ndarray, carry: Any = None) -> dict[str, Any]:
    """One call of the model ``config`` describes, with canonical ``params``, on
    observations ``x`` ``(..., obs)`` (dict observations: a mapping key ->
    ``(..., size)``, the actor reading one key, the critic another); a recurrent model takes one step from
    ``carry`` (the LSTM's ``(c, h)``, the MinGRU's ``h``; zeros if None).

    Returns ``value`` ``(..., 1)``; ``logits`` (discrete, normalised to
    log-probabilities) or ``loc``, ``scale`` and ``deterministic`` (the action
    space applied to ``loc``) ``(..., A)``; and for a recurrent model the new ``carry``.
    """
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    x, critic_x = _inputs(config, p, x)
    act = NUMPY_ACTIVATIONS.get(config.activation)
    if act is None:
        raise ValueError(f"no numpy reference for activation {config.activation!r}; known: {sorted(NUMPY_ACTIVATIONS)}")
    out: dict[str, Any] = {}
    kind = config.model_type
    if kind == "SharedActorCritic":
        actor = _mlp(p, "network", len(config.architecture), act, x)[0]
        out["value"] = _linear(p, "critic", actor)
    elif kind == "ActorCritic":
        actor = _mlp(p, "actor_torso", len(config.actor_architecture), act, x)[0]
        critic, head = _mlp(p, "critic", len(config.critic_architecture), act, critic_x)
        out["value"] = _linear(p, f"critic.layers.{head}", critic)
    elif kind == "LSTMActorCritic":
        c, h = (np.zeros((*x.shape[:-1], *s)) for s in config.carry_shapes().values()) if carry is None else carry
        out["carry"] = lstm_step(p, c, h, act(_linear(p, "encoder.layers.0", x)))
        actor = out["carry"][1]
        out["value"] = _linear(p, "critic", actor)
    elif kind == "MinGRUActorCritic":
        (shape,) = config.carry_shapes().values()
        h = np.zeros((*x.shape[:-1], *shape)) if carry is None else np.asarray(carry, np.float64)
        y = act(_linear(p, "encoder.layers.0", x))
        if "proj_in.kernel" in p:
            y = _linear(p, "proj_in", y)
        out["carry"], actor = mingru_step(p["mingru_kernel"], h, y)
        fused = _linear(p, "fused_head", actor)
        mu, out["value"] = fused[..., :-1], fused[..., -1:]
    else:
        raise ValueError(f"no numpy reference for {kind}")
    if "actor_mu.kernel" in p:
        mu = _linear(p, "actor_mu", actor)
    if config.discrete:
        out["logits"] = mu - np.logaddexp.reduce(mu, axis=-1, keepdims=True)
        return out
    if config.mean_clip_scale is not None:
        mu = config.mean_clip_scale * mu / (1 + np.abs(mu))
    if config.actor_sigma_head:
        scale = SIGMA_ACTIVATIONS[config.sigma_activation](_linear(p, "actor_sigma.layers.0", actor))
    else:
        scale = np.broadcast_to(np.exp(p["log_std"][0]) if "log_std" in p else p["std"][0], mu.shape)
    out["scale"] = scale + config.min_std
    out["loc"], out["deterministic"] = mu, squash(config.action_space, mu)
    return out


def _inputs(config: ModelConfig, p: Params, x: Any) -> tuple[np.ndarray, np.ndarray]:
    """What the actor and what the critic read, normalised: the observation
    (twice), or with dict observations each one's key (``normalizer.<key>.*``)."""

    def read(key: str | None) -> np.ndarray:
        value = np.asarray(x if key is None else x[key], np.float64)
        prefix = "normalizer" if key is None else f"normalizer.{key}"
        return (value - p[f"{prefix}.mean"]) / p[f"{prefix}.std"] if f"{prefix}.mean" in p else value

    keys = config.observation_keys  # the actor's key first, the critic's last
    return (read(None),) * 2 if keys is None else (read(keys[0]), read(keys[-1]))  # type: ignore[return-value]


def lstm_step(p: Params, c: np.ndarray, h: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flax's LSTM cells, one step: gates i, f, g, o; sigmoid gates, tanh cell
    input and output; the fused kernels ``cell.dense_i`` / ``cell.dense_h`` of
    ``OptimizedLSTMCell``, or one per gate (``LSTMCell``). Returns the new ``(c, h)``."""
    c, h = np.asarray(c, np.float64), np.asarray(h, np.float64)
    if "cell.dense_i.kernel" in p:
        z = x @ p["cell.dense_i.kernel"] + _linear(p, "cell.dense_h", h)
        i, f, g, o = np.split(z, 4, axis=-1)
    else:
        i, f, g, o = (x @ p[f"cell.i{k}.kernel"] + _linear(p, f"cell.h{k[0]}", h) for k in ("i", "f_", "g", "o"))
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return c, _sigmoid(o) * np.tanh(c)


def mingru_step(kernel: np.ndarray, h: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One step of stacked MinGRU layers: ``kernel`` ``(L, H, 3H)``, carry ``h``
    ``(..., L, H)``, input ``y`` ``(..., H)``. Per layer, with ``hidden, gate,
    proj = split(y @ kernel[l], 3)``: ``h_l = (1 - w) h_l + w g(hidden)``
    (``w = sigmoid(gate)``, ``g(x) = x + 0.5`` for ``x >= 0``, else
    ``sigmoid(x)``), then the highway ``s h_l + (1 - s) y`` (``s =
    sigmoid(proj)``) is the next layer's input. Returns the new carry and the
    last layer's output."""
    carry = []
    for layer in range(kernel.shape[0]):
        hidden, gate, proj = np.split(y @ kernel[layer], 3, axis=-1)
        w = _sigmoid(gate)
        carry.append((1 - w) * h[..., layer, :] + w * np.where(hidden >= 0, hidden + 0.5, _sigmoid(hidden)))
        s = _sigmoid(proj)
        y = s * carry[-1] + (1 - s) * y
    return np.stack(carry, axis=-2), y


def squash(entry: Mapping[str, Any], mu: np.ndarray) -> np.ndarray:
    """The action space ``entry`` (``{"type", "kwargs"}``) applied to ``mu``: the deterministic action."""
    kw = entry["kwargs"]
    if entry["type"] == "Box":
        lo, hi = np.asarray(kw["x_min"], np.float64), np.asarray(kw["x_max"], np.float64)
        eps, width = kw.get("eps", 1e-6), kw.get("width", 1.0)
        return (lo + hi) / 2 + (1 - eps) * (hi - lo) / 2 * np.tanh(mu / width)
    if entry["type"] == "MaxNorm":
        eps = kw.get("eps", 1e-6)
        r = np.sqrt(np.sum(mu * mu, axis=-1, keepdims=True) + eps**2)
        return (1 - eps) * kw.get("max_norm", 1.0) * np.tanh(r) * mu / r
    return mu


def _linear(p: Params, name: str, x: np.ndarray) -> np.ndarray:
    y = x @ p[f"{name}.kernel"]
    return y + p[f"{name}.bias"] if f"{name}.bias" in p else y


def _mlp(p: Params, name: str, n: int, act: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> tuple[np.ndarray, int]:
    """``n`` layers of ``Linear, activation`` (and a LayerNorm where its
    parameters follow them); returns the output and the next layer's index."""
    index = 0
    for _ in range(n):
        x = act(_linear(p, f"{name}.layers.{index}", x))
        index += 2
        if f"{name}.layers.{index}.scale" in p:
            x = _layer_norm(x, p[f"{name}.layers.{index}.scale"], p[f"{name}.layers.{index}.bias"])
            index += 1
    return x, index


def _layer_norm(x: np.ndarray, scale: np.ndarray, bias: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * scale + bias
