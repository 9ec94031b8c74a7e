"""``verify``: run an exported file and eager torch on the same random inputs and
measure how far apart they are, in units of the parity tolerance.

The eager side is the model's own public API, not the exported module: the
action is ``rlmodels_torch.deterministic_action`` of the policy ``model.step``
returns, the head its distribution's parameters, the carry its new carry laid out
as the file's contract lays it out. So a fault in the export wrapper shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rlmodels_common.carry import entries, from_entries
from rlmodels_common.tolerances import tolerance

import rlmodels_torch as rt

from ..formats import format_for
from ..manifest import carry_shapes, read_manifest
from . import runners
from .deploy import nonfinite_flags
from .signature import Signature, example_inputs, observation, signature

__all__ = ["Verification", "verify", "reference"]


@dataclass(frozen=True)
class Verification:
    """How far an exported policy is from eager torch: the largest absolute error
    per output over every checked input, and the largest error in units of the
    parity tolerance for the model's dtype (at most 1 means agreement)."""

    max_abs: dict[str, float]
    ratio: float
    batches: tuple[int, ...]

    @property
    def ok(self) -> bool:
        return self.ratio <= 1.0


def reference(model: Any, sig: Signature, args: tuple[torch.Tensor, ...]) -> list[np.ndarray]:
    """The outputs ``sig`` names, computed in eager torch with ``model.step``."""
    shapes = carry_shapes(model)
    given = {p.carry: a for p, a in zip(sig.inputs, args) if p.role == "carry"}
    reset = next((a for p, a in zip(sig.inputs, args) if p.role == "reset"), None)
    carry = []
    for name, shape in shapes.items():
        a = given[name]
        if sig.layer_major:  # (num_layers, B, H) -> the model's (B, H) or (B, num_layers, H)
            a = a[0] if len(shape) == 1 else a.permute(1, 0, 2)
        carry.append(a if reset is None else a.masked_fill(reset.reshape(-1, *(1,) * len(shape)), 0.0))
    x = observation(sig, args)
    with torch.no_grad():
        pi, value, new = model.step(x, from_entries(tuple(carry)) if shapes else None)
    new = dict(zip(shapes, entries(new)))
    normal = None if model.discrete else pi.base_dist.base_dist
    out = []
    for port in sig.outputs:
        if port.role == "carry":
            a = new[port.carry]
            out.append(a.unsqueeze(0) if sig.layer_major and a.ndim == 2 else a.permute(1, 0, 2) if sig.layer_major else a)
        else:
            out.append({
                "action": lambda: rt.deterministic_action(pi), "value": lambda: value, "logits": lambda: pi.logits,
                "mean": lambda: normal.loc, "std": lambda: normal.scale,
                "nonfinite": lambda: nonfinite_flags(x),
            }[port.role]())  # fmt: skip
    return [t.detach().numpy() for t in out]


def verify(
    model: Any, path: str | Path, format: str | None = None, batches: tuple[int, ...] = (1, 7, 256), seed: int = 0
) -> Verification:
    """Run the exported file at ``path`` and eager torch on random inputs of each
    batch size in ``batches`` (one recurrent step from a random carry with some
    resets) and compare every output the file's manifest names.

    Raises ``ValueError`` if the file's manifest describes another model
    configuration than ``model``'s."""
    stated = read_manifest(path)
    if (stated["model_type"], stated["metadata"]) != (model.type_name, model.metadata):
        raise ValueError(
            f"{path} holds a {stated['model_type']} with metadata {stated['metadata']}, "
            f"not this {model.type_name} with metadata {model.metadata}"
        )
    # files written before the compiled package took ".pt2" (no contract) hold a torch.export program
    legacy = stated["format"] == "pt2" and "contract" not in stated
    format = format_for(path, format or ("exported-program" if legacy else stated["format"]))
    sig = signature(
        model, stated.get("contract", "rlmodels"), stated["stochastic_head"] is not None,
        stated.get("nonfinite_check") is not None,
    )  # fmt: skip
    inputs, outputs = sig.names()
    run = runners.runner(path, format, inputs)
    tol = tolerance(model.metadata["dtype"])
    errors: dict[str, float] = {}
    ratio = 0.0
    for i, batch in enumerate(batches):
        args = example_inputs(model, sig, batch, seed=seed + i)
        want = reference(model, sig, args)
        got = run(args)
        if len(got) != len(want):
            raise ValueError(f"{path} gives {len(got)} outputs, expected {len(want)} ({outputs})")
        for name, a, b in zip(outputs, got, want):
            if a.shape != b.shape:
                raise ValueError(f"exported output {name!r}: expected shape {b.shape}, got {a.shape}")
            diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
            errors[name] = max(errors.get(name, 0.0), float(diff.max(initial=0.0)))
            ratio = max(ratio, tol.error(a, b))
    return Verification(max_abs=errors, ratio=ratio, batches=tuple(batches))
