"""The optional dependencies (``pip install 'rlmodels-parity[extra]'``) and how
to tell a user to install them, from anywhere: no path into a clone."""

from __future__ import annotations

import importlib.util

DISTRIBUTION = "rlmodels-parity"
"""The name on PyPI (``rlmodels`` is an unrelated project); the import names are ``rlmodels*``."""

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
"""PyTorch's index of CPU-only wheels, a fraction of the size of the default CUDA ones."""

BUILT_ON_TORCH = ("onnx", "torchrl", "sb3")
"""Extras whose libraries depend on torch: naming the installed torch keeps pip
from replacing it (with a CUDA build, on a CPU machine)."""


def install_hint(extra: str) -> str:
    """The command installing ``extra`` (``"jax"``, ``"torch"``, ``"onnx"``, ``"torchrl"``, ...)."""
    hint = f"pip install '{DISTRIBUTION}[{extra}]'"
    if extra == "torch":
        hint += f" (for the CPU-only build of torch, run pip install torch --index-url {TORCH_CPU_INDEX} first)"
    elif extra in BUILT_ON_TORCH:
        hint += " torch==<your torch version> (naming your torch keeps pip from replacing it)"
    return hint


def require_extra(extra: str, packages: tuple[str, ...], caller: str) -> None:
    """Raise an ImportError naming ``extra`` if any of ``packages`` (import names)
    is not installed; ``caller`` is what needs them."""
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise ImportError(
            f"{caller} needs {' and '.join(missing)}, which {verb} not installed; install it with {install_hint(extra)}"
        )
