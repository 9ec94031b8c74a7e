"""The parity tolerances: how closely the two backends must agree, per dtype.

A value ``a`` agrees with a reference ``b`` when, elementwise,

    |a - b| <= atol + rtol * scale

where ``scale`` is ``|b|`` for a plain output (parameters of the distribution,
values, carries, actions) and, for a sum of terms that can cancel, the sum of
the terms' magnitudes (:func:`log_prob_scale`, :func:`entropy_scale`). The
latter is the usual first-order rounding bound: a float32 log-density of -0.17
made of terms of size 5 is only known to ~5 * 1e-7, and a Gaussian term
``(x - loc) / std`` with ``std = 1e-3`` turns one ulp of ``loc`` into a large
error, in any correct implementation. Gradients with respect to the
parameters are compared per tensor against its largest entry, or per entry
against how far the gradient moves when ``x - loc`` is off by the size of its
operands, whichever is larger (``rlmodels_torch.probe.gradient_scales``): near
the mode, where ``x ~ loc``, ``d log p / d loc = (x - loc) / std^2`` is small
but only known to ``eps (|x| + |loc|) / std^2``. These are the only tolerances
the parity suite and the comparison API use. Actions computed from compared
parameters (the deterministic action ``f(loc)``, samples ``f(loc + std * noise)``)
carry those parameters' tolerance through the action space's Jacobian
(:func:`propagated_scale`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .action_spaces import HALF_LOG_2PI


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float

    def allowed(self, scale: np.ndarray | float) -> np.ndarray:
        """The largest agreeing difference for outputs of magnitude ``scale``: ``atol + rtol * |scale|``."""
        return self.atol + self.rtol * np.abs(np.asarray(scale, np.float64))

    def error(self, a: np.ndarray, b: np.ndarray, scale: np.ndarray | None = None) -> float:
        """``max |a - b| / (atol + rtol * scale)``: at most 1 when ``a`` agrees with ``b``."""
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        if a.shape != b.shape:
            raise ValueError(f"expected equal shapes, got {a.shape} and {b.shape}")
        if a.size == 0:
            return 0.0
        scale = np.abs(b) if scale is None else np.maximum(np.asarray(scale, np.float64), np.abs(b))
        both_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
        diff = np.where(both_inf, 0.0, np.abs(a - b))
        return float(np.max(np.where(np.isnan(diff), np.inf, diff / self.allowed(scale))))


TOLERANCES: dict[str, Tolerance] = {
    "float32": Tolerance(rtol=1e-5, atol=1e-6),
    "float64": Tolerance(rtol=1e-9, atol=1e-11),
}


def tolerance(dtype: str) -> Tolerance:
    """The tolerance for ``dtype`` (``"float32"`` or ``"float64"``)."""
    try:
        return TOLERANCES[dtype]
    except KeyError:
        raise ValueError(f"expected dtype in {sorted(TOLERANCES)}, got {dtype!r}") from None


def log_prob_scale(
    x: np.ndarray, loc: np.ndarray, std: np.ndarray, log_det: np.ndarray, action_sensitivity: np.ndarray | float = 0.0
) -> np.ndarray:
    """Magnitude of ``log N(x; loc, std) + log_det`` as computed, shape ``(...)``.

    ``x``, ``loc``, ``std`` are ``(..., A)`` (``x`` the inverse of the action)
    and ``log_det`` is the inverse log-det ``(...)``. Counts each ``z^2 / 2``,
    ``log std``, the normaliser, the log-det, and the subtraction inside
    ``z = (x - loc) / std`` at the size of its operands; plus
    ``action_sensitivity = sum_i |d log p / d a_i * a_i|``, how much a relative
    change of the action moves the log-density. That is large only just inside
    a bound, where the inverse amplifies: there one float32 ulp of ``|a|``
    (e.g. a square root rounded the other way) legitimately moves ``log p``.
    """
    x, loc, std = (np.asarray(v, np.float64) for v in (x, loc, std))
    z = (x - loc) / std
    terms = np.abs(z) * (np.abs(x) + np.abs(loc)) / std + 0.5 * z * z + np.abs(np.log(std)) + HALF_LOG_2PI
    return np.sum(terms, axis=-1) + np.abs(np.asarray(log_det, np.float64)) + np.asarray(action_sensitivity, np.float64)


def propagated_scale(jacobian: np.ndarray, input_tolerance: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Scale for ``y = f(u)`` when ``u`` is only known to ``input_tolerance``
    ``(..., d)`` (the tolerance it was compared at): that tolerance carried
    through ``|df/du|`` ``(..., d, d)`` and written as a scale, so that
    ``atol + rtol * scale = |J| @ input_tolerance``. Where the map contracts,
    this falls below ``|y|`` and the plain rule applies; where it stretches
    (``MaxNorm(4)`` near 0 multiplies by 4), an action is only known to 4 times
    its mean's tolerance, in any implementation.
    """
    carried = np.einsum("...ij,...j->...i", np.abs(np.asarray(jacobian, np.float64)), np.asarray(input_tolerance, np.float64))
    return (carried - tol.atol) / tol.rtol


def entropy_scale(std: np.ndarray, log_det_expectation: np.ndarray) -> np.ndarray:
    """Magnitude of ``sum(log std + log(2 pi e) / 2) + E[log|det J|]``, shape ``(...)``."""
    std = np.asarray(std, np.float64)
    terms = np.abs(np.log(std)) + HALF_LOG_2PI + 0.5
    return np.sum(terms, axis=-1) + np.abs(np.asarray(log_det_expectation, np.float64))
