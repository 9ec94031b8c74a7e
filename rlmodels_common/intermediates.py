"""The intermediates a model records as it computes: what the parity engine
reads to say where two implementations first part.

Models call :func:`record` with the name of what they computed (a layer's
parameter path, ``cell.gates``, ``mingru.0.h``, ``bij.forward``) in the order
they compute it; outside :func:`recording` that costs one look-up and keeps
nothing. Framework-free: a JAX model records inside a trace (the values are
tracers of that trace, returned by the traced function), a torch model records
tensors.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator, TypeVar

__all__ = ["is_recording", "record", "recording"]

T = TypeVar("T")

_local = threading.local()


@contextlib.contextmanager
def recording() -> Iterator[dict[str, Any]]:
    """Within the block, keep what models :func:`record`: the yielded dict maps
    each name to its value, in the order recorded (a name recorded again keeps
    its first place and takes the new value)."""
    found: dict[str, Any] = {}
    stack = _local.__dict__.setdefault("stack", [])
    stack.append(found)
    try:
        yield found
    finally:
        stack.pop()


def is_recording() -> bool:
    """Whether a :func:`recording` block is open (so a model computes, for the
    record, what it would not compute otherwise)."""
    return bool(_local.__dict__.get("stack"))


def record(name: str, value: T) -> T:
    """Keep ``value`` under ``name`` if a :func:`recording` block is open; return ``value``."""
    stack = _local.__dict__.get("stack")
    if stack:
        stack[-1][name] = value
    return value
