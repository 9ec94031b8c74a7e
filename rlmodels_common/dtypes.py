"""The parameter dtypes models are built in and checkpoints hold."""

from __future__ import annotations

__all__ = ["SAFETENSORS_DTYPES", "SUPPORTED_DTYPES"]

SAFETENSORS_DTYPES = {"float32": "F32", "float64": "F64"}
"""The parameter dtypes, and how safetensors headers name them."""

SUPPORTED_DTYPES = tuple(SAFETENSORS_DTYPES)
