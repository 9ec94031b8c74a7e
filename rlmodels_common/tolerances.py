"""The parity tolerances, stated once: per dtype ``rtol`` and ``atol``, and
:data:`REFERENCE_FACTOR`.

A float32 output of the model under test agrees when, elementwise,

    |candidate - truth| <= atol + rtol * |truth|   or   <= REFERENCE_FACTOR * |reference - truth|

where ``truth`` is the same weights and inputs evaluated in float64 and
``|reference - truth|`` is how far the JAX model in float32 lands from it, the
largest over :data:`REFERENCE_RUNS` runs. ``rlmodels.parity`` applies the
rule; this module only holds the numbers (numpy only, so both backends and
``rlmodels.export`` can read them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REFERENCE_FACTOR = 4.0
"""How much further from the float64 truth than the float32 JAX reference a
float32 output may be. Where an output is ill-conditioned (a log-density just
inside a bound), every float32 implementation is far from the truth; 4 leaves
room for a different but equally good rounding, not for a different function."""


REFERENCE_RUNS = 12
"""Float32 runs of the JAX reference whose largest distance from the truth sets
the rounding noise: on the given weights and inputs, and on copies moved by one
ulp at random (each against its own truth). Where rounding is amplified (a
chaotic recurrence), a float32 run's distance is a random draw: one run can
land near the truth by luck, twelve all but never do. The first
:data:`FIRST_REFERENCE_RUNS` are always made; the rest only where torch is
outside the rule after them (more runs only widen it, so the verdict is the
twelve runs' verdict)."""

FIRST_REFERENCE_RUNS = 3


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float

    def allowed(self, scale: np.ndarray | float) -> np.ndarray:
        """The largest agreeing difference for values of magnitude ``scale``: ``atol + rtol * |scale|``."""
        return self.atol + self.rtol * np.abs(np.asarray(scale, np.float64))

    def error(self, a: np.ndarray, b: np.ndarray, scale: np.ndarray | None = None) -> float:
        """``max |a - b| / (atol + rtol * max(scale, |b|))`` (``scale`` defaults to
        ``|b|``; give the size of the terms ``b`` was summed from where they cancel):
        at most 1 when ``a`` agrees with ``b`` (equal infinities agree; a NaN never does)."""
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        if a.shape != b.shape:
            raise ValueError(f"expected equal shapes, got {a.shape} and {b.shape}")
        if a.size == 0:
            return 0.0
        size = np.abs(b) if scale is None else np.maximum(np.asarray(scale, np.float64), np.abs(b))
        diff = np.where(np.isinf(a) & (a == b), 0.0, np.abs(a - b))
        return float(np.max(np.where(np.isnan(diff), np.inf, diff / self.allowed(size))))


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
