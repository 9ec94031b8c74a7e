"""Comparing the probes of a model against the float64 truth, output by output
(numpy only): :func:`build` the :class:`~.report.ParityReport`, and find the
first intermediate where the candidate (torch) parts from the truth."""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from rlmodels_common.tolerances import Tolerance, tolerance

from . import oracle
from .records import CHOICES, OUTPUTS, SCALARS, Probe, Record
from .report import Divergence, OutputError, ParityReport, merged

__all__ = ["build", "first_divergence", "reference_noise"]


def build(
    truth: Probe,
    reference: Probe,
    candidate: Probe,
    dtype: str,
    metadata: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None,
    resamples: Sequence[tuple[Probe, Probe]] = (),
) -> ParityReport:
    """The report on ``candidate`` (torch) against ``truth`` (JAX in float64).
    ``reference`` (JAX in ``dtype``) and the ``(truth, reference)`` pairs of
    ``resamples`` (the same on copies moved by one ulp) set the rounding noise."""
    tol = tolerance(dtype)
    rows: dict[str, list[OutputError]] = {}
    noise = reference_noise(truth, reference, resamples)
    for t, n, r, c in _aligned(truth, noise, reference, candidate):
        for name in OUTPUTS:
            if name in t.outputs:
                if name not in c.outputs:
                    raise ValueError(f"{t.label}: the candidate lacks output {name!r}")
                rows.setdefault(name, []).append(_output_error(name, t, n, r, c, tol))
    if truth.gradients is not None and candidate.gradients is not None:
        differ = sorted(set(truth.gradients) ^ set(candidate.gradients))
        if differ:
            raise ValueError(f"gradients of different parameters: {differ}")
        for name in sorted(truth.gradients):
            t, r, c = (np.asarray(p.gradients[name], np.float64) for p in (truth, reference, candidate))
            # A gradient is compared as a vector, relative to its largest entry:
            # entries that sum cancelling terms are known only to that scale.
            scale = np.max(np.abs(t)) if t.size else 0.0
            error = _error("gradients", c, t, noise.gradients[name], r, tol, scale, lambda i: name, t.shape, t.ndim)
            rows.setdefault("gradients", []).append(error)
    outputs = [merged(name, errors) for name, errors in rows.items()]
    if metadata is not None:
        same = dict(metadata[0]) == dict(metadata[1])
        outputs.append(OutputError("metadata", 0.0, 0.0, 0.0 if same else np.inf, 1, "" if same else "differs"))
    return ParityReport(dtype=dtype, tolerance=tol, outputs=tuple(outputs))


def reference_noise(truth: Probe, reference: Probe, resamples: Sequence[tuple[Probe, Probe]] = ()) -> Probe:
    """How far the reference lands from the truth: per array entry, the largest
    ``|reference - truth|`` over the given run and the ``resamples`` (each
    against its own truth). Integer outputs (choices) have none; their scores do."""
    runs = [(truth, reference), *resamples]
    for t, _ in resamples:
        if [(x.label, x.first) for x in t.records] != [(x.label, x.first) for x in truth.records]:
            raise ValueError("expected resamples with the records of the truth")

    def largest(get) -> dict[str, np.ndarray]:
        names = [k for k, v in get(truth).items() if np.asarray(v).dtype.kind == "f" and all(k in get(r) for _, r in runs)]
        return {k: np.max([oracle.distance(get(r)[k], get(t)[k]) for t, r in runs], axis=0) for k in names}

    records = [
        Record(rec.label, rec.first, largest(lambda p, i=i: p.records[i].outputs), largest(lambda p, i=i: p.records[i].stages))
        for i, rec in enumerate(truth.records)
    ]
    gradients = None if truth.gradients is None else largest(lambda p: p.gradients)
    return Probe(records, gradients)


def first_divergence(
    truth: Probe, reference: Probe, candidate: Probe, dtype: str, resamples: Sequence[tuple[Probe, Probe]] = ()
) -> Divergence | None:
    """The earliest step at which an intermediate of ``candidate`` breaks the rule,
    and the first such intermediate in the order the model computes them. Falls
    back to the outputs (probes run without stages), then to the gradients."""
    tol = tolerance(dtype)
    noise = reference_noise(truth, reference, resamples)
    for t, n, r, c in _aligned(truth, noise, reference, candidate):
        found: list[tuple[int, int, str]] = []
        for field in ("stages", "outputs"):
            names = [k for k in getattr(t, field) if k in getattr(c, field) and ":" not in k]
            for order, name in enumerate(names):
                bad = _failing(name, t, n, c, tol, field)
                if bad.size:
                    found.append((int(bad[0]), order, name))
            if found:
                step, _, name = min(found)
                return Divergence(name, t.where(step))
    if truth.gradients is not None and candidate.gradients is not None:
        for name in sorted(truth.gradients):
            t, c = (np.asarray(p.gradients[name], np.float64) for p in (truth, candidate))
            scale = np.max(np.abs(t)) if t.size else 0.0
            if t.shape != c.shape or np.any(oracle.excess(c, t, noise.gradients[name], tol, scale, t.ndim) > 1):
                return Divergence(f"gradient of {name}", "gradients")
    return None


