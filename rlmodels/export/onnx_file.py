"""Writing the ONNX file: the opset for the policy's dtype and contract, and a
clean-up of the exported graph that keeps every arithmetic op.

The opset: 20 for float32, where GELU is one ``Gelu`` op; 18 for float64
(from opset 20 onnxruntime computes ``Gelu`` in float32 even for float64
inputs, so it stays spelled out as Mul/Pow/Tanh) and for the ``isaaclab``
contract (18 is what rsl_rl's exporter writes, so any runtime that loads its
files loads ours; Isaac Lab's own exporter writes 11, below the 18 torch's
exporter supports).

The clean-up is onnxscript's optimizer without its rewrite rules: dead nodes
and ``Identity`` nodes removed, ``Constant`` nodes lifted to initializers, duplicate initializers and
common subexpressions merged. The rewrite rules are left out because their
no-op rule drops a multiply by any scalar within 1e-5 of 1: the ``Box`` and
``MaxNorm`` scale ``(1 - eps) * half-width`` vanished and actions grew by eps.
No constant folding either: onnxruntime folds constants itself when it loads
the file, with its own kernels.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path
from typing import Any, Iterator

from .signature import Signature

__all__ = ["ONNX_PACKAGES", "opset_for", "write_onnx", "require_onnx"]

ONNX_PACKAGES = ("onnx", "onnxscript", "onnxruntime")
OPSET_FLOAT32 = 20
OPSET_PORTABLE = 18


def opset_for(dtype: str, contract: str) -> int:
    """The ONNX opset a policy of ``dtype`` is written at under ``contract`` (module doc)."""
    return OPSET_FLOAT32 if dtype == "float32" and contract == "rlmodels" else OPSET_PORTABLE


def require_onnx() -> None:
    from rlmodels_common.extras import require_extra

    require_extra("onnx", ONNX_PACKAGES, "ONNX export")


def write_onnx(
    policy: Any, args: tuple[Any, ...], path: Path, sig: Signature, dynamic: Any, opset: int, metadata: dict[str, str]
) -> None:
    """Export ``policy`` on ``args`` to the ONNX file ``path`` with ``metadata`` in
    its ``metadata_props``."""
    import torch
    from onnxscript import ir, optimizer

    inputs, outputs = sig.names()
    with _quiet_exporter():
        program = torch.onnx.export(
            policy, args, None, input_names=inputs, output_names=outputs, dynamic_shapes=dynamic, dynamo=True,
            opset_version=opset, optimize=False, verbose=False,
        )  # fmt: skip
    model = program.model
    # no size limit: a weight sliced by the model (a MinGRU layer's kernel) is folded whatever its size
    optimizer.fold_constants(model, input_size_limit=2**62, output_size_limit=2**62)
    common = ir.passes.common
    ir.passes.Sequential(
        common.InlinePass(),
        common.IdentityEliminationPass(),
        common.RemoveUnusedNodesPass(),
        common.LiftConstantsToInitializersPass(lift_all_constants=True, size_limit=0),
        common.DeduplicateInitializersPass(),
        common.CommonSubexpressionEliminationPass(),
        common.RemoveUnusedNodesPass(),
        common.RemoveUnusedOpsetsPass(),
    )(model)
    model.metadata_props.update(metadata)
    ir.save(model, str(path))


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Silence the ONNX exporter's chatter (absent torchvision ops, deprecations)
    for the duration of an export; its errors still raise."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
