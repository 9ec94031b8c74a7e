"""The ``rlmodels export`` command: its options and what it runs (``rlmodels.cli``
dispatches to it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rlmodels_common.checkpoint_format import read_checkpoint

from .formats import CONTRACTS, FORMATS, format_for

__all__ = ["add_export_arguments", "export"]


def export(
    path: str, format: str | None, out: str, stochastic: bool = False, contract: str = "rlmodels",
    check_finite: bool = False, force: bool = False, tune_batch: int | None = 1,
) -> tuple[bool, str]:
    """Export the torch model in the checkpoint, run the file against eager torch;
    return whether they agree and a summary. ``format`` defaults to the one the
    extension of ``out`` names."""
    format = format_for(out, format)  # a bad output name fails before anything is loaded
    replacing = Path(out).is_file()
    read_checkpoint(path)  # a bad path fails before torch is imported
    from .export import export as write, verify
    from .export import rt

    model = rt.load(path)
    written = write(
        model, out, format, stochastic=stochastic, contract=contract, check_finite=check_finite, force=force,
        tune_batch=tune_batch,
    )  # fmt: skip
    result = verify(model, written, format)
    errors = ", ".join(f"{k} {v:.2e}" for k, v in result.max_abs.items())
    verdict = "agrees with" if result.ok else "DISAGREES with"
    return result.ok, (
        f"{'replaced' if replacing else 'wrote'} {written} ({format}, {contract} contract, {written.stat().st_size:,} bytes; "
        f"`rlmodels inspect {written}` shows its manifest)\n"
        f"{format} {verdict} eager torch on batches {list(result.batches)}: max abs error {errors} "
        f"({result.ratio:.3g} x tolerance)"
    )


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    """The ``export`` command's arguments."""
    p.add_argument("checkpoint", help="checkpoint directory")
    p.add_argument(
        "--format", choices=list(FORMATS), metavar="{" + ",".join(FORMATS) + "}",
        help="file format (default: from the output's extension, any case: "
        + ", ".join(f"{f.extension} {f.name}" for f in FORMATS.values() if f.inferred) + "); "
        + "; ".join(f"{f.name}: {f.summary}" for f in FORMATS.values()),
    )  # fmt: skip
    p.add_argument("-o", "--output", required=True, help="file to write (its directory is created)")
    p.add_argument(
        "--io", choices=list(CONTRACTS), default="rlmodels",
        help="how inputs and outputs are named and laid out (default rlmodels); "
        + "; ".join(f"{k}: {v}" for k, v in CONTRACTS.items()),
    )  # fmt: skip
    p.add_argument(
        "--stochastic", action="store_true",
        help="also export the policy's parameters (mean and std, or logits) for runtimes that sample themselves",
    )  # fmt: skip
    p.add_argument(
        "--check-finite", action="store_true",
        help="add a last output, (batch,) bool, True for environments whose observation holds a NaN or an infinity",
    )  # fmt: skip
    p.add_argument(
        "--tune-batch", type=int, default=1, metavar="N",
        help="compiled .pt2 only: the batch size its matrix multiplies are tuned for (default 1; it runs at any "
        "batch, fastest near N); 0: no tuning, AOTInductor's defaults (compiles faster)",
    )  # fmt: skip
    p.add_argument(
        "--force", action="store_true",
        help="overwrite an existing file that is not an rlmodels export (one that is gets replaced without it)",
    )  # fmt: skip
