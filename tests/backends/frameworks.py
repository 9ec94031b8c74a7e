"""What a test needs of a backend beyond its package, for suites that check the
same contract in both: each framework's way to make arrays, read them back,
enable float64 and reach a policy's parameters. A framework is imported only
when its tests run, so each tox env runs with one framework installed."""

from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, ContextManager

import numpy as np


@dataclass(frozen=True)
class Backend:
    """One framework: ``rb`` is its rlmodels package (``rlmodels_jax`` or
    ``rlmodels_torch``)."""

    name: str
    rb: ModuleType
    array: Callable[[Any, str], Any]
    """numpy -> the framework's array of the given dtype name."""
    float64: Callable[[], ContextManager[Any]]
    """Where float64 models may be built and run (JAX: x64 enabled)."""
    gaussian: Callable[[Any], tuple[Any, Any]]
    """A continuous policy's base Gaussian ``(loc, scale)``."""

    def __repr__(self) -> str:
        return self.name

    @staticmethod
    def numpy(a: Any) -> np.ndarray:
        """Any array or tensor as numpy."""
        return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)


def load(name: str) -> Backend:
    """The :class:`Backend` of ``"jax"`` or ``"torch"`` (imported here)."""
    rb = importlib.import_module(f"rlmodels_{name}")
    if name == "jax":
        import jax
        import jax.numpy as jnp

        return Backend(
            name, rb, lambda a, dtype: jnp.asarray(a, dtype), lambda: jax.enable_x64(True),
            lambda pi: (pi.distribution.loc, pi.distribution.scale_diag),
        )  # fmt: skip
    import torch

    return Backend(
        name, rb, lambda a, dtype: torch.as_tensor(np.asarray(a), dtype=getattr(torch, dtype)), contextlib.nullcontext,
        lambda pi: (pi.distribution.base_dist.loc, pi.distribution.base_dist.scale),
    )  # fmt: skip
