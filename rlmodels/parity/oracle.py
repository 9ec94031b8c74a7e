"""The parity rule: how far from the float64 truth an output may be (numpy only).

The truth is the same weights and inputs evaluated in float64. An output of
the model under test (the candidate) agrees where, elementwise,

    |candidate - truth| <= max(atol + rtol * |truth|, REFERENCE_FACTOR * noise)

where ``noise`` is how far the reference (the JAX model in the same dtype)
lands from the truth: the largest ``|reference - truth|`` over
``REFERENCE_RUNS`` runs (the given weights and inputs, and copies moved by one
ulp, each against its own truth), and over the vector for a vector output (a
mean, a carry, a layer's units: rounding a recurrence amplifies grows alike
in every entry, but which entry one run gets closest is chance). For a
float64 comparison the reference is the truth and only the first term is
left. Everything on the right-hand side comes from the truth and the
reference: nothing the candidate computes widens its own tolerance. The
constants live in ``rlmodels_common.tolerances``.
"""

from __future__ import annotations

import numpy as np

from rlmodels_common.tolerances import REFERENCE_FACTOR, Tolerance


def distance(a: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """``|a - truth|`` elementwise; 0 where both are the same infinity or both
    NaN, inf where only one of them is NaN."""
    a, truth = np.asarray(a, np.float64), np.asarray(truth, np.float64)
    with np.errstate(invalid="ignore"):
        diff = np.abs(a - truth)
    same = (np.isinf(a) & (a == truth)) | (np.isnan(a) & np.isnan(truth))
    return np.where(same, 0.0, np.where(np.isnan(diff), np.inf, diff))


def pooled(noise: np.ndarray, vector: int | None) -> np.ndarray:
    """``noise`` replaced by its largest over the trailing ``vector`` axes (None: as is)."""
    noise = np.asarray(noise, np.float64)
    if not vector or not noise.ndim or not noise.size:
        return noise
    axes = tuple(range(-min(vector, noise.ndim), 0))
    return np.broadcast_to(noise.max(axis=axes, keepdims=True), noise.shape)


Scale = np.ndarray | float | None
"""The magnitude the relative tolerance applies to, where it is not ``|truth|``."""


def allowed(
    truth: np.ndarray, noise: np.ndarray, tol: Tolerance, scale: Scale = None, vector: int | None = None, inherited: Scale = None
) -> np.ndarray:
    """The largest agreeing distance from ``truth``, elementwise: the tolerance
    at ``|truth|`` (or at ``scale``: a gradient's largest entry, a log-density's
    sensitivity), ``REFERENCE_FACTOR`` times the reference's ``noise``, or what
    the output ``inherited`` from the allowances of the outputs it is computed
    from (an action from loc and scale)."""
    plain = tol.allowed(np.abs(np.asarray(truth, np.float64)) if scale is None else scale)
    out = np.maximum(plain, REFERENCE_FACTOR * pooled(noise, vector))
    return out if inherited is None else np.maximum(out, inherited)


def excess(
    candidate: np.ndarray,
    truth: np.ndarray,
    noise: np.ndarray,
    tol: Tolerance,
    scale: Scale = None,
    vector: int | None = None,
    inherited: Scale = None,
) -> np.ndarray:
    """``|candidate - truth| / allowed(...)`` elementwise: at most 1 where the
    candidate agrees. Where the reference itself is infinitely far from the
    truth (a float32 log-density that overflows to -inf or NaN where float64
    is finite), any candidate is no further: 1 if it is infinitely far too, else 0."""
    d, limit = distance(candidate, truth), allowed(truth, noise, tol, scale, vector, inherited)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(limit), np.isinf(d).astype(np.float64), d / limit)


def choice_excess(choice: np.ndarray, truth_scores: np.ndarray, noise: np.ndarray, tol: Tolerance) -> np.ndarray:
    """For an argmax output ``choice`` ``(...)`` over scores ``(..., n)``: how far
    the truth's score of the chosen entry falls below the truth's best score, in
    units of the two scores' allowances (``noise``: the reference's, for the
    scores). At most 1 where the choice is the truth's or ties with it to within
    what the dtype can tell apart; the tie rule needs the truth and the
    reference only."""
    truth_scores = np.asarray(truth_scores, np.float64)
    margin = allowed(truth_scores, noise, tol, vector=1)
    best = np.argmax(truth_scores, axis=-1)[..., None]
    chosen = np.asarray(choice, np.int64)[..., None]
    if chosen.size and (chosen.min() < 0 or chosen.max() >= truth_scores.shape[-1]):
        return np.full(np.shape(choice), np.inf)
    pick = lambda a, i: np.take_along_axis(a, i, axis=-1)[..., 0]  # noqa: E731
    gap = pick(truth_scores, best) - pick(truth_scores, chosen)
    return gap / (pick(margin, best) + pick(margin, chosen))
