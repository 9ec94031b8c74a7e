"""The JaxDEM checkpoints in ``tests/jaxdem/`` (written by JaxDEM itself, see its
README) and the check that a model reproduces JaxDEM's recorded outputs.
Framework-free: each backend's tests compute the outputs, this compares them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rlmodels_common.carry import map_carry
from rlmodels_common.jaxdem import convert, read_directory
from rlmodels_common.reference import forward
from rlmodels_common.action_spaces import HALF_LOG_2PI
from rlmodels_common.tolerances import tolerance
from tests.numpy_oracle import max_norm_log_det

ROOT = Path(__file__).parent / "jaxdem"
CASES = ["head/ac_discrete", "head/lstm_box", "head/mingru_box", "head/shared_free_sigma", "seed/ac_discrete", "seed/lstm_box", "seed/shared_maxnorm_sigma"]  # fmt: skip
"""Every public case (all are supported)."""
RECURRENT = ["head/lstm_box", "head/mingru_box", "seed/lstm_box"]
"""The cases with a recurrent carry (``carry_*``, ``saved_carry_*`` and ``value_from_saved`` recorded)."""


def checkpoint(case: str) -> Path:
    """The JaxDEM checkpoint directory of ``case`` (holding step folders)."""
    return ROOT / case / "orbax"


def expected(case: str) -> dict[str, np.ndarray]:
    """JaxDEM's recorded outputs for ``case`` with the step-7 weights."""
    with np.load(ROOT / case / "expected.npz") as f:
        return {k: f[k] for k in f.files}


def errors(outputs: dict[str, np.ndarray], case: str) -> dict[str, float]:
    """Largest error / float32 tolerance of each output against JaxDEM's record
    (at most 1 when they agree); deterministic discrete actions must be equal.
    A continuous log-prob is held to the project's rule for log-densities, at
    the size of its terms (``log_prob_scale``), taken from JaxDEM's forward
    recomputed in numpy, never from the model under test."""
    want = expected(case)
    scales = {"log_prob": log_prob_scales(case)}
    tol = tolerance("float32")
    return {k: tol.error(np.asarray(v, np.float64), want[k], scales.get(k)) for k, v in outputs.items()}


def log_prob_scale(x: np.ndarray, loc: np.ndarray, std: np.ndarray, log_det: np.ndarray, sensitivity: np.ndarray) -> np.ndarray:
    """Magnitude of the float64 ``log N(x; loc, std) - log_det`` as a float32
    implementation computes it ``(...)``: each term at its size, the subtraction
    in ``z = (x - loc) / std`` at the size of its operands, and the action
    ``sensitivity`` (one ulp of an action just inside a bound legitimately moves
    the log-density). The first-order rounding bound of a sum that cancels;
    JaxDEM's record is float32, so it is only known this well."""
    z = (x - loc) / std
    terms = np.abs(z) * (np.abs(x) + np.abs(loc)) / std + 0.5 * z * z + np.abs(np.log(std)) + HALF_LOG_2PI
    return np.sum(terms, axis=-1) + np.abs(log_det) + sensitivity


def log_prob_scales(case: str) -> np.ndarray | None:
    """``log_prob_scale`` of each recorded log-prob ``(T, B)``: the Gaussian and
    log-det terms of JaxDEM's log-density of the recorded action and its
    sensitivity to the action, in float64 from the checkpoint's arrays (None
    for a discrete model). The sensitivity matters just inside a bound: one
    float32 ulp of an action 2.3e-5 from a Box bound moves JaxDEM's float64
    log-density by 0.01 (head/mingru_box, step 4)."""
    imported = convert(read_directory(checkpoint(case)))
    m, want = imported.metadata, expected(case)
    if m["discrete"]:
        return None
    carry, scales = None, []
    for t in range(want["obs"].shape[0]):
        out = forward(imported.config, imported.tensors, want["obs"][t], carry)
        if "carry" in out:
            carry = map_carry(lambda a: zero_where(want["done"][t], a), out["carry"])
        y = want["actions"][t].astype(np.float64)
        x, log_det = _jaxdem_inverse(m["action_space"], y)
        sensitivity = _action_sensitivity(m["action_space"], y, out["loc"], out["scale"])
        scales.append(log_prob_scale(x, out["loc"], out["scale"], log_det, sensitivity))
    return np.stack(scales)


def _log_density(entry: dict, y: np.ndarray, loc: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """JaxDEM's log-density of the action ``y`` ``(..., A)``, in float64."""
    x, log_det = _jaxdem_inverse(entry, y)
    z = (x - loc) / scale
    return np.sum(-0.5 * z * z - np.log(scale) - HALF_LOG_2PI, axis=-1) - log_det


def _action_sensitivity(entry: dict, y: np.ndarray, loc: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``sum_i |d log p / d a_i * a_i|`` ``(...)`` (:func:`log_prob_scale`),
    by central differences in float64 with steps a thousandth of the distance to
    the action space's boundary, so both points stay inside it."""
    kw = entry["kwargs"]
    if entry["type"] == "Box":
        room = np.minimum(y - np.asarray(kw["x_min"]), np.asarray(kw["x_max"]) - y)
    elif entry["type"] == "MaxNorm":
        room = np.broadcast_to(kw["max_norm"] - np.linalg.norm(y, axis=-1, keepdims=True), y.shape)
    else:
        room = 1 + np.abs(y)
    total = np.zeros(y.shape[:-1])
    for i in range(y.shape[-1]):
        step = np.zeros_like(y)
        step[..., i] = 1e-3 * room[..., i]
        slope = (_log_density(entry, y + step, loc, scale) - _log_density(entry, y - step, loc, scale)) / (2 * step[..., i])
        total += np.abs(slope * y[..., i])
    return total


def zero_where(done: np.ndarray, carry: np.ndarray) -> np.ndarray:
    """One carry array ``(B, ...)`` with the rows where ``done`` ``(B,)`` is True zeroed."""
    return np.where(done.reshape(-1, *(1,) * (carry.ndim - 1)), 0.0, carry)


def _jaxdem_inverse(entry: dict, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """JaxDEM's inverse of its action-space bijector and the forward log-det there."""
    kw = entry["kwargs"]
    eps = kw.get("eps", 1e-6)
    if entry["type"] == "Box":
        lo, hi, width = np.asarray(kw["x_min"]), np.asarray(kw["x_max"]), kw.get("width", 1.0)
        half = (1 - eps) * (hi - lo) / 2
        x = width * np.arctanh(np.clip((y - (lo + hi) / 2) / half, -1 + eps, 1 - eps))
        z = x / width
        return x, np.sum(np.log(half / width) + 2 * (np.log(2) - z - np.logaddexp(0, -2 * z)), axis=-1)
    if entry["type"] == "MaxNorm":
        s = (1 - eps) * kw["max_norm"]
        r = np.sqrt(np.sum(y * y, axis=-1, keepdims=True) + eps**2)
        x = np.arctanh(np.clip(r / s, -1 + eps, 1 - eps)) * y / r
        return x, max_norm_log_det(x, kw["max_norm"], eps)
    return y, np.zeros(y.shape[:-1])


def assert_reproduces(outputs: dict[str, np.ndarray], case: str) -> None:
    """Every output agrees with JaxDEM's record to the float32 tolerance."""
    ratios = errors(outputs, case)
    assert set(ratios) >= {"value", "log_prob", "entropy", "deterministic"}
    bad = {k: v for k, v in ratios.items() if not v <= 1}
    assert not bad, f"{case}: outputs disagree with JaxDEM's (error / tolerance): {bad}"
