"""What a comparison found (numpy only): a :class:`ParityReport` with, per
output, each backend's distance from the truth, whether the candidate (torch)
keeps within the rule of ``oracle``, which backend drifted, and where the two
first part (``assess`` builds it from the probes)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

from rlmodels_common.tolerances import REFERENCE_FACTOR, Tolerance

__all__ = ["Divergence", "OutputError", "ParityReport", "merged"]


@dataclass(frozen=True)
class OutputError:
    """How far one output of each backend is from the float64 truth."""

    name: str
    max_abs: float
    """Largest ``|torch - truth|`` (for choices: how many differ from the truth's)."""
    reference_abs: float
    """Largest ``|jax - truth|`` (0 when comparing in float64: JAX is then the truth)."""
    ratio: float
    """Largest ``|torch - truth| / allowed``: at most 1 when torch agrees."""
    count: int
    worst: str = ""
    """Where the largest ratio occurred (record and step, or parameter name)."""
    reference_ratio: float = 0.0
    """The same rule with the backends swapped: above 1 when JAX is the one
    far from the truth (torch is then within tolerance and the output agrees)."""

    @property
    def within(self) -> bool:
        return self.ratio <= 1.0

    @property
    def drifted(self) -> str:
        """``"torch"``, ``"jax"``, or ``""`` when neither strays from the truth."""
        if not self.within:
            return "torch"
        return "jax" if self.reference_ratio > 1.0 else ""


@dataclass(frozen=True)
class Divergence:
    """The first intermediate at which torch parts from the truth."""

    stage: str
    """The layer or quantity: ``encoder.layers.0``, ``cell.gates``, ``cell.c``,
    ``actor_mu``, ``bij.inverse``, ... (an output name if every intermediate agrees)."""
    where: str
    """``rollout step 3``, ``sequence step 0``, ``held carry`` or ``gradients``."""

    def __str__(self) -> str:
        return f"`{self.stage}`, {self.where}"


@dataclass(frozen=True)
class ParityReport:
    dtype: str
    tolerance: Tolerance
    outputs: tuple[OutputError, ...]
    divergence: Divergence | None = None
    """Where torch first parts from the truth (set when an output disagrees)."""

    @property
    def ok(self) -> bool:
        """True if every output of torch is within the rule."""
        return all(o.within for o in self.outputs)

    def __getitem__(self, name: str) -> OutputError:
        for output in self.outputs:
            if output.name == name:
                return output
        raise KeyError(f"no output {name!r}; have {[o.name for o in self.outputs]}")

    def failures(self) -> list[OutputError]:
        return [o for o in self.outputs if not o.within]

    def table(self) -> str:
        """One row per output: each backend's largest distance from the truth,
        torch's error in units of what the rule allows, and the verdict."""
        head = f"{'output':<14}{'values':>8}{'|jax-truth|':>14}{'|torch-truth|':>15}{'x allowed':>11}  ok"
        rows = [head, "-" * len(head)]
        for o in self.outputs:
            verdict = "yes" if o.within else f"NO   torch drifted, worst at {o.worst}"
            if o.drifted == "jax":
                verdict += f"   (jax drifted, worst at {o.worst})"
            rows.append(f"{o.name:<14}{o.count:>8}{o.reference_abs:>14.3e}{o.max_abs:>15.3e}{o.ratio:>11.3g}  {verdict}")
        t = self.tolerance
        if self.dtype == "float64":
            rows.append(f"float64: torch agrees where |torch - truth| <= {t.atol:g} + {t.rtol:g} * |truth|; truth = JAX in float64")
        else:
            rows.append(
                f"{self.dtype}: torch agrees where |torch - truth| <= {t.atol:g} + {t.rtol:g} * |truth| "
                f"or <= {REFERENCE_FACTOR:g} * |jax - truth|; truth = the same weights and inputs in float64"
            )
        if self.divergence is not None:
            rows.append(f"torch parts from the truth first at {self.divergence}")
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
        rows: dict[str, list[OutputError]] = {}
        for index, report in enumerate(reports):
            for o in report.outputs:
                rows.setdefault(o.name, []).append(dataclasses.replace(o, worst=f"#{index} {o.worst}".strip()))
        divergence = next(
            (Divergence(r.divergence.stage, f"#{i} {r.divergence.where}") for i, r in enumerate(reports) if r.divergence),
            None,
        )
        return cls(reports[0].dtype, reports[0].tolerance, tuple(merged(n, s) for n, s in rows.items()), divergence)


def merged(name: str, errors: list[OutputError]) -> OutputError:
    worst = max(errors, key=lambda e: e.ratio)
    return OutputError(
        name=name,
        max_abs=max(e.max_abs for e in errors),
        reference_abs=max(e.reference_abs for e in errors),
        ratio=worst.ratio,
        count=sum(e.count for e in errors),
        worst=worst.worst,
        reference_ratio=max(e.reference_ratio for e in errors),
    )
