"""Comparing two probes of a model, output by output (numpy only).

A probe (``rlmodels_jax.probe.run`` / ``rlmodels_torch.probe.run``) is a list
of records, one per step and one for the sequence, each mapping an output name
to an array; names starting with ``_`` are auxiliary arrays the error scales
are computed from. :func:`compare_probes` turns a reference probe and a candidate
probe into a :class:`ParityReport`: per output, the largest absolute and
relative error and the largest error as a multiple of the tolerance (the rule
of ``rlmodels_common.tolerances``; at most 1 means agreement).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from .tolerances import Tolerance, entropy_scale, log_prob_scale, propagated_scale, tolerance

OUTPUTS = (
    "loc", "scale", "logits", "log_prob", "entropy", "deterministic", "sample", "value", "held_carry", "carry",
)  # fmt: skip
"""Output names a probe records (auxiliary arrays start with ``_``)."""

Record = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class OutputError:
    """How far one output of the candidate is from the reference."""

    name: str
    max_abs: float
    max_rel: float
    ratio: float
    """Largest ``|a - b| / (atol + rtol * scale)``: the error in units of the tolerance."""
    count: int
    worst: str = ""
    """Where the largest ratio occurred (record index, parameter name)."""

    @property
    def within(self) -> bool:
        return self.ratio <= 1.0


@dataclass(frozen=True)
class ParityReport:
    dtype: str
    tolerance: Tolerance
    outputs: tuple[OutputError, ...]

    @property
    def ok(self) -> bool:
        """True if every output is within tolerance."""
        return all(o.within for o in self.outputs)

    def __getitem__(self, name: str) -> OutputError:
        for output in self.outputs:
            if output.name == name:
                return output
        raise KeyError(f"no output {name!r}; have {[o.name for o in self.outputs]}")

    def failures(self) -> list[OutputError]:
        return [o for o in self.outputs if not o.within]

    def table(self) -> str:
        """The per-output error table, one row per output."""
        head = f"{'output':<14}{'values':>8}{'max abs err':>14}{'max rel err':>14}{'x tolerance':>13}  ok"
        rows = [head, "-" * len(head)]
        for o in self.outputs:
            rows.append(
                f"{o.name:<14}{o.count:>8}{o.max_abs:>14.3e}{o.max_rel:>14.3e}{o.ratio:>13.3g}  "
                f"{'yes' if o.within else 'NO  ' + o.worst}"
            )
        t = self.tolerance
        rows.append(f"{self.dtype}: agree when |a - b| <= {t.atol:g} + {t.rtol:g} * scale")
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.table()

    @classmethod
    def merge(cls, reports: Sequence["ParityReport"]) -> "ParityReport":
        """One report over several comparisons of the same dtype: per output the
        largest errors, the summed value counts, and where the worst one was
        (prefixed with the index of the report it came from)."""
        if not reports:
            raise ValueError("expected at least one report to merge, got none")
        dtypes = sorted({r.dtype for r in reports})
        if len(dtypes) > 1:
            raise ValueError(f"expected reports of one dtype, got {dtypes}")
        rows: dict[str, list[tuple[float, float, float, int, str]]] = {}
        for index, report in enumerate(reports):
            for o in report.outputs:
                rows.setdefault(o.name, []).append((o.max_abs, o.max_rel, o.ratio, o.count, f"#{index} {o.worst}".strip()))
        return cls(reports[0].dtype, reports[0].tolerance, tuple(_merge(n, s) for n, s in rows.items()))


def compare_probes(
    reference: Sequence[Record],
    candidate: Sequence[Record],
    dtype: str,
    reference_gradients: Mapping[str, np.ndarray] | None = None,
    candidate_gradients: Mapping[str, np.ndarray] | None = None,
    metadata: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None,
    gradient_scales: Mapping[str, np.ndarray] | None = None,
) -> ParityReport:
    """Compare ``candidate`` against ``reference`` record by record; gradients
    norm-wise (relative to each tensor's largest entry), or entry by entry to
    ``gradient_scales`` where larger (see ``rlmodels_common.tolerances``)."""
    tol = tolerance(dtype)
    if len(reference) != len(candidate):
        raise ValueError(f"expected probes of equal length, got {len(reference)} and {len(candidate)}")
    rows: dict[str, list[tuple[float, float, float, int, str]]] = {}
    for index, (ref, cand) in enumerate(zip(reference, candidate)):
        scales = _scales({**cand, **ref}, tol)  # error scales from the reference, else the candidate
        for name in OUTPUTS:
            if name not in ref:
                continue
            if name not in cand:
                raise ValueError(f"record {index}: candidate lacks output {name!r}")
            a, b = np.asarray(cand[name]), np.asarray(ref[name])
            if np.issubdtype(b.dtype, np.integer):
                stats = _choices(a, b, ref[f"_{name}_scores"], tol)
            else:
                stats = _stats(a, b, tol, scales.get(name))
            rows.setdefault(name, []).append((*stats, f"record {index}"))
    if reference_gradients is not None and candidate_gradients is not None:
        missing = sorted(set(reference_gradients) ^ set(candidate_gradients))
        if missing:
            raise ValueError(f"gradients of different parameters: {missing}")
        for name in sorted(reference_gradients):
            b = np.asarray(reference_gradients[name], np.float64)
            scale = np.full(b.shape, np.max(np.abs(b)) if b.size else 0.0)
            if gradient_scales is not None and name in gradient_scales:
                scale = np.maximum(scale, np.asarray(gradient_scales[name], np.float64))
            rows.setdefault("gradients", []).append((*_stats(candidate_gradients[name], b, tol, scale), name))
    outputs = [_merge(name, stats) for name, stats in rows.items()]
    if metadata is not None:
        same = dict(metadata[0]) == dict(metadata[1])
        outputs.append(OutputError("metadata", 0.0, 0.0, 0.0 if same else np.inf, 1, "" if same else "differs"))
    return ParityReport(dtype=dtype, tolerance=tol, outputs=tuple(outputs))


def _scales(ref: Record, tol: Tolerance) -> dict[str, np.ndarray]:
    """Magnitudes for outputs that sum cancelling terms, and for actions computed
    from compared parameters (see tolerances)."""
    if "logits" in ref:
        top = np.max(np.abs(ref["logits"]), axis=-1)
        return {"log_prob": top, "entropy": top}
    if "loc" not in ref:
        return {}
    scales = {
        "log_prob": log_prob_scale(ref["_x"], ref["loc"], ref["scale"], ref["_log_det"], ref["_log_prob_sensitivity"]),
        "entropy": entropy_scale(ref["scale"], ref["_log_det_expectation"]),
    }
    if "_deterministic_jacobian" in ref:
        loc_tol = tol.allowed(ref["loc"])
        std_tol = tol.allowed(ref["scale"])
        noise = np.abs(np.asarray(ref["_noise"], np.float64))
        scales["deterministic"] = propagated_scale(ref["_deterministic_jacobian"], loc_tol, tol)
        scales["sample"] = propagated_scale(ref["_sample_jacobian"], loc_tol + noise * std_tol, tol)
    return scales


def _stats(a: np.ndarray, b: np.ndarray, tol: Tolerance, scale: np.ndarray | None) -> tuple[float, float, float, int]:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return np.inf, np.inf, np.inf, b.size
    if b.size == 0:
        return 0.0, 0.0, 0.0, 0
    diff = np.where(np.isinf(a) & (a == b), 0.0, np.abs(a - b))
    diff = np.where(np.isnan(diff), np.inf, diff)
    rel = diff / np.maximum(np.abs(b), np.finfo(np.float64).tiny)
    return float(diff.max()), float(rel.max()), tol.error(a, b, scale), b.size


def _choices(a: np.ndarray, b: np.ndarray, scores: np.ndarray, tol: Tolerance) -> tuple[float, float, float, int]:
    """Argmax outputs: a disagreement counts only where the reference's top two
    scores are further apart than the scores' own tolerance (else it is a tie)."""
    if a.shape != b.shape:
        return np.inf, np.inf, np.inf, b.size
    top2 = np.sort(np.asarray(scores, np.float64), axis=-1)[..., -2:] if scores.shape[-1] > 1 else None
    if top2 is None:
        return 0.0, 0.0, 0.0, b.size
    margin = top2[..., 1] - top2[..., 0]
    tie = margin <= 2 * tol.allowed(np.max(np.abs(scores), axis=-1))
    wrong = (a != b) & ~tie
    return float(wrong.sum()), float(wrong.mean()) if b.size else 0.0, np.inf if wrong.any() else 0.0, b.size


def _merge(name: str, stats: list[tuple[float, float, float, int, str]]) -> OutputError:
    worst = max(stats, key=lambda s: s[2])
    return OutputError(
        name=name,
        max_abs=max(s[0] for s in stats),
        max_rel=max(s[1] for s in stats),
        ratio=worst[2],
        count=sum(s[3] for s in stats),
        worst=worst[4],
    )