def _failing(name: str, t: Record, n: Record, c: Record, tol: Tolerance, field: str) -> np.ndarray:
    """Indices along the leading (step) axis where ``c``'s ``field[name]`` breaks the rule."""
    tv, cv = getattr(t, field)[name], getattr(c, field)[name]
    if tv.shape != cv.shape:
        return np.arange(len(tv)) if tv.ndim else np.zeros(1, int)
    if field == "outputs" and name in CHOICES and f"{name}:scores" in t.outputs:
        ratio = oracle.choice_excess(cv, t.outputs[f"{name}:scores"], n.outputs[f"{name}:scores"], tol)
    else:
        scale = _scale(name, t.outputs) if field == "outputs" else None
        ratio = oracle.excess(cv, tv, getattr(n, field)[name], tol, scale, _vector(name))
    bad = ratio.reshape(len(ratio), -1).max(axis=1) > 1 if ratio.size else np.zeros(0, bool)
    return np.flatnonzero(bad)


def _aligned(*probes: Probe) -> Iterator[tuple[Record, ...]]:
    labels = [[(x.label, x.first) for x in p.records] for p in probes]
    if any(label != labels[0] for label in labels):
        raise ValueError(f"expected probes of the same records, got {labels}")
    yield from zip(*(p.records for p in probes))


def _output_error(name: str, t: Record, n: Record, r: Record, c: Record, tol: Tolerance) -> OutputError:
    tv, rv, cv = (np.asarray(x.outputs[name]) for x in (t, r, c))
    if name in CHOICES and f"{name}:scores" in t.outputs:
        truth_scores, noise = t.outputs[f"{name}:scores"], n.outputs[f"{name}:scores"]
        if cv.shape != tv.shape:
            return OutputError(name, np.inf, 0.0, np.inf, tv.size, t.where(0))
        ratio = oracle.choice_excess(cv, truth_scores, noise, tol)
        reference_ratio = oracle.choice_excess(rv, truth_scores, np.zeros_like(noise), tol)  # JAX against the truth alone
        index = _argmax(ratio)
        return OutputError(
            name, float(np.sum(cv != tv)), float(np.sum(rv != tv)), _max(ratio), tv.size,
            t.where(index[0]) if index else t.where(0), _max(reference_ratio),
        )  # fmt: skip
    where = lambda i: t.where(i[0]) if i else t.label  # noqa: E731
    inherited = _inherited(name, t, n, tol)
    return _error(name, cv, tv, n.outputs[name], rv, tol, _scale(name, t.outputs), where, tv.shape, _vector(name), inherited)


def _scale(name: str, truth: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The magnitude the relative tolerance applies to, when not ``|truth|``.

    A continuous log-density is compared at ``|log p| + sum_i |d log p / d a_i * a_i|``
    (both from the truth): a float32 implementation works on the action to its
    last digit, and where ``log p`` is far more sensitive to it than its size
    says (just inside a bound, where the inverse divides by the distance to
    it), two correct implementations land far from the truth and from each
    other (``parity_tests/test_compare.py``)."""
    if f"{name}:sensitivity" in truth:
        return np.abs(truth[name]) + truth[f"{name}:sensitivity"]
    return None


def _inherited(name: str, t: Record, n: Record, tol: Tolerance) -> np.ndarray | None:
    """What an action may be off by when loc and scale are off by what the
    rule allows them: ``sum_j |d a / d u_j| (allowed(loc_j) + allowed(scale_j) |noise_j|)``
    at the truth's ``u = loc + scale * noise`` (``u = loc`` for the deterministic
    action). Where the terms of ``u`` cancel, or the bijector passes one
    direction of loc's error to the action and not another, the action's own
    size and noise say less than what it is computed from (``parity_tests/found``)."""
    jacobian = t.outputs.get(f"{name}:jacobian")
    if jacobian is None:
        return None
    sizes = oracle.allowed(t.outputs["loc"], n.outputs["loc"], tol, vector=1)
    if name == "sample":
        sizes = sizes + oracle.allowed(t.outputs["scale"], n.outputs["scale"], tol, vector=1) * t.outputs["sample:noise"]
    return np.einsum("...ij,...j->...i", np.asarray(jacobian, np.float64), sizes)


def _vector(name: str) -> int | None:
    """Trailing axes over which an output's reference noise is pooled (see ``oracle``)."""
    return None if name in SCALARS else 1


def _error(name, c, t, noise, r, tol, scale, where, shape, vector, inherited=None) -> OutputError:
    """Distances of ``c`` (torch) and ``r`` (JAX) from ``t`` (truth) under the rule."""
    if np.shape(c) != np.shape(t):
        return OutputError(name, np.inf, 0.0, np.inf, int(np.size(t)), f"{where(())}: shape {np.shape(c)}, expected {shape}")
    if np.size(t) == 0:
        return OutputError(name, 0.0, 0.0, 0.0, 0, "")
    ratio = oracle.excess(c, t, noise, tol, scale, vector, inherited)
    # The rule with the backends swapped: JAX against torch's distance.
    reference_ratio = oracle.excess(r, t, oracle.distance(c, t), tol, scale, vector, inherited)
    return OutputError(
        name=name,
        max_abs=_max(oracle.distance(c, t)),
        reference_abs=_max(oracle.distance(r, t)),
        ratio=_max(ratio),
        count=int(np.size(t)),
        worst=where(_argmax(ratio)),
        reference_ratio=_max(reference_ratio),
    )


def _max(a: np.ndarray) -> float:
    return float(np.max(a)) if np.size(a) else 0.0


def _argmax(a: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(np.argmax(a), np.shape(a))) if np.size(a) else ()
