"""The exported program in a campaign: written once per configuration, then run
against eager torch on each example's batch (``rlmodels.export.verify``).

Float32 targets only: the program deployed is the float32 one, and ONNX runtimes
lack float64 kernels for some ops (docs/cli.md).
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from .targets import Target

__all__ = ["verify_export"]

BATCHES = (1, 3, 64)
"""Batch sizes an example runs the exported program on (one per example)."""

_written: dict[str, Path] = {}


def verify_export(config: Any, target: Target, models: Any, example: Any) -> str | None:
    """None if the exported program agrees with eager torch on a batch and
    inputs this example picks, else a one-line description."""
    if target.dtype != "float32":
        return None
    from rlmodels.export import export, verify

    model = models.exported_model(target)
    path = _written.get(target.group)
    if path is None:
        path = Path(config.workdir) / "exports" / f"{target.group}-w{config.number}.{config.export}"
        path.parent.mkdir(parents=True, exist_ok=True)
        _written[target.group] = path = export(model, path, config.export)
    x = example.inputs.steps[0].observation
    pick = zlib.crc32(b"".join(a.tobytes() for a in (x.values() if isinstance(x, dict) else [x])))
    result = verify(model, path, config.export, batches=(BATCHES[pick % len(BATCHES)],), seed=pick)
    if result.ok:
        return None
    errors = ", ".join(f"{k} {v:.2e}" for k, v in result.max_abs.items())
    return f"{config.export} export DISAGREES with eager torch ({errors}; {result.ratio:.3g} x the tolerance): {path}"
