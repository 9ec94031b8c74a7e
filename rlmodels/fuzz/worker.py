"""A campaign worker: one process running hypothesis on its targets until told to stop.

Each target runs in chunks of a few examples (``settings(max_examples=...)``)
so the worker rotates over its targets and checks the clock between chunks.
Hypothesis replays the shared database's examples for the target first (its
key is the target's), then generates new ones; a failure is shrunk there and
saved to the database by hypothesis. The worker also keeps, in files the
parent reads if it dies, the example it is running and the smallest failing
example it has seen, and streams counts and failures to the parent.
"""

from __future__ import annotations

import signal
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .targets import Target

__all__ = ["WorkerConfig", "main"]

SHRINK_GRACE = 60.0
"""Seconds past the deadline a worker may go on shrinking a failure it found."""

FLUSH_EVERY = 1.0
"""Seconds between progress messages to the parent."""


@dataclass(frozen=True)
class WorkerConfig:
    number: int
    targets: tuple[Target, ...]
    deadline: float
    """Wall-clock time (``time.time()``) at which to stop generating examples."""
    database: str
    workdir: str
    seed: int
    chunk: int = 10
    export: str | None = None
    replay_only: bool = False
    """Run only the database's examples (hypothesis's reuse phase), generate none."""
    shrink_seconds: float = SHRINK_GRACE
    shrink: bool = True

    @property
    def current_file(self) -> Path:
        return Path(self.workdir) / "running" / f"worker-{self.number}.npz"

    def failure_file(self, target: Target) -> Path:
        return Path(self.workdir) / "failures" / f"{target.key}.npz"


@dataclass
class _Counts:
    comparisons: dict[str, int] = field(default_factory=dict)
    values: dict[str, int] = field(default_factory=dict)

    def add(self, target: Target, report: Any) -> None:
        key = f"{target.kind} {target.dtype}"
        self.comparisons[key] = self.comparisons.get(key, 0) + 1
        for output in report.outputs:
            self.values[output.name] = self.values.get(output.name, 0) + output.count

    def take(self) -> tuple[dict[str, int], dict[str, int]]:
        out = (self.comparisons, self.values)
        self.comparisons, self.values = {}, {}
        return out


def main(config: WorkerConfig, events: Any, stop: Any) -> None:
    """The worker process: run ``config.targets`` until the deadline or ``stop``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from .database import open_database
    from .examples import Models

    database = open_database(config.database)
    models, counts = Models(), _Counts()
    last_flush = [time.time()]

    def flush(force: bool = False) -> None:
        if force or time.time() - last_flush[0] >= FLUSH_EVERY:
            comparisons, values = counts.take()
            if comparisons:
                events.put(("progress", config.number, comparisons, values))
            last_flush[0] = time.time()

    events.put(("started", config.number))
    while not _over(config, stop, failing=False):
        for target in config.targets:
            if _over(config, stop, failing=False):
                break
            _chunk(config, target, database, models, counts, flush, events, stop)
            flush(force=True)
        if config.replay_only:
            break
    flush(force=True)
    events.put(("done", config.number))


def _over(config: WorkerConfig, stop: Any, failing: bool) -> bool:
    late = time.time() > config.deadline + (config.shrink_seconds if failing else 0.0)
    return stop.is_set() or late


def _chunk(config, target, database, models, counts, flush, events, stop) -> None:
    """Up to ``config.chunk`` examples of ``target`` (after the database's)."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings

    from .examples import examples, run, save_example

    failing: dict[str, Any] = {}
    exported: list[bool] = []
    strategy = examples(target, models.initial(target), models.carry_shape(target))

    def body(example: Any) -> None:
        if _over(config, stop, failing=bool(failing)):
            raise KeyboardInterrupt  # hypothesis lets it through: the chunk ends, nothing is marked failing
        save_example(config.current_file, target, example, note="running when the worker stopped")
        try:
            report = run(target, models, example)
        except Exception:
            text = traceback.format_exc()
            failing.update(example=example, text=f"the comparison raised:\n{text}", divergence="an exception")
            save_example(config.failure_file(target), target, example, note=failing["text"])
            raise
        counts.add(target, report)
        # The exported program once a chunk (each check starts a runtime session).
        export_error = _check_export(config, target, models, example) if config.export and not exported else None
        exported.append(True)
        flush()
        if not report.ok or export_error:
            text = str(report) + (f"\n{export_error}" if export_error else "")
            failing.update(example=example, text=text, divergence=str(report.divergence or export_error))
            save_example(config.failure_file(target), target, example, note=text)
            raise AssertionError(text)

    phases = [Phase.explicit, Phase.reuse] if config.replay_only else [p for p in Phase if config.shrink or p != Phase.shrink]
    test = settings(
        database=database, max_examples=config.chunk, deadline=None, derandomize=False, print_blob=False,
        suppress_health_check=list(HealthCheck), phases=phases, report_multiple_bugs=False,
        verbosity=Verbosity.quiet,  # the parent reports; hypothesis's own notes would break the progress line
    )(given(strategy)(body))  # fmt: skip
    # The database key: one per target, stable across campaigns and processes.
    # (No @seed: it turns the database off. Examples are drawn from fresh entropy.)
    test.hypothesis.inner_test._hypothesis_internal_add_digest = target.key.encode()
    try:
        test()
    except KeyboardInterrupt:
        pass
    except Exception:  # the shrunk failure (hypothesis replayed it last): report it
        if not failing:
            failing.update(text=traceback.format_exc(), divergence="hypothesis")
    if failing:
        events.put(("failure", config.number, target.as_json(), failing["text"], failing["divergence"], str(config.failure_file(target))))


def _check_export(config: WorkerConfig, target: Target, models: Any, example: Any) -> str | None:
    """The exported program against eager torch on a batch this example picks
    (``rlmodels.export.verify``); None when it agrees."""
    from .exports import verify_export

    return verify_export(config, target, models, example)
