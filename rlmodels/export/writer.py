"""``export``: write a model's deployed step to a file of any format, with its
manifest embedded, atomically, refusing to overwrite what is not an rlmodels
export."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch

from ..formats import FORMATS, format_for
from ..manifest import MANIFEST_FILE, MANIFEST_KEY, read_manifest
from .compiled import require_compiler, write_compiled, write_program
from .deploy import deployed
from .onnx_file import opset_for, require_onnx, write_onnx
from .signature import example_inputs, manifest_text, signature
from .torchscript import write_torchscript

__all__ = ["export", "check_output"]

EXAMPLE_BATCH = 3
"""The batch size exports are traced at: not 1, which exporters specialise."""


def export(
    model: Any,
    path: str | Path,
    format: str | None = None,
    stochastic: bool = False,
    contract: str = "rlmodels",
    check_finite: bool = False,
    force: bool = False,
    tune_batch: int | None = 1,
) -> Path:
    """Write one step of ``model`` (its deterministic action, value and carry, as
    ``contract`` names and lays them out; see ``rlmodels.export.signature``) to the
    file ``path`` with its manifest embedded, and return the path.

    ``format`` (a name in ``rlmodels.formats.FORMATS``) defaults to the one the
    extension names, in any case: ``.onnx``, ``.pt2`` (compiled), ``.pt``
    (TorchScript). ``stochastic`` adds the policy's parameters (``mean, std`` or
    ``logits``); ``check_finite`` adds a ``(B,)`` bool output flagging
    environments with a non-finite observation. The parent directory is created;
    an existing file is replaced only if it is itself an rlmodels export, or with
    ``force``. The file appears whole or not at all (written beside, then renamed).

    ``tune_batch`` (compiled ``.pt2`` only): the batch size the package's matrix
    multiplies are tuned for (it runs at any batch, fastest near this one); None
    compiles with AOTInductor's defaults, without tuning (faster to compile).
    """
    format = format_for(path, format)
    path = Path(path)
    check_output(path, format, force)
    if tune_batch is not None and (not isinstance(tune_batch, int) or tune_batch < 1):
        raise ValueError(f"expected tune_batch a positive int or None, got {tune_batch!r}")
    tune_batch = tune_batch if format == "pt2" else None
    sig = signature(model, contract, stochastic, check_finite)  # a bad contract fails before any work
    if format == "onnx":
        require_onnx()
    elif format == "pt2":
        require_compiler()
    policy = deployed(model, sig)
    # a compiled package is traced at the batch it is tuned for (never 1, which exporters specialise)
    args = example_inputs(model, sig, max(2, tune_batch) if tune_batch else EXAMPLE_BATCH)
    text = manifest_text(model, format, sig, tune_batch)
    batch = torch.export.Dim("batch", min=1)
    # one entry, the tuple of Deployed.forward's *inputs
    dynamic = (tuple({port.batch_axis: batch} for port in sig.inputs),)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written in a hidden directory beside the target, under the target's stem (a
    # torch archive's root folder is named after the file) and the format's
    # lower-case extension (AOTInductor insists on ".pt2"), then moved over it.
    scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    partial = scratch / (path.stem + FORMATS[format].extension)
    try:
        if format == "onnx":
            write_onnx(policy, args, partial, sig, dynamic, opset_for(model.metadata["dtype"], contract), {MANIFEST_KEY: text})
        elif format == "torchscript":
            write_torchscript(policy, args, partial, MANIFEST_FILE, text)
        else:
            with torch.no_grad():
                program = torch.export.export(policy, args, dynamic_shapes=dynamic)
            if format == "pt2":
                write_compiled(program, partial, MANIFEST_KEY, MANIFEST_FILE, text, tune=tune_batch is not None)
            else:
                write_program(program, partial, MANIFEST_FILE, text)
        os.replace(partial, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return path


def check_output(path: Path, format: str, force: bool) -> None:
    """Refuse a directory, and an existing file that is not an rlmodels export
    (unless ``force``): ``IsADirectoryError`` / ``FileExistsError`` naming it."""
    if path.is_dir():
        raise IsADirectoryError(
            f"expected a file to write the {format} export to, got the directory {path}; "
            f"name a file in it, e.g. {path / ('policy' + FORMATS[format].extension)}"
        )
    if not path.exists() or force:
        return
    try:
        read_manifest(path)
    except (ValueError, ImportError) as e:
        raise FileExistsError(
            f"{path} exists and is not an rlmodels export ({' '.join(str(e).split())}); "
            "refusing to overwrite it: pick another name, or pass --force (force=True) to replace it"
        ) from None
