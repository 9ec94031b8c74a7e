"""Check that a JAX model and a torch model compute the same functions.

The JAX model is the reference. Both are run on the same probe inputs
(``rlmodels_common.probe``): distribution parameters, log-probabilities of
given actions (inside, on and beyond bounded action spaces), entropies,
deterministic actions, samples from shared base noise, values, LSTM carries
over a rollout with resets and batch-shape changes and a sequence with
``done`` and an initial carry, and gradients of ``log_prob + entropy + value``
with respect to every parameter. The result is a ``ParityReport``.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

from rlmodels_common.checkpoint_format import PathLike
from rlmodels_common.convert import require
from rlmodels_common.probe import ProbeInputs, make_inputs
from rlmodels_common.report import ParityReport, compare_probes


def compare(
    jax_model: Any,
    torch_model: Any,
    inputs: ProbeInputs | None = None,
    *,
    dtype: str | None = None,
    seed: int = 0,
    gradients: bool = True,
) -> ParityReport:
    """Compare ``torch_model`` against the reference ``jax_model``.

    ``inputs`` default to ``make_inputs(model_type, metadata, seed)``. ``dtype``
    (default: the JAX model's) runs both in that precision, casting copies of
    the models if needed (float64 switches on ``jax_enable_x64`` for the call).
    The report's ``ok`` says whether every output is within the tolerance of
    ``rlmodels_common.tolerances``; ``str(report)`` is the per-output table.
    """
    rlmodels_jax = require("jax", "rlmodels.compare")
    rlmodels_torch = require("torch", "rlmodels.compare")
    import jax

    from rlmodels_jax import probe as jax_probe
    from rlmodels_torch import probe as torch_probe

    if jax_model.type_name != torch_model.type_name:
        raise ValueError(f"expected two models of one type, got {jax_model.type_name} and {torch_model.type_name}")
    dtype = dtype or jax_model.dtype
    x64 = jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()
    with x64:
        if jax_model.dtype != dtype:
            jax_model = rlmodels_jax.with_dtype(jax_model, dtype)
        if torch_model.dtype != dtype:
            torch_model = rlmodels_torch.with_dtype(torch_model, dtype)
        if inputs is None:
            inputs = make_inputs(jax_model.type_name, jax_model.metadata, seed)
        reference = jax_probe.run(jax_model, inputs)
        candidate = torch_probe.run(torch_model, inputs)
        grads, scales = (None, None), None
        if gradients:
            grads = (jax_probe.gradients(jax_model, inputs), torch_probe.gradients(torch_model, inputs))
            scales = torch_probe.gradient_scales(torch_model, inputs)
        return compare_probes(
            reference, candidate, dtype, *grads, metadata=(jax_model.metadata, torch_model.metadata),
            gradient_scales=scales,
        )  # fmt: skip


def compare_checkpoint(
    path: PathLike,
    inputs: ProbeInputs | None = None,
    *,
    dtype: str | None = None,
    seed: int = 0,
    gradients: bool = True,
    examples: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> ParityReport:
    """Load the checkpoint at ``path`` in both backends and :func:`compare` them.

    With ``inputs`` given, one comparison on them; otherwise ``examples``
    comparisons on ``make_inputs(..., seed + i)``, merged into one report
    (:meth:`ParityReport.merge`). ``progress(done, total)`` is called after each.
    """
    from rlmodels_common.checkpoint_format import read_checkpoint

    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise ValueError(f"expected examples to be a positive int, got {examples!r}")
    stored = read_checkpoint(path).metadata.get("dtype", "float32")  # a bad path fails before any import
    rlmodels_jax = require("jax", "rlmodels.compare_checkpoint")
    rlmodels_torch = require("torch", "rlmodels.compare_checkpoint")
    import jax

    dtype = dtype or stored
    total = 1 if inputs is not None else examples
    with jax.enable_x64(True) if "float64" in (stored, dtype) else contextlib.nullcontext():
        jax_model = rlmodels_jax.with_dtype(rlmodels_jax.load(path), dtype)
        torch_model = rlmodels_torch.with_dtype(rlmodels_torch.load(path), dtype)
        reports = []
        for i in range(total):
            probe = inputs if inputs is not None else make_inputs(jax_model.type_name, jax_model.metadata, seed + i)
            reports.append(compare(jax_model, torch_model, probe, dtype=dtype, gradients=gradients))
            if progress is not None:
                progress(i + 1, total)
        return ParityReport.merge(reports)
