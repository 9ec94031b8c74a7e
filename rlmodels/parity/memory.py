"""Keep a long-running process clear of the kernel's limit on memory mappings.

Every program XLA compiles for the CPU keeps its machine code in fresh memory
mappings (about 100 per compiled probe, 420 per new configuration and input
layout of a float32 comparison), and JAX keeps every compiled program for the
life of the process. A process comparing a few hundred configurations (a
fuzzing campaign, the parity suite) reaches ``vm.max_map_count`` (65,530 by
default); the next compilation then fails inside LLVM ("Cannot allocate
memory") and the process dies with SIGABRT or SIGSEGV, with no Python
exception. :func:`release_compiled`, which ``run_jax`` calls before every
probe, drops JAX's caches (``jax.clear_caches()``, which unmaps them) before
that happens. Mappings grow only when XLA compiles (or loads) a program, so the
count (a read of ``/proc``, about a millisecond) is taken only after one did.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["mapping_count", "mapping_limit", "release_compiled"]

SHARE = 0.5
"""Clear the caches once a process holds this share of the limit: one more
compilation needs a few hundred mappings, far below the rest."""


def mapping_count() -> int | None:
    """The number of memory mappings of this process (None where ``/proc`` is missing)."""
    try:
        with open(f"/proc/{os.getpid()}/maps", "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return None


def mapping_limit() -> int | None:
    """``vm.max_map_count`` (None where unknown)."""
    try:
        return int(Path("/proc/sys/vm/max_map_count").read_text())
    except (OSError, ValueError):
        return None


_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
_listening = False
_compiled_since_count = True
"""Whether XLA compiled a program since the mappings were last counted."""


def _on_event(event: str, duration: float, **kwargs: object) -> None:
    global _compiled_since_count
    if event == _COMPILE_EVENT:
        _compiled_since_count = True


def release_compiled(share: float = SHARE) -> bool:
    """Clear JAX's compiled programs if this process holds more than ``share``
    of its mapping limit; return whether it did. The programs in use are
    compiled again when next called (about a second each)."""
    global _listening, _compiled_since_count
    import jax

    if not _listening:
        jax.monitoring.register_event_duration_secs_listener(_on_event)
        _listening = True
    if not _compiled_since_count:
        return False
    _compiled_since_count = False
    count, limit = mapping_count(), mapping_limit()
    if count is None or limit is None or count < share * limit:
        return False
    jax.clear_caches()
    return True
