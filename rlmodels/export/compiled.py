"""Writing ``torch.export``'s formats: the AOTInductor-compiled package (``pt2``)
and the plain program (``exported-program``).

The compiled package is what ``torch._inductor.aoti_compile_and_package`` writes
(AOTInductor's C++ wrapper and kernels built into a shared library, in a PT2
archive), with the manifest added twice: as the archive's extra file
``rlmodels_manifest.json`` (read by ``rlmodels inspect`` without loading
anything) and as the library's metadata ``rlmodels_manifest`` (read at run time
by ``AOTIModelPackageLoader::get_metadata()`` in C++ or ``.get_metadata()`` in
Python). Compiling needs a C++ compiler; loading needs only torch or libtorch of
the same version, on a CPU with the instruction set it was built for
(``AOTI_CPU_ISA`` in the metadata).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
import torch

__all__ = ["TUNING", "require_compiler", "write_compiled", "write_program"]

TUNING = {
    "max_autotune": True,
    "max_autotune_gemm_backends": "CPP,ATEN",
    # the choice, without its report on stderr
    "autotune_num_choices_displayed": 0,
    "max_autotune_report_choices_stats": False,
}
"""AOTInductor's options when a package is tuned: every matrix multiply benchmarked
between ATen's kernel and a generated C++ micro-kernel."""


def require_compiler() -> str:
    """The C++ compiler AOTInductor will use; ``RuntimeError`` saying what to do if there is none."""
    from torch._inductor import config, cpp_builder, exc

    try:
        return cpp_builder.get_cpp_compiler()
    except exc.InvalidCxxCompiler:
        searched = [c for c in config.cpp.cxx if c]
        raise RuntimeError(
            f"compiling a .pt2 package (AOTInductor) needs a C++ compiler at export time; none found "
            f"(looked for {', '.join(searched)}{' from $CXX' if os.environ.get('CXX') else ' on PATH'}). "
            "Install one (Debian/Ubuntu: apt-get install g++) or set CXX to it; or export another format, "
            "which needs none: --format exported-program (compile it later where a compiler is), onnx or torchscript"
        ) from None


def write_compiled(
    program: torch.export.ExportedProgram, path: Path, manifest_key: str, manifest_file: str, text: str, tune: bool
) -> None:
    """Compile ``program`` with AOTInductor into the package ``path`` (ending in
    ``.pt2``). With ``tune``, every matrix multiply is benchmarked at the batch
    size of ``program``'s example inputs between ATen's kernel and Inductor's
    generated C++ micro-kernel, and the faster is kept (``max_autotune``)."""
    from torch.export.pt2_archive._package import package_pt2

    require_compiler()
    # aoti_compile_and_package is these two steps; package_pt2 (which it and
    # torch.export.save call) also takes the extra file that holds the manifest.
    with warnings.catch_warnings():
        # torch's own deprecated calls (pytree, TypedStorage), nothing the user can act on
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message="TypedStorage is deprecated")
        files = torch._inductor.aot_compile(
            program.module(), program.example_inputs[0],
            options={
                "aot_inductor.package": True, "aot_inductor.metadata": {manifest_key: text},
                **(TUNING if tune else {}),
            },
        )  # fmt: skip
    package_pt2(str(path), aoti_files=files, extra_files={manifest_file: text})


def write_program(program: torch.export.ExportedProgram, path: Path, manifest_file: str, text: str) -> None:
    """Save ``program`` as a ``torch.export`` archive."""
    torch.export.save(program, str(path), extra_files={manifest_file: text})
