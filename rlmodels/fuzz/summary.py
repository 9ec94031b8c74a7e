"""What a campaign has done so far: the live progress line and the closing summary."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["Crash", "Failure", "Progress"]


@dataclass(frozen=True)
class Failure:
    """A shrunk failing example: the target, the parity report (or the
    exception), where torch first parts from the truth, and its file."""

    target_label: str
    report: str
    divergence: str
    path: str
    worker: int

    def replay_command(self) -> str:
        return f"rlmodels fuzz --replay {self.path}"


@dataclass(frozen=True)
class Crash:
    """A worker process that died; the example it was running, if it had one."""

    worker: int
    cause: str
    path: str | None

    def replay_command(self) -> str | None:
        return None if self.path is None else f"rlmodels fuzz --replay {self.path}"


@dataclass
class Progress:
    """Counts streamed from the workers, failures and crashes."""

    minutes: float
    workers: int
    started: float = field(default_factory=time.time)
    comparisons: dict[str, int] = field(default_factory=dict)
    """Per ``"<kind> <dtype>"`` (``"LSTM float32"``)."""
    values: dict[str, int] = field(default_factory=dict)
    """Numbers compared per output (``loc``, ``carry``, ``gradients``, ...)."""
    failures: list[Failure] = field(default_factory=list)
    crashes: list[Crash] = field(default_factory=list)
    interrupted: bool = False

    @property
    def total(self) -> int:
        return sum(self.comparisons.values())

    @property
    def ok(self) -> bool:
        return not self.failures and not self.crashes

    def add(self, comparisons: dict[str, int], values: dict[str, int]) -> None:
        for key, n in comparisons.items():
            self.comparisons[key] = self.comparisons.get(key, 0) + n
        for key, n in values.items():
            self.values[key] = self.values.get(key, 0) + n

    def rate(self) -> float:
        """Comparisons a minute since the start."""
        return self.total / max((time.time() - self.started) / 60, 1e-9)

    def kinds(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for key, n in self.comparisons.items():
            kind = key.split()[0]
            out[kind] = out.get(kind, 0) + n
        return out

    def line(self) -> str:
        """``fuzz  1,234 comparisons  412/min  0 failures  1:23 left  MLP 600  LSTM 300  MinGRU 334``."""
        left = max(0.0, self.started + 60 * self.minutes - time.time())
        kinds = "  ".join(f"{k} {n:,}" for k, n in sorted(self.kinds().items()))
        bad = len(self.failures) + len(self.crashes)
        return (
            f"fuzz  {self.total:,} comparisons  {self.rate():,.0f}/min  {bad} failure{'s' * (bad != 1)}  "
            f"{int(left // 60)}:{int(left % 60):02d} left  {kinds}"
        )

    def closing(self, database: str, seed: int) -> str:
        """The summary printed when the campaign ends (or is interrupted)."""
        elapsed = time.time() - self.started
        how = "interrupted" if self.interrupted else "finished"
        lines = [
            f"campaign {how} after {elapsed / 60:.1f} min on {self.workers} worker{'s' * (self.workers != 1)}: "
            f"{self.total:,} comparisons ({self.rate():,.0f}/min), {len(self.failures)} failing, {len(self.crashes)} crashed",
            f"seed {seed}; example database: {database} (a failure found is replayed first by every later campaign on it)",
            "",
            f"{'model kind':<12}{'float32':>10}{'float64':>10}{'total':>10}",
        ]
        for kind, n in sorted(self.kinds().items()):
            per = [self.comparisons.get(f"{kind} {d}", 0) for d in ("float32", "float64")]
            lines.append(f"{kind:<12}{per[0]:>10,}{per[1]:>10,}{n:>10,}")
        if self.values:
            lines += ["", "numbers compared per output: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.values.items()))]
        for number, failure in enumerate(self.failures, 1):
            lines += [
                "",
                f"FAILURE {number}: {failure.target_label} (worker {failure.worker}); torch parts from the truth first at {failure.divergence}",
                failure.report,
                f"replay: {failure.replay_command()}",
            ]
        for crash in self.crashes:
            lines += ["", f"CRASH: worker {crash.worker} died ({crash.cause}); it was restarted"]
            if crash.path:
                lines.append(f"the example it was running: {crash.path}; replay: {crash.replay_command()}")
        return "\n".join(lines)
