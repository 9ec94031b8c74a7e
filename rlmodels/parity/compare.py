"""Check that a JAX model and a torch model compute the same functions.

Both run on the same probe inputs (``inputs``): distribution parameters,
log-probabilities of given actions (inside, on and beyond bounded action
spaces), entropies, deterministic actions, samples from shared base noise,
values, recurrent carries (LSTM, MinGRU) over a rollout with resets and
batch-shape changes and a sequence with ``done`` and an initial carry, and gradients of
``log_prob + entropy + value`` with respect to every parameter. The JAX model
evaluated in float64 on the same weights and inputs is the truth; the JAX
model in the compared dtype sets how far from it rounding alone can go
(``oracle``). The result is a ``ParityReport``.
"""

from __future__ import annotations

from typing import Any, Callable

from rlmodels_common.checkpoint_format import PathLike
from rlmodels_common.convert import require
from rlmodels_common.tolerances import FIRST_REFERENCE_RUNS, REFERENCE_RUNS

from . import assess
from .inputs import ProbeInputs, make_inputs
from .report import ParityReport

ACTIONS = ("sample", "deterministic")
"""Outputs computed by the bijector from loc and scale."""


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
    (default: the JAX model's) runs both in that precision, on copies if the
    models hold another; float inputs are rounded to it first, so the truth sees
    the same numbers. ``report.ok`` says whether every torch output is within
    the rule; ``str(report)`` is the per-output table, and when something
    disagrees it names the first layer (and step) where torch parts from the truth.
    """
    require("jax", "rlmodels.compare")
    require("torch", "rlmodels.compare")
    from . import run_jax, run_torch

    if jax_model.type_name != torch_model.type_name:
        raise ValueError(f"expected two models of one type, got {jax_model.type_name} and {torch_model.type_name}")
    dtype = dtype or jax_model.dtype
    if inputs is None:
        inputs = make_inputs(jax_model.type_name, jax_model.metadata, seed)
    inputs = inputs.cast(dtype)

    def probes(gradients: bool, stages: bool) -> tuple[Any, Any, Any]:
        reference = run_jax.run(jax_model, inputs, dtype, gradients, stages)
        truth = reference if dtype == "float64" else run_jax.run(jax_model, inputs, "float64", gradients, stages)
        return truth, reference, run_torch.run(torch_model, inputs, dtype, gradients, stages)

    def resamples(runs: range, gradients: bool, stages: bool) -> list[tuple[Any, Any]]:
        """(truth, reference) on nudged copies: the same compiled functions, other roundings."""
        if dtype == "float64":  # JAX in float64 is the truth: no rounding noise to measure
            return []
        out = []
        for seed in runs:
            moved = inputs.nudged(dtype, seed)
            out.append(tuple(
                run_jax.run(jax_model, moved, precision, gradients, stages, nudge=(seed, dtype))
                for precision in ("float64", dtype)
            ))  # fmt: skip
        return out

    metadata = (jax_model.metadata, torch_model.metadata)
    truth, reference, candidate = probes(gradients, stages=False)
    noise = resamples(range(1, FIRST_REFERENCE_RUNS), gradients, stages=False)
    report = assess.build(truth, reference, candidate, dtype, metadata, noise)
    if report.ok or report.failures() == [report["metadata"]]:
        return report
    noise += resamples(range(FIRST_REFERENCE_RUNS, REFERENCE_RUNS), gradients, stages=False)
    report = assess.build(truth, reference, candidate, dtype, metadata, noise)
    if report.ok or report.failures() == [report["metadata"]]:
        return report
    if any(o.name in ACTIONS for o in report.failures()):
        # An action's allowance inherited from loc and scale needs the truth's
        # bijector Jacobians (``assess``): a second compilation, paid only here.
        truth = run_jax.run(jax_model, inputs, "float64", gradients, jacobians=True)
        reference = truth if dtype == "float64" else reference
        report = assess.build(truth, reference, candidate, dtype, metadata, noise)
        if report.ok or report.failures() == [report["metadata"]]:
            return report
    if any(o.name != "gradients" for o in report.failures()):
        try:  # run again, recording the intermediates (a second compilation, paid only here)
            truth, reference, candidate = probes(gradients=False, stages=True)
            noise = resamples(range(1, REFERENCE_RUNS), gradients=False, stages=True)
        except (AttributeError, TypeError):  # a user model without the built-in layers' attributes
            pass
    divergence = assess.first_divergence(truth, reference, candidate, dtype, noise)
    return ParityReport(report.dtype, report.tolerance, report.outputs, divergence)


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
    (:meth:`ParityReport.merge`). ``progress(done, total)`` is called once both
    models are loaded (``done = 0``) and after each comparison.
    """
    from rlmodels_common.checkpoint_format import read_checkpoint

    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise ValueError(f"expected examples to be a positive int, got {examples!r}")
    stored = read_checkpoint(path).metadata.get("dtype", "float32")  # a bad path fails before any import
    rlmodels_jax = require("jax", "rlmodels.compare_checkpoint")
    rlmodels_torch = require("torch", "rlmodels.compare_checkpoint")
    import jax

    with jax.enable_x64(stored == "float64"):
        jax_model = rlmodels_jax.load(path)
    torch_model = rlmodels_torch.load(path)
    total = 1 if inputs is not None else examples
    if progress is not None:
        progress(0, total)
    found = []
    for i in range(total):
        probe = inputs if inputs is not None else make_inputs(jax_model.type_name, jax_model.metadata, seed + i)
        found.append(compare(jax_model, torch_model, probe, dtype=dtype or stored, gradients=gradients))
        if progress is not None:
            progress(i + 1, total)
    return ParityReport.merge(found)
