"""Building a JAX model and its torch twin, in either conversion direction."""

from __future__ import annotations

import contextlib
from typing import Any

import jax

import rlmodels_jax as rj
import rlmodels_torch as rt
from rlmodels.strategies import perturbed

DIRECTIONS = ("jax->torch", "torch->jax")

POLICIES = (
    ("discrete", False), ("Free", False), ("Free", True), ("Box", False), ("Box", True),
    ("MaxNorm", False), ("MaxNorm", True),
)  # fmt: skip
"""(policy kind, actor_sigma_head)."""

CASES = tuple(
    (model_type, kind, sigma, cell)
    for model_type in ("SharedActorCritic", "ActorCritic", "LSTMActorCritic")
    for kind, sigma in POLICIES
    for cell in (("OptimizedLSTMCell", "LSTMCell") if model_type == "LSTMActorCritic" else (None,))
)
"""Every model type x policy kind x sigma head x cell type."""


def case_id(case: tuple) -> str:
    model_type, kind, sigma, cell = case
    return "-".join(filter(None, (model_type, kind, "sigma_head" if sigma else "", cell)))


def x64(dtype: str) -> contextlib.AbstractContextManager:
    """64-bit JAX for float64 cases only, so float32 runs as JAX users run it."""
    return jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()


def build_pair(model_type: str, metadata: dict[str, Any], seed: int, direction: str) -> tuple[rj.Model, rt.Model]:
    """A perturbed model in the source backend and its conversion (call under :func:`x64`)."""
    if direction == "jax->torch":
        source = rj.Model.from_metadata(model_type, metadata, key=seed % 2**31)
        source.load_canonical_params(perturbed(source.canonical_params(), seed))
        return source, rt.from_jax(source)
    source = rt.Model.from_metadata(model_type, metadata, key=seed % 2**31)
    source.load_canonical_params(perturbed(source.canonical_params(), seed))
    return rj.from_torch(source), source
