"""Writing TorchScript: the deployed step traced, then pruned of what the tracer
recorded but no output needs.

``torch.jit.trace`` records every op that ran: the model's ``step`` builds its
policy distribution (``exp`` of the log-std, ``expand_as``, ``broadcast_tensors``)
and casts its carry to its own dtype (``to``, a no-op when the dtype already
matches); none of that reaches an output of the deployed step, yet TorchScript's
own dead-code pass keeps it (it cannot prove the ops inside the traced
submodules free of effects). :func:`prune` inlines the submodules and removes
functional ops whose results nobody uses and casts to the dtype and device a
tensor already has, so the file runs the ops a hand-written step runs.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch

__all__ = ["prune", "write_torchscript"]

_PURE_PRIM = {"prim::Constant", "prim::GetAttr", "prim::ListConstruct", "prim::ListUnpack", "prim::TupleConstruct",
              "prim::TupleUnpack", "prim::NumToTensor"}  # fmt: skip


def _removable(node: torch._C.Node) -> bool:
    """A node with no observable effect once its results are unused: a functional
    (not in-place, deterministic) aten op or a structural prim op."""
    kind = node.kind()
    pure = (kind.startswith("aten::") and not kind.endswith("_") and not node.isNondeterministic()) or kind in _PURE_PRIM
    return pure and not any(out.uses() for out in node.outputs())


def _same_tensor_cast(node: torch._C.Node) -> bool:
    """``aten::to`` to the dtype and device its input already has: it returns its input."""
    if node.kind() != "aten::to":
        return False
    source, target = node.inputsAt(0).type(), node.output().type()
    if not (isinstance(source, torch._C.TensorType) and isinstance(target, torch._C.TensorType)):
        return False
    return source.scalarType() is not None and (source.scalarType(), source.device()) == (target.scalarType(), target.device())


def prune(graph: torch._C.Graph) -> None:
    """Inline ``graph``'s submodule calls, then drop no-op casts and unused functional ops."""
    torch._C._jit_pass_inline(graph)
    changed = True
    while changed:
        changed = False
        for node in reversed(list(graph.nodes())):
            if _same_tensor_cast(node):
                node.output().replaceAllUsesWith(node.inputsAt(0))
            if _removable(node):
                node.destroy()
                changed = True
    torch._C._jit_pass_dce(graph)


def write_torchscript(policy: torch.nn.Module, args: tuple[Any, ...], path: Path, manifest_file: str, text: str) -> None:
    """Trace ``policy`` on ``args``, :func:`prune` it and save it with the manifest."""
    with torch.no_grad(), warnings.catch_warnings():
        # torch.jit.trace is deprecated in favour of torch.export, but TorchScript is
        # still what libtorch's torch::jit::load and Isaac Lab's loaders read. The
        # tracer's other warnings are about the models' shape checks, which compare
        # the fixed feature dimension.
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(policy, args, check_trace=False)
    prune(traced.graph)
    torch.jit.save(traced, str(path), _extra_files={manifest_file: text})
