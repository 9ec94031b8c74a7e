"""The optional dependencies (``pip install 'rlmodels-parity[extra]'``) and how
to tell a user to install them, from anywhere: no path into a clone."""

from __future__ import annotations

DISTRIBUTION = "rlmodels-parity"
"""The name on PyPI (``rlmodels`` is an unrelated project); the import names are ``rlmodels*``."""

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
"""PyTorch's index of CPU-only wheels, a fraction of the size of the default CUDA ones."""


def install_hint(extra: str) -> str:
    """The command installing ``extra`` (``"jax"``, ``"torch"``, ``"onnx"``, ``"test"``)."""
    hint = f"pip install '{DISTRIBUTION}[{extra}]'"
    if extra == "torch":
        hint += f" (for the CPU-only build of torch, run pip install torch --index-url {TORCH_CPU_INDEX} first)"
    return hint
