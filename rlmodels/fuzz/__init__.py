"""Fuzzing campaigns: ``rlmodels fuzz`` runs the parity engine under hypothesis
on a user's checkpoint or the built-in configurations, for a set time, on a
pool of worker processes sharing hypothesis's example database (a directory,
or Redis for several machines).

- ``targets``: what is fuzzed, one compiled program's worth each;
- ``examples``: what hypothesis draws for a target, and the comparison;
- ``worker`` / ``campaign``: the processes and their supervision;
- ``database``: the shared example database; ``summary``: progress and report.

It drives the engine through its public API only (``rlmodels.parity.compare``,
``rlmodels.strategies``, the backends' ``load``, ``from_jax`` / ``from_torch``).
"""

import importlib
from typing import Any

_HOMES = {
    "CampaignConfig": "campaign", "run_campaign": "campaign", "open_database": "database",
    "Target": "targets", "builtin_targets": "targets", "checkpoint_targets": "targets",
}  # fmt: skip
"""Where each name lives: imported on first use, so that ``rlmodels --help``
(which builds this command's options) needs neither hypothesis nor a framework."""

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
