"""``rlmodels import-jaxdem``: a JaxDEM checkpoint to a portable checkpoint,
checked against the numpy reference forward (``rlmodels_common.reference``)
on the parameters mapped from the arrays read."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlmodels_common.carry import entries, from_entries, map_carry
from rlmodels_common.checkpoint_format import PathLike
from rlmodels_common.convert import as_numpy, require
from rlmodels_common.jaxdem import Imported, convert, read_directory
from rlmodels_common.reference import NUMPY_ACTIVATIONS, forward
from rlmodels_common.tolerances import tolerance

CHECK_STEPS = 3
"""Recurrent models are checked over this many steps from a zero carry (and one from the stored carry)."""


@dataclass(frozen=True)
class ImportReport:
    imported: Imported
    path: Path
    backend: str
    examples: int
    errors: dict[str, float]
    """Per output, the largest error over the checked inputs in units of the
    float32/float64 tolerance: at most 1 when the imported model agrees."""

    @property
    def ok(self) -> bool:
        return all(e <= 1 for e in self.errors.values())

    def text(self) -> str:
        recurrent = self.imported.carry is not None
        inputs = f"{self.examples} random observations" + (
            f", {CHECK_STEPS} steps from a zero carry and one from the stored carry" if recurrent else ""
        )
        rows = "\n".join(f"  {k:<14}{e:10.3g}  {'ok' if e <= 1 else 'NO'}" for k, e in self.errors.items())
        verdict = "agrees with" if self.ok else "DISAGREES with"
        return (
            f"{self.imported.table()}\n\nwrote {self.path}\n\n"
            f"check: the imported model in {self.backend} against the numpy reference forward on the "
            f"parameters mapped from the arrays read, on {inputs} (largest error / tolerance)\n{rows}\n"
            f"the imported model {verdict} the JaxDEM checkpoint"
        )


def import_jaxdem(
    directory: PathLike,
    out: PathLike,
    step: int | None = None,
    activation: str | None = None,
    backend: str | None = None,
    examples: int = 8,
    seed: int = 0,
) -> ImportReport:
    """Import step ``step`` (default: the latest) of the JaxDEM checkpoint
    ``directory``, write it as a portable checkpoint at ``out``, load that back
    with ``backend`` (``"jax"`` or ``"torch"``; default whichever is
    installed, JAX first) and compare it with the numpy reference forward on
    ``examples`` random observations. Nothing is written when the input is bad."""
    rb = _backend(backend)
    name = "jax" if rb.__name__ == "rlmodels_jax" else "torch"
    imported = convert(read_directory(directory, step), activation)
    if imported.metadata["activation"] not in NUMPY_ACTIVATIONS:
        raise ValueError(
            f"import-jaxdem checks the import against a numpy forward, which has no activation "
            f"{imported.metadata['activation']!r} (it has {', '.join(NUMPY_ACTIVATIONS)}); "
            "import with from_jaxdem(directory, activation=...) in Python instead"
        )
    model = rb.Model.from_metadata(imported.model_type, imported.metadata)
    model.load_canonical_params(imported.tensors, source=imported.source.description)
    path = rb.save(model, out)
    errors = check(rb.load(path), imported, name, examples, seed)
    return ImportReport(imported, path, name, examples, errors)


def check(model: Any, imported: Imported, backend: str, examples: int = 8, seed: int = 0) -> dict[str, float]:
    """Largest error / tolerance per output of ``model`` against the numpy
    reference forward of ``imported``'s mapped parameters, on random
    observations (and, for a recurrent model, over several steps and from the
    stored carry)."""
    tol = tolerance(imported.metadata["dtype"])
    rng = np.random.default_rng(seed)
    obs_dim = imported.metadata["observation_space_size"]
    errors: dict[str, float] = {}

    shapes = imported.config.carry_shapes()

    def compare(x: np.ndarray, carry: Any) -> Any:
        want = forward(imported.config, imported.tensors, x, carry)
        got = _outputs(backend, model, x, carry)
        pairs = [(k, v, want[k]) for k, v in got.items() if k != "carry"]
        if "carry" in got:
            pairs += [(f"carry {n}", a, b) for n, a, b in zip(shapes, entries(got["carry"]), entries(want["carry"]))]
        for label, a, b in pairs:
            errors[label] = max(errors.get(label, 0.0), tol.error(a, b))
        return got.get("carry")

    if imported.carry is None:
        compare(2 * rng.standard_normal((examples, obs_dim)), None)
        return errors
    carry = from_entries(tuple(np.zeros((examples, *shape)) for shape in shapes.values()))
    for _ in range(CHECK_STEPS):
        carry = compare(2 * rng.standard_normal((examples, obs_dim)), carry)
    stored, event = imported.carry[0], next(iter(shapes.values()))
    lead = stored.shape[: stored.ndim - len(event)]  # the stored carry's batch shape
    compare(2 * rng.standard_normal((*lead, obs_dim)), imported.model_carry)
    return errors


def _outputs(backend: str, model: Any, x: np.ndarray, carry: Any) -> dict[str, Any]:
    """The model's outputs named as the reference ``forward`` names them, as numpy."""
    if backend == "jax":
        import jax.numpy as jnp

        from rlmodels_jax import deterministic_action

        cast = lambda a: jnp.asarray(a, model.dtype)  # noqa: E731
    else:
        import torch

        from rlmodels_torch import deterministic_action

        cast = lambda a: torch.as_tensor(np.asarray(a), dtype=getattr(torch, model.dtype))  # noqa: E731
    out: dict[str, Any] = {}
    if carry is None:
        pi, value = model(cast(x))
    else:
        pi, value, new = model.step(cast(x), map_carry(cast, carry))
        out["carry"] = map_carry(as_numpy, new)
    out["value"] = as_numpy(value)
    if model.discrete:
        logits = as_numpy(pi.logits).astype(np.float64)
        out["logits"] = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)
        return out
    base = pi.distribution
    loc, scale = (base.loc, base.scale_diag) if backend == "jax" else (base.base_dist.loc, base.base_dist.scale)
    out["loc"], out["scale"] = as_numpy(loc), as_numpy(scale)
    out["deterministic"] = as_numpy(deterministic_action(pi))
    return out


def _backend(name: str | None) -> Any:
    if name is not None:
        return require(name, f"rlmodels import-jaxdem --backend {name}")
    for framework in ("jax", "torch"):
        if importlib.util.find_spec(framework) is not None:
            return require(framework, "rlmodels import-jaxdem")
    raise ImportError(
        "rlmodels import-jaxdem checks the imported model in JAX or torch, and neither is installed; "
        "install one: pip install 'rlmodels-parity[torch,jaxdem]' (or [jax,jaxdem])"
    )


__all__ = ["ImportReport", "check", "import_jaxdem"]
