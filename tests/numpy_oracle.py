"""A plain numpy (float64) forward pass of every model, computed from the
metadata and canonical parameters alone: the test oracle both backends'
tests compare against, written from the SPEC, not from either backend."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

_erf = np.vectorize(math.erf)

ACTIVATIONS = {
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


def _linear(p: Mapping[str, np.ndarray], name: str, x: np.ndarray) -> np.ndarray:
    y = x @ p[f"{name}.kernel"]
    return y + p[f"{name}.bias"] if f"{name}.bias" in p else y


def _mlp(p: Mapping[str, np.ndarray], name: str, sizes: list[int], act: Any, x: np.ndarray) -> np.ndarray:
    for i in range(len(sizes)):
        x = act(_linear(p, f"{name}.layers.{2 * i}", x))
    return x


def lstm_cell(p: Mapping[str, np.ndarray], cell_type: str, c: np.ndarray, h: np.ndarray, x: np.ndarray):
    """One LSTM step; gate order i, f, g, o. Returns (c, h)."""
    if cell_type == "OptimizedLSTMCell":
        z = x @ p["cell.dense_i.kernel"] + h @ p["cell.dense_h.kernel"] + p["cell.dense_h.bias"]
        i, f, g, o = np.split(z, 4, axis=-1)
    else:
        i, f, g, o = (
            x @ p[f"cell.i{k}.kernel"] + h @ p[f"cell.h{k[0]}.kernel"] + p[f"cell.h{k[0]}.bias"]
            for k in ("i", "f_", "g", "o")
        )
    sig = ACTIVATIONS["sigmoid"]
    c = sig(f) * c + sig(i) * np.tanh(g)
    return c, sig(o) * np.tanh(c)


def mingru_step(kernel: np.ndarray, h: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One step of stacked MinGRU layers (SPEC section 10): ``kernel`` ``(L, H, 3H)``,
    carry ``h`` ``(..., L, H)``, input ``y`` ``(..., H)``. Per layer, with
    ``hidden, gate, proj = split(y @ kernel[l], 3)``: ``h_l = (1 - w) h_l + w g(hidden)``
    (``w = sigmoid(gate)``, ``g(x) = x + 0.5`` for ``x >= 0``, else ``sigmoid(x)``),
    then the highway ``s h_l + (1 - s) y`` (``s = sigmoid(proj)``) is the next
    layer's input. Returns the new carry and the last layer's output."""
    sig = ACTIVATIONS["sigmoid"]
    carry = []
    for layer in range(kernel.shape[0]):
        hidden, gate, proj = np.split(y @ kernel[layer], 3, axis=-1)
        w = sig(gate)
        carry.append((1 - w) * h[..., layer, :] + w * np.where(hidden >= 0, hidden + 0.5, sig(hidden)))
        s = sig(proj)
        y = s * carry[-1] + (1 - s) * y
    return np.stack(carry, axis=-2), y


def forward(
    model_type: str,
    meta: Mapping[str, Any],
    params: Mapping[str, np.ndarray],
    x: np.ndarray,
    carry: Any = None,
) -> dict[str, Any]:
    """Outputs for observations ``x`` (``(..., obs)``), one recurrent step from
    ``carry`` (the LSTM's ``(c, h)``, the MinGRU's ``h``; zeros if None).

    Returns ``mu`` (logits when discrete), ``std`` (continuous), ``value`` and
    for a recurrent model the new ``carry``.
    """
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    x = np.asarray(x, np.float64)
    act = ACTIVATIONS[meta["activation"]]
    out: dict[str, Any] = {}
    if model_type == "SharedActorCritic":
        actor = critic = _mlp(p, "network", meta["architecture"], act, x)
        value = _linear(p, "critic", critic)
    elif model_type == "ActorCritic":
        actor = _mlp(p, "actor_torso", meta["actor_architecture"], act, x)
        n = len(meta["critic_architecture"])
        value = _linear(p, f"critic.layers.{2 * n}", _mlp(p, "critic", meta["critic_architecture"], act, x))
    elif model_type == "MinGRUActorCritic":
        y = act(_linear(p, "encoder.layers.0", x))
        if "proj_in.kernel" in p:
            y = _linear(p, "proj_in", y)
        L, H = meta["num_layers"], meta["gru_features"]
        h = np.zeros((*x.shape[:-1], L, H)) if carry is None else np.asarray(carry, np.float64)
        out["carry"], actor = mingru_step(p["mingru_kernel"], h, y)
        fused = _linear(p, "fused_head", actor)
        out["mu"], value = fused[..., :-1], fused[..., -1:]
    else:
        feats = act(_linear(p, "encoder.layers.0", x))
        H = meta["lstm_features"]
        if carry is None:
            carry = (np.zeros(x.shape[:-1] + (H,)), np.zeros(x.shape[:-1] + (H,)))
        c, h = lstm_cell(p, meta["cell_type"], *carry, feats)
        out["carry"] = (c, h)
        actor = h
        value = _linear(p, "critic", h)
    if "mu" not in out:
        out["mu"] = _linear(p, "actor_mu", actor)
    out["value"] = value
    if not meta["discrete"]:
        if meta["actor_sigma_head"]:
            out["std"] = np.logaddexp(_linear(p, "actor_sigma.layers.0", actor), 0)
        else:
            out["std"] = np.broadcast_to(np.exp(p["log_std"][0]), out["mu"].shape)
    return out


