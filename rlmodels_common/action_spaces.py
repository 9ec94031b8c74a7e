"""Validated constants of the action spaces, computed once in float64.

Both backends build their ``Box`` and ``MaxNorm`` from these, so the numbers
every formula uses are identical in JAX and torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

LOG2 = math.log(2.0)
"""A Python float, so it stays weakly typed (a numpy float64 would promote
float32 arrays to float64 under ``jax_enable_x64``)."""
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
"""The Gaussian log-normaliser per dimension (a Python float, like ``LOG2``)."""

Bound = float | Sequence[float]

ACTION_SPACES = ("Box", "Free", "MaxNorm")
"""The built-in action-space names; both backends register exactly these."""


def _static(value: np.ndarray) -> float | tuple[float, ...]:
    """A float64 array as a hashable Python float (0-d) or tuple (1-d)."""
    return float(value) if value.ndim == 0 else tuple(float(v) for v in value)


@dataclass(frozen=True)
class BoxConstants:
    x_min: float | tuple[float, ...]
    x_max: float | tuple[float, ...]
    width: float
    eps: float
    center: float | tuple[float, ...]
    """``(x_min + x_max) / 2``."""
    half: float | tuple[float, ...]
    """``(1 - eps) (x_max - x_min) / 2``."""
    log_scale: float | tuple[float, ...]
    """``log(half) - log(width)``: the constant part of the log-det."""
    inv_half: float | tuple[float, ...]
    """``1 / half``. Both backends multiply by the same reciprocal: XLA turns a
    division by a constant into that multiplication, and near the bounds a one-ulp
    difference in ``u`` would be amplified by artanh."""
    inv_width: float
    """``1 / width``, for the same reason."""

    @property
    def size(self) -> int | None:
        """Number of bounds (None for scalar bounds, which fit any action size)."""
        return None if isinstance(self.x_min, float) else len(self.x_min)

    @property
    def kwargs(self) -> dict[str, object]:
        as_list = (lambda v: list(v)) if self.size is not None else (lambda v: v)
        return {"x_min": as_list(self.x_min), "x_max": as_list(self.x_max), "width": self.width, "eps": self.eps}


def box_constants(x_min: Bound, x_max: Bound, width: float = 1.0, eps: float = 1e-6) -> BoxConstants:
    """Check the ``Box`` arguments and derive its constants; ``ValueError`` naming
    expected and actual values otherwise. ``eps = 0`` is the plain squash
    ``tanh`` of ``Box(-1, 1)`` (Brax's)."""
    lo = np.asarray(x_min, dtype=np.float64)
    hi = np.asarray(x_max, dtype=np.float64)
    if lo.ndim > 1 or hi.ndim > 1:
        raise ValueError(f"Box: expected scalar or 1-d bounds, got x_min shape {lo.shape}, x_max shape {hi.shape}")
    try:
        lo, hi = np.broadcast_arrays(lo, hi)
    except ValueError:
        raise ValueError(f"Box: x_min shape {lo.shape} and x_max shape {hi.shape} do not broadcast") from None
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        raise ValueError(f"Box: expected finite bounds, got x_min={lo.tolist()}, x_max={hi.tolist()}")
    if not np.all(hi > lo):
        raise ValueError(f"Box: expected x_max > x_min elementwise, got x_min={lo.tolist()}, x_max={hi.tolist()}")
    if not width > 0:
        raise ValueError(f"Box: expected width > 0, got {width}")
    if not 0 <= eps < 1:
        raise ValueError(f"Box: expected 0 <= eps < 1, got {eps}")
    half = (1.0 - eps) * (hi - lo) / 2.0
    return BoxConstants(
        x_min=_static(lo),
        x_max=_static(hi),
        width=float(width),
        eps=float(eps),
        center=_static((lo + hi) / 2.0),
        half=_static(half),
        log_scale=_static(np.log(half) - np.log(float(width))),
        inv_half=_static(1.0 / half),
        inv_width=1.0 / float(width),
    )


@dataclass(frozen=True)
class MaxNormConstants:
    max_norm: float
    eps: float
    scale: float
    """``s = (1 - eps) max_norm``, the largest action norm."""
    log_scale: float
    """``log(s)``."""
    inv_scale: float
    """``1 / s`` (multiplied, never divided by; see ``BoxConstants.inv_half``)."""

    @property
    def kwargs(self) -> dict[str, object]:
        return {"max_norm": self.max_norm, "eps": self.eps}


def max_norm_constants(max_norm: float = 1.0, eps: float = 1e-6) -> MaxNormConstants:
    """Check the ``MaxNorm`` arguments and derive its constants."""
    if not (np.isfinite(max_norm) and max_norm > 0):
        raise ValueError(f"MaxNorm: expected finite max_norm > 0, got {max_norm}")
    if not 0 < eps < 1:
        raise ValueError(f"MaxNorm: expected 0 < eps < 1, got {eps}")
    scale = (1.0 - float(eps)) * float(max_norm)
    return MaxNormConstants(
        max_norm=float(max_norm), eps=float(eps), scale=scale, log_scale=float(np.log(scale)), inv_scale=1.0 / scale
    )


MAX_NORM_SERIES_BELOW_R = 0.1
"""Below this radius, MaxNorm evaluates tanh(r)/r, log(tanh(r)/r) and
log(sech^2 r) by their Taylor series in r^2 (truncation error < 1e-12). The
closed forms cancel terms of size 1 (or 1/r), which makes their float32
gradients wrong near the origin, where a Gauss-Hermite node sits whenever the
policy mean is near zero."""
TANH_RATIO_SERIES = (1.0, -1 / 3, 2 / 15, -17 / 315, 62 / 2835)
"""tanh(r) / r = sum_k c_k r^(2k)."""
LOG_TANH_RATIO_SERIES = (0.0, -1 / 3, 7 / 90, -62 / 2835, 127 / 18900, -146 / 66825)
"""log(tanh(r) / r) = sum_k c_k r^(2k)."""
LOG_SECH2_SERIES = (0.0, -1.0, 1 / 6, -2 / 45, 17 / 1260)
"""log(sech^2 r) = -2 log cosh r = sum_k c_k r^(2k)."""

MAX_NORM_SERIES_BELOW_U = 1e-4
"""Below this, artanh(u)/u is its series (truncation error < 1e-17)."""
ARTANH_RATIO_SERIES = (1.0, 1 / 3)
"""artanh(u) / u = sum_k c_k u^(2k), first two terms."""
MAX_NORM_SERIES_BELOW_T = 1e-2
"""Below this, the inverse's stretch Q(t) is its series (error < 1e-10, times eps^2)."""
STRETCH_SERIES = (1 / 3, 1 / 15)
"""Q(t) = (sinh(2t) / (2t) - 1) / (2 t^2) = sum_k c_k t^(2k), first two terms."""


def inverse_limit(eps: float, resolution: float) -> float:
    """The largest ``|u|`` a Box's inverse takes (``u`` clipped to it, so every
    action has a finite pre-image): ``1 - eps``, or with ``eps = 0`` the largest
    float below 1 of a dtype whose ``finfo.eps`` is ``resolution``."""
    return 1.0 - eps if eps > 0 else 1.0 - resolution / 2

