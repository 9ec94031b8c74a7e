"""Interleaved timing: every implementation of a workload in the same process,
round by round, so drift in the machine (frequency, other load) hits all alike."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class Timing:
    """Microseconds per call over the rounds: the median and the interquartile range."""

    median_us: float
    p25_us: float
    p75_us: float
    calls: int
    rounds_us: tuple[float, ...] = ()
    """Per-round µs per call, in round order (``interleaved``): for paired ratios."""

    @property
    def spread_us(self) -> float:
        return self.p75_us - self.p25_us


def calls_per_round(fn: Callable[[], Any], seconds: float) -> int:
    """How many calls of ``fn`` fill about ``seconds`` (at least 1)."""
    fn()
    n, elapsed = 1, 0.0
    while elapsed < seconds / 4:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed < seconds / 4:
            n *= 2
    return max(1, int(n * seconds / max(elapsed, 1e-9)))


def interleaved(impls: dict[str, Callable[[], Any]], rounds: int, seconds: float) -> dict[str, Timing]:
    """Time each of ``impls`` (callables that block until their outputs exist) for
    ``rounds`` rounds of about ``seconds`` each, rotating the order every round."""
    names = list(impls)
    for fn in impls.values():  # warm up: compile caches, allocator, lazy init
        for _ in range(3):
            fn()
    counts = {name: calls_per_round(impls[name], seconds) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            fn, n = impls[name], counts[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - start) / n * 1e6)
    out = {}
    for name, values in samples.items():
        p25, med, p75 = np.percentile(values, [25, 50, 75])
        out[name] = Timing(float(med), float(p25), float(p75), counts[name] * rounds, tuple(values))
    return out


def paired_ratio(a: Timing, b: Timing) -> float:
    """The median over rounds of ``a``'s time / ``b``'s in the same round: robust to
    load that comes and goes between rounds (both were timed in each round)."""
    return float(np.median(np.asarray(a.rounds_us) / np.asarray(b.rounds_us)))


def once(fn: Callable[[], Any], repeats: int) -> Timing:
    """Wall time of ``fn`` (a slow, one-off operation) over ``repeats`` runs."""
    values = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        values.append((time.perf_counter() - start) * 1e6)
    p25, med, p75 = np.percentile(values, [25, 50, 75])
    return Timing(float(med), float(p25), float(p75), repeats)
