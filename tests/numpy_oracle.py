"""Numpy (float64) oracles the tests need beyond the reference forward
(``rlmodels_common.reference``, which they use for the models' outputs):
MaxNorm's log-det as JaxDEM computes it and what that formula omits, and a
MinGRU rollout with the size of the terms its rounding acts on."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from rlmodels_common.reference import NUMPY_ACTIVATIONS

ACTIVATIONS = NUMPY_ACTIVATIONS


def _linear(p: Mapping[str, np.ndarray], name: str, x: np.ndarray) -> np.ndarray:
    y = x @ p[f"{name}.kernel"]
    return y + p[f"{name}.bias"] if f"{name}.bias" in p else y


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
