"""The export formats and runtime contracts, stated once. A format: its name, the
extension it writes and whether that extension alone selects it, what it is for
and what exporting to it needs. A contract: how a file names and lays out its
inputs and outputs (``rlmodels.export.signature`` builds them). ``rlmodels.export``,
the manifest reader and the CLI all read these tables.

Framework-free: naming a format or checking an output path imports neither torch
nor onnx.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["CONTRACTS", "EXTENSIONS", "FORMATS", "Format", "format_for"]


@dataclass(frozen=True)
class Format:
    """One export format."""

    name: str
    """The ``--format`` value and the manifest's ``format`` entry."""
    extension: str
    """The extension a file of this format is written with (lower case)."""
    inferred: bool
    """Whether an output with :attr:`extension` and no explicit format gets this one
    (``.pt2`` names two formats: the compiled package is the one inferred)."""
    summary: str
    """What the file is and what loads it."""
    needs: str
    """What exporting to it needs beyond torch."""


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("onnx", ".onnx", True, "ONNX, run by onnxruntime", "the onnx extra"),
        Format(
            "pt2", ".pt2", True,
            "AOTInductor-compiled package, loaded by torch._inductor.aoti_load_package or libtorch's AOTIModelPackageLoader (C++)",
            "a C++ compiler (g++ or clang++) at export time",
        ),
        Format(
            "exported-program", ".pt2", False,
            "torch.export program (torch.export.load), portable: to compile or transform on the target",
            "nothing",
        ),
        Format("torchscript", ".pt", True, "TorchScript (torch.jit.load, libtorch; deprecated upstream)", "nothing"),
    )
}  # fmt: skip

EXTENSIONS: dict[str, str] = {f.extension: f.name for f in FORMATS.values() if f.inferred}
"""Format inferred from each extension (compared case-insensitively)."""


CONTRACTS: dict[str, str] = {
    "rlmodels": "observation[, carry], reset -> action, value[, head][, carry_out]; carries (batch, ...); "
    "reset flags zero the incoming carry",
    "isaaclab": "Isaac Lab / rsl_rl names: obs[, h_in, c_in] -> actions[, h_out, c_out]; carries (num_layers, batch, H); "
    "no value, no reset input",
}
"""The runtime contracts by name, each with a one-line summary."""


def format_for(path: str | Path, format: str | None = None) -> str:
    """The export format for ``path``: ``format`` if given, else the one its
    extension names (any letter case: ``.ONNX`` is ONNX). ``ValueError`` naming
    the known formats or extensions otherwise."""
    if format is not None:
        if format not in FORMATS:
            raise ValueError(f"expected format one of {list(FORMATS)}, got {format!r}")
        return format
    suffix = Path(path).suffix
    if suffix.lower() not in EXTENSIONS:
        raise ValueError(
            f"cannot infer the export format of {path}: expected an extension in {list(EXTENSIONS)} "
            f"(any case) or an explicit format, got {suffix or 'none'!r}"
        )
    return EXTENSIONS[suffix.lower()]
