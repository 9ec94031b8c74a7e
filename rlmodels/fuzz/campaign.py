"""A campaign: a pool of worker processes over hypothesis, supervised.

The parent splits the targets by configuration over ``workers`` processes
(``multiprocessing`` with ``spawn``: JAX is threaded, so no fork), shows the
live progress line, restarts a worker that dies (reporting the example it
was running, kept in a file) and on Ctrl-C stops the workers and prints the
summary so far. Workers share hypothesis's example database.
"""

from __future__ import annotations

import multiprocessing
import queue
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from .summary import Crash, Failure, Progress
from .targets import Target
from .worker import SHRINK_GRACE, WorkerConfig, main

__all__ = ["CampaignConfig", "run_campaign"]

STOP_GRACE = 15.0
"""Seconds the workers get to finish their example after a stop, before they are terminated."""


@dataclass(frozen=True)
class CampaignConfig:
    targets: tuple[Target, ...]
    workers: int
    minutes: float
    database: str
    workdir: str
    seed: int = 0
    chunk: int = 10
    export: str | None = None
    replay_only: bool = False
    shrink_seconds: float = SHRINK_GRACE
    """How long past the deadline a worker may go on shrinking a failure."""
    shrink: bool = True
    exitfirst: bool = False
    """Stop the campaign at the first failure (a crashed worker is restarted)."""


def split(targets: tuple[Target, ...], workers: int) -> list[tuple[Target, ...]]:
    """Targets by configuration group, the groups dealt out in turn, so each
    worker compiles its groups once and every model kind is spread out."""
    groups: dict[str, list[Target]] = {}
    for target in targets:
        groups.setdefault(target.group, []).append(target)
    shares: list[list[Target]] = [[] for _ in range(workers)]
    for i, group in enumerate(groups.values()):
        shares[i % workers].extend(group)
    if len(groups) < workers:  # fewer configurations than workers: split the targets themselves
        shares = [list(targets[i::workers]) for i in range(workers)]
    return [tuple(s) for s in shares if s]


def run_campaign(config: CampaignConfig, out: TextIO = sys.stderr, worker: Callable[..., None] = main) -> Progress:
    """Run the campaign; return its progress (``progress.ok``, ``.closing()``).
    ``worker`` is the function each process runs, ``worker.main`` (a test may
    wrap it: it must be importable by name, as ``spawn`` pickles it)."""
    Path(config.workdir).mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("spawn")
    events, stop = context.Queue(), context.Event()
    deadline = time.time() + 60 * config.minutes
    shares = split(config.targets, config.workers)
    progress = Progress(config.minutes, len(shares))
    workers = {
        number: WorkerConfig(number, share, deadline, config.database, config.workdir, config.seed, config.chunk,
                             config.export, config.replay_only, config.shrink_seconds, config.shrink)  # fmt: skip
        for number, share in enumerate(shares, 1)
    }
    processes = {number: _start(context, worker, c, events, stop) for number, c in workers.items()}
    done: set[int] = set()
    live = _Line(out)
    try:
        while len(done) < len(processes):
            _drain(events, progress, done, workers)
            for number, process in list(processes.items()):
                if number in done or process.is_alive():
                    continue
                _drain(events, progress, done, workers)  # its last messages may still be queued
                if number in done:
                    continue
                progress.crashes.append(_crash(workers[number], process.exitcode))
                if time.time() < deadline and not stop.is_set():  # restart it on the same targets
                    processes[number] = _start(context, worker, workers[number], events, stop)
                else:
                    done.add(number)
            live.show(progress.line())
            if config.exitfirst and progress.failures:
                stop.set()
            if time.time() > deadline + config.shrink_seconds + STOP_GRACE:
                break
    except KeyboardInterrupt:
        progress.interrupted = True
        stop.set()
        live.show(progress.line() + "  (stopping: Ctrl-C)")
        end = time.time() + STOP_GRACE
        while len(done) < len(processes) and time.time() < end:
            try:
                _drain(events, progress, done, workers)
            except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
                break
    finally:
        stop.set()
        for process in processes.values():
            process.join(timeout=1.0)
            if process.is_alive():
                process.terminate()
                process.join()
        _drain(events, progress, done, workers)
        live.close()
    return progress


def _start(context, worker: Callable[..., None], config: WorkerConfig, events, stop):
    # Started with SIGINT ignored (a spawned interpreter keeps that), so a Ctrl-C
    # reaches the parent alone, even while a worker is still importing.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = context.Process(target=worker, args=(config, events, stop), name=f"rlmodels-fuzz-{config.number}")
        process.start()
    finally:
        signal.signal(signal.SIGINT, previous)
    return process


def _drain(events, progress: Progress, done: set[int], workers: dict[int, WorkerConfig]) -> None:
    """Every message queued (waiting up to half a second for the first)."""
    wait = 0.5
    while True:
        try:
            message = events.get(timeout=wait)
        except queue.Empty:
            return
        wait = 0.0
        kind, number, *rest = message
        if kind == "progress":
            progress.add(*rest)
        elif kind == "failure":
            target, text, divergence, path = rest
            label = Target.from_json(target).label()
            progress.failures = [f for f in progress.failures if f.path != path]  # one per target: the latest, smallest
            progress.failures.append(Failure(label, text, divergence, path, number))
        elif kind == "done":
            done.add(number)


def _crash(config: WorkerConfig, exitcode: int | None) -> Crash:
    """A dead worker: keep the example it was running under ``crashes/``."""
    if exitcode is not None and exitcode < 0:
        cause = f"signal {signal.Signals(-exitcode).name}"
    else:
        cause = f"exit status {exitcode}"
    running = config.current_file
    kept = None
    if running.exists():
        kept = Path(config.workdir) / "crashes" / f"worker-{config.number}-{int(time.time() * 1000)}.npz"
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(running, kept)
    return Crash(config.number, cause, None if kept is None else str(kept))


class _Line:
    """The live progress line: redrawn in place on a terminal, else a line every 15 s."""

    def __init__(self, out: TextIO) -> None:
        self.out, self.tty, self.last = out, out.isatty(), 0.0

    def show(self, text: str) -> None:
        now = time.time()
        if self.tty and now - self.last >= 0.5:
            self.out.write("\r\x1b[2K" + text)
        elif not self.tty and now - self.last >= 15.0:
            self.out.write(text + "\n")
        else:
            return
        self.out.flush()
        self.last = now

    def close(self) -> None:
        if self.tty:
            self.out.write("\n")
            self.out.flush()
