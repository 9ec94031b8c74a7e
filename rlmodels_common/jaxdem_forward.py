"""JaxDEM's forward pass in plain numpy (float64), on the arrays of a JaxDEM
checkpoint under JaxDEM's own names: what ``rlmodels import-jaxdem`` checks an
imported model against, so the import is proven without JaxDEM installed.

Written from JaxDEM's model code (seed-era 531f8d8 and current 5d9c13a), not
from the importer's mapping: it reads ``fused_head``, ``_actor_sigma`` or
``actor_sigma.net`` and ``_log_std`` where JaxDEM reads them.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np

from .jaxdem import Imported

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
"""The built-in activations, as JAX defines them (``gelu``: tanh approximation)."""

Carry = tuple[np.ndarray, np.ndarray] | np.ndarray


def jaxdem_forward(imported: Imported, x: np.ndarray, carry: Carry | None = None) -> dict[str, np.ndarray]:
    """One forward step of the JaxDEM model ``imported`` was read from.

    ``x`` is ``(..., obs_dim)``; ``carry`` (zeros if None) is ``(c, h)`` each
    ``(..., lstm_features)`` for the LSTM, ``h`` ``(..., num_layers,
    gru_features)`` for the MinGRU. Returns ``value`` ``(..., 1)``; ``logits``
    (discrete, log-softmax normalised) or ``loc``, ``scale`` and
    ``deterministic`` ``(..., A)``; and for a recurrent model the new ``carry``.
    """
    m = imported.metadata
    p: Mapping[str, np.ndarray] = {k: np.asarray(v, np.float64) for k, v in imported.source.arrays.items()}
    act = NUMPY_ACTIVATIONS.get(m["activation"])
    if act is None:
        raise ValueError(f"no numpy reference for activation {m['activation']!r}; known: {sorted(NUMPY_ACTIVATIONS)}")
    x = np.asarray(x, np.float64)
    seed_era = "_actor_sigma.layers.0.kernel" in p
    out: dict[str, Any] = {}
    if imported.model_type == "SharedActorCritic":
        features = critic_in = _mlp(p, "network", len(m["architecture"]), act, x)
    elif imported.model_type == "ActorCritic":
        features = _mlp(p, "actor_torso", len(m["actor_architecture"]), act, x)
        n = len(m["critic_architecture"])
        out["value"] = _linear(p, f"critic.layers.{2 * n}", _mlp(p, "critic", n, act, x))
    elif imported.model_type == "LSTMActorCritic":
        zeros = np.zeros((*x.shape[:-1], m["lstm_features"]))
        c, h = (zeros, zeros) if carry is None else (np.asarray(a, np.float64) for a in carry)
        c, h = _lstm_step(p, m["cell_type"], c, h, act(_linear(p, "encoder.layers.0", x)))
        out["carry"] = (c, h)
        features = critic_in = h
    elif imported.model_type == "MinGRUActorCritic":
        shape = (*x.shape[:-1], m["num_layers"], m["gru_features"])
        h = np.zeros(shape) if carry is None else np.asarray(carry, np.float64)
        y = act(_linear(p, "encoder.layers.0", x))
        if "proj_in.kernel" in p:
            y = _linear(p, "proj_in", y)
        out["carry"], features = _mingru_step(p["mingru_kernel"], h, y)
        critic_in = features
    else:
        raise ValueError(f"no numpy reference for {imported.model_type}")
    A = m["action_space_size"]
    if not seed_era and "fused_head.kernel" in p:
        fused = _linear(p, "fused_head", features)
        mu, out["value"] = fused[..., :A], fused[..., A:]
    else:
        mu = _linear(p, "actor_mu", features)
        if "value" not in out:
            out["value"] = _linear(p, "critic", critic_in)
    if m["discrete"]:
        out["logits"] = mu - np.logaddexp.reduce(mu, axis=-1, keepdims=True)
        return out
    if m["actor_sigma_head"]:
        head = "_actor_sigma.layers.0" if seed_era else "actor_sigma.net.layers.0"
        scale = np.logaddexp(_linear(p, head, features), 0)
    else:
        scale = np.broadcast_to(np.exp(p["_log_std"][0]), mu.shape)
    out["loc"], out["scale"] = mu, scale
    out["deterministic"] = _squash(m["action_space"], mu)
    return out


def _linear(p: Mapping[str, np.ndarray], name: str, x: np.ndarray) -> np.ndarray:
    return x @ p[f"{name}.kernel"] + p[f"{name}.bias"]


def _mlp(p: Mapping[str, np.ndarray], name: str, n: int, act: Callable, x: np.ndarray) -> np.ndarray:
    for i in range(n):
        x = act(_linear(p, f"{name}.layers.{2 * i}", x))
    return x


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(x / 2))


def _lstm_step(p: Mapping[str, np.ndarray], cell: str, c: np.ndarray, h: np.ndarray, x: np.ndarray) -> Carry:
    """Flax's LSTM cells: gates i, f, g, o; sigmoid gates, tanh cell input and output."""
    if cell == "OptimizedLSTMCell":
        z = x @ p["cell.dense_i.kernel"] + _linear(p, "cell.dense_h", h)
        i, f, g, o = np.split(z, 4, axis=-1)
    else:
        i, f, g, o = (x @ p[f"cell.i{k}.kernel"] + _linear(p, f"cell.h{k[0]}", h) for k in ("i", "f_", "g", "o"))
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return c, _sigmoid(o) * np.tanh(c)


def _mingru_step(kernel: np.ndarray, h: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """JaxDEM's MinGRU step: per layer ``h = (1 - w) h + w g(hidden)``, then the
    highway ``s h + (1 - s) y`` is the next layer's input; returns the new
    carry ``(..., L, H)`` and the last layer's output."""
    carry = []
    for layer in range(kernel.shape[0]):
        hidden, gate, proj = np.split(y @ kernel[layer], 3, axis=-1)
        w = _sigmoid(gate)
        g = np.where(hidden >= 0, hidden + 0.5, _sigmoid(hidden))
        carry.append((1 - w) * h[..., layer, :] + w * g)
        s = _sigmoid(proj)
        y = s * carry[-1] + (1 - s) * y
    return np.stack(carry, axis=-2), y


def _squash(entry: Mapping[str, Any], mu: np.ndarray) -> np.ndarray:
    """The action-space bijector of JaxDEM applied to the mean: the deterministic action."""
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


__all__ = ["NUMPY_ACTIVATIONS", "jaxdem_forward"]
