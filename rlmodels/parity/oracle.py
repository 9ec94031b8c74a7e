"""The parity rule: how far from the float64 truth an output may be (numpy only).

The truth is the same weights and inputs evaluated in float64. An output of
the model under test (the candidate) agrees where, elementwise,

    |candidate - truth| <= max(atol + rtol * |truth|, REFERENCE_FACTOR * |reference - truth|)

with the reference the JAX model in the same dtype (for a float64 comparison
the reference is the truth, so only the first term is left). For a vector
(a mean, a carry, a layer's output) the reference's distance is its largest
over the vector: rounding that a recurrence amplifies grows alike in every
entry of the state, but which entry one float32 run happens to get closest is
chance. Everything on the right-hand side comes from the truth and the
reference: nothing the candidate computes widens its own tolerance. The
constants live in ``rlmodels_common.tolerances``.
"""

from __future__ import annotations

import numpy as np

from rlmodels_common.tolerances import REFERENCE_FACTOR, Tolerance


def allowed(
    truth: np.ndarray,
    reference: np.ndarray,
    tol: Tolerance,
    scale: np.ndarray | float | None = None,
    vector: int | None = None,
) -> np.ndarray:
    """The largest agreeing distance from ``truth``, elementwise: the tolerance
    at ``|truth|`` (or at ``scale``, for gradients compared per tensor) or
    ``REFERENCE_FACTOR`` times the reference's own distance from the truth,
    the largest over the trailing ``vector`` axes (None: elementwise)."""
    truth = np.asarray(truth, np.float64)
    plain = tol.allowed(np.abs(truth) if scale is None else scale)
    noise = distance(reference, truth)
    if vector and noise.ndim:
        axes = tuple(range(-min(vector, noise.ndim), 0))
        noise = np.broadcast_to(noise.max(axis=axes, keepdims=True) if noise.size else noise, noise.shape)
    return np.maximum(plain, REFERENCE_FACTOR * noise)


def distance(a: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """``|a - truth|`` elementwise; 0 where both are the same infinity or both
    NaN, inf where only one of them is NaN."""
    a, truth = np.asarray(a, np.float64), np.asarray(truth, np.float64)
    with np.errstate(invalid="ignore"):
        diff = np.abs(a - truth)
    same = (np.isinf(a) & (a == truth)) | (np.isnan(a) & np.isnan(truth))
    return np.where(same, 0.0, np.where(np.isnan(diff), np.inf, diff))


def excess(
    candidate: np.ndarray,
    reference: np.ndarray,
    truth: np.ndarray,
    tol: Tolerance,
    scale: np.ndarray | float | None = None,
    vector: int | None = None,
) -> np.ndarray:
    """``|candidate - truth| / allowed(...)`` elementwise: at most 1 where the
    candidate agrees."""
    return distance(candidate, truth) / allowed(truth, reference, tol, scale, vector)


def choice_excess(choice: np.ndarray, reference_scores: np.ndarray, truth_scores: np.ndarray, tol: Tolerance) -> np.ndarray:
    """For an argmax output ``choice`` ``(...)`` over scores ``(..., n)``: how far
    the truth's score of the chosen entry falls below the truth's best score, in
    units of the two scores' allowances. At most 1 where the choice is the
    truth's or ties with it to within what the dtype can tell apart; this tie
    rule needs the scores of the truth and the reference only."""
    truth_scores = np.asarray(truth_scores, np.float64)
    margin = allowed(truth_scores, reference_scores, tol, vector=1)
    best = np.argmax(truth_scores, axis=-1)[..., None]
    chosen = np.asarray(choice, np.int64)[..., None]
    if chosen.size and (chosen.min() < 0 or chosen.max() >= truth_scores.shape[-1]):
        return np.full(np.shape(choice), np.inf)
    pick = lambda a, i: np.take_along_axis(a, i, axis=-1)[..., 0]  # noqa: E731
    gap = pick(truth_scores, best) - pick(truth_scores, chosen)
    return gap / (pick(margin, best) + pick(margin, chosen))