def max_norm_log_det(x: np.ndarray, max_norm: float, eps: float = 1e-6) -> np.ndarray:
    """MaxNorm's log|det J| at ``x`` ``(..., d)`` as JaxDEM computes it (SPEC
    section 4): ``d log s + (d - 1)(log tanh r - log r) + log sech^2 r``."""
    x = np.asarray(x, np.float64)
    d = x.shape[-1]
    r = np.sqrt(np.sum(x * x, axis=-1) + eps**2)
    log_sech2 = 2 * (math.log(2) - r - np.logaddexp(0, -2 * r))
    return d * math.log((1 - eps) * max_norm) + (d - 1) * (np.log(np.tanh(r)) - np.log(r)) + log_sech2


def max_norm_omitted_log_det(x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The exact log|det J| of MaxNorm's smoothed map less JaxDEM's formula:
    ``log1p(eps^2 (sinh(2r) / 2 - r) / r^3)``, from the radial eigenvalue
    ``s (sech^2(r) |x|^2 / r^2 + tanh(r) eps^2 / r^3)`` that JaxDEM takes as
    ``s sech^2 r``."""
    x = np.asarray(x, np.float64)
    r = np.sqrt(np.sum(x * x, axis=-1) + eps**2)
    return np.log1p(eps**2 * (np.sinh(2 * r) / 2 - r) / r**3)


def mingru_rollout(
    meta: Mapping[str, Any], params: Mapping[str, np.ndarray], x: np.ndarray, done: np.ndarray, carry: Any = None
) -> dict[str, np.ndarray]:
    """A MinGRU rollout in float64 and the size of what rounding acts on in it.

    Steps through ``x`` ``(T, *batch, obs)`` from ``carry`` (zeros if None),
    zeroing the carry after step ``t`` where ``done[t]``. Returns ``mu``
    ``(T, *batch, A)`` and ``value`` ``(T, *batch, 1)``, the final ``carry``, and
    for each its *scale* (``mu_scale``, ...): the sum of the magnitudes of the
    terms every operation combined, carried through the computation to first
    order (an operation's result gets ``|f'|`` times its inputs' scales, plus
    its own magnitude). Two float computations of the same function differ by
    a few eps of that scale (``rlmodels_common.tolerances``, which uses the
    same rule for log-densities): a matmul whose terms cancel leaves errors
    the size of the terms, not of the result.
    """
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    act, sig = ACTIVATIONS[meta["activation"]], ACTIVATIONS["sigmoid"]
    L, H = meta["num_layers"], meta["gru_features"]
    x = np.asarray(x, np.float64)
    h = np.zeros((*x.shape[1:-1], L, H)) if carry is None else np.asarray(carry, np.float64)
    h_scale = np.abs(h)

    def dense(name: str, y: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = _linear(p, name, y)
        bias = np.abs(p[f"{name}.bias"]) if f"{name}.bias" in p else 0.0
        return z, scale @ np.abs(p[f"{name}.kernel"]) + bias + np.abs(z)

    def slope(f: Any, z: np.ndarray) -> np.ndarray:
        step = 1e-6 * (1 + np.abs(z))
        return np.abs(f(z + step) - f(z - step)) / (2 * step)

    out: dict[str, list] = {"mu": [], "mu_scale": [], "value": [], "value_scale": []}
    for t in range(x.shape[0]):
        z, z_scale = dense("encoder.layers.0", x[t], np.abs(x[t]))
        y, y_scale = act(z), slope(act, z) * z_scale + np.abs(act(z))
        if "proj_in.kernel" in p:
            y, y_scale = dense("proj_in", y, y_scale)
        carry_out, carry_scale = [], []
        for layer in range(L):
            kernel = p["mingru_kernel"][layer]
            z = y @ kernel
            hidden, gate, proj = np.split(z, 3, axis=-1)
            hidden_s, gate_s, proj_s = np.split(y_scale @ np.abs(kernel) + np.abs(z), 3, axis=-1)
            w, w_s = sig(gate), sig(gate) * (1 - sig(gate)) * gate_s + sig(gate)
            g = np.where(hidden >= 0, hidden + 0.5, sig(hidden))
            g_s = np.where(hidden >= 0, 1.0, sig(hidden) * (1 - sig(hidden))) * hidden_s + g
            old, old_s = h[..., layer, :], h_scale[..., layer, :]
            new = (1 - w) * old + w * g
            carry_out.append(new)
            carry_scale.append((1 - w) * old_s + w * g_s + np.abs(g - old) * w_s + np.abs(new))
            s = sig(proj)
            s_s = s * (1 - s) * proj_s + s
            highway = s * new + (1 - s) * y
            y_scale = s * carry_scale[-1] + (1 - s) * y_scale + np.abs(new - y) * s_s + np.abs(highway)
            y = highway
        h, h_scale = np.stack(carry_out, axis=-2), np.stack(carry_scale, axis=-2)
        fused, fused_scale = dense("fused_head", y, y_scale)
        out["mu"].append(fused[..., :-1])
        out["mu_scale"].append(fused_scale[..., :-1])
        out["value"].append(fused[..., -1:])
        out["value_scale"].append(fused_scale[..., -1:])
        keep = ~np.asarray(done[t], bool)[..., None, None]
        h, h_scale = np.where(keep, h, 0.0), np.where(keep, h_scale, 0.0)
    result = {k: np.stack(v) for k, v in out.items()}
    return {**result, "carry": h, "carry_scale": h_scale}
