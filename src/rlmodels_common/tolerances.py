"""The parity tolerances: how closely the two backends must agree, per dtype.

A value ``a`` agrees with a reference ``b`` when ``|a - b| <= atol + rtol * |b|``
elementwise (the ``numpy.allclose`` rule). These are the only tolerances the
parity suite and the comparison API use.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float


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
