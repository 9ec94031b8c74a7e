"""Loading an exported file with the runtime its format is for, as one call from
input tensors to output arrays (what ``verify`` and the benchmarks run)."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ..formats import FORMATS
from .onnx_file import require_onnx

__all__ = ["Runner", "runner", "load"]

Runner = Callable[[tuple[torch.Tensor, ...]], list[np.ndarray]]


def load(path: str | Path, format: str) -> Callable[..., Any]:
    """The file at ``path`` loaded as its format's runtime loads it: an
    onnxruntime ``InferenceSession``, or a callable module (compiled package,
    ``torch.export`` program, TorchScript)."""
    if format == "onnx":
        require_onnx()
        import onnxruntime

        try:
            return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own untyped errors
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ValueError(
                f"onnxruntime cannot run {path}: {first}. onnxruntime lacks some float64 kernels "
                f"(Erf, used by gelu_exact); export a float32 copy (rlmodels_torch.with_dtype) or use .pt2"
            ) from None
    if format in ("pt2", "exported-program"):
        # torch's archive loaders take a name ending in lower-case ".pt2", or a file object
        source: Any = str(path) if str(path).endswith(".pt2") else io.BytesIO(Path(path).read_bytes())
        if format == "pt2":
            return torch._inductor.aoti_load_package(source)
        return torch.export.load(source).module()
    if format == "torchscript":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # deprecated upstream, still loaded by libtorch
            return torch.jit.load(str(path))
    raise ValueError(f"expected format one of {list(FORMATS)}, got {format!r}")


def runner(path: str | Path, format: str, inputs: list[str]) -> Runner:
    """A function from input tensors (in the order of ``inputs``, their names) to
    the file's output arrays."""
    loaded = load(path, format)
    if format == "onnx":
        return lambda args: loaded.run(None, {n: a.numpy() for n, a in zip(inputs, args)})

    def run(args: tuple[torch.Tensor, ...]) -> list[np.ndarray]:
        with torch.no_grad():
            return [t.numpy() for t in loaded(*args)]

    return run
