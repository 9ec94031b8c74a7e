"""What ``rlmodels import-jaxdem`` and ``rlmodels import-brax`` share: write an
upstream policy mapped to our canonical parameters as a portable checkpoint,
load it back in a backend and prove it against the numpy reference forward
(``rlmodels_common.reference``, which computes the upstream's formulas) on
the mapped parameters.

An importer's result (``rlmodels_common.jaxdem.Imported``,
``rlmodels_common.brax.Imported``) offers ``config``, ``tensors``, ``table()``
and, for a recurrent model, ``carry`` (the stored carry's entries) and
``model_carry``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rlmodels_common.carry import entries, from_entries, map_carry
from rlmodels_common.checkpoint_format import PathLike
from rlmodels_common.convert import as_numpy, require
from rlmodels_common.observations import map_observation, observation_sizes, random_observation
from rlmodels_common.reference import NUMPY_ACTIVATIONS, forward
from rlmodels_common.tolerances import tolerance

__all__ = ["CHECK_STEPS", "ImportReport", "check", "write_checked"]

CHECK_STEPS = 3
"""Recurrent models are checked over this many steps from a zero carry (and one from the stored carry)."""


@dataclass(frozen=True)
class ImportReport:
    imported: Any
    path: Path
    backend: str
    examples: int
    errors: dict[str, float]
    """Per output, the largest error over the checked inputs in units of the
    float32/float64 tolerance: at most 1 when the imported model agrees."""
    upstream: str
    """What was imported: ``"the JaxDEM checkpoint"``, ``"the Brax policy"``."""

    @property
    def ok(self) -> bool:
        return all(e <= 1 for e in self.errors.values())

    def text(self) -> str:
        recurrent = getattr(self.imported, "carry", None) is not None
        inputs = f"{self.examples} random observations" + (
            f", {CHECK_STEPS} steps from a zero carry and one from the stored carry" if recurrent else ""
        )
        rows = "\n".join(f"  {k:<14}{e:10.3g}  {'ok' if e <= 1 else 'NO'}" for k, e in self.errors.items())
        verdict = "agrees with" if self.ok else "DISAGREES with"
        return (
            f"{self.imported.table()}\n\nwrote {self.path}\n\n"
            f"check: the imported model in {self.backend} against the numpy reference forward (the upstream's "
            f"formulas) on the mapped parameters, on {inputs} (largest error / tolerance)\n{rows}\n"
            f"the imported model {verdict} {self.upstream}"
        )


def write_checked(
    imported: Any, out: PathLike, backend: str | None, upstream: str, force: bool = False, examples: int = 8, seed: int = 0
) -> ImportReport:
    """Build ``imported`` in ``backend`` (``"jax"`` or ``"torch"``; default
    whichever is installed, JAX first), write it to ``out`` (refusing to
    replace anything there unless ``force``), load it back and :func:`check` it."""
    rb = _backend(backend)
    name = "jax" if rb.__name__ == "rlmodels_jax" else "torch"
    config = imported.config
    if config.activation not in NUMPY_ACTIVATIONS:
        raise ValueError(
            f"the import is checked against a numpy forward, which has no activation {config.activation!r} "
            f"(it has {', '.join(NUMPY_ACTIVATIONS)}); import in Python instead (from_jaxdem / from_brax)"
        )
    if Path(out).exists() and not force:
        raise FileExistsError(f"{out} exists; choose another output or pass --force to replace it")
    model = rb.Model.from_metadata(config.model_type, config.metadata())
    model.load_canonical_params(imported.tensors, source=imported.source.description)
    path = rb.save(model, out)
    errors = check(rb.load(path), imported, name, examples, seed)
    return ImportReport(imported, path, name, examples, errors, upstream)


def check(model: Any, imported: Any, backend: str, examples: int = 8, seed: int = 0) -> dict[str, float]:
    """Largest error / tolerance per output of ``model`` against the numpy
    reference forward of ``imported``'s mapped parameters, on random
    observations (and, for a recurrent model, over several steps and from the
    stored carry)."""
    config = imported.config
    tol, rng = tolerance(config.dtype), np.random.default_rng(seed)
    sizes, shapes = observation_sizes(config), config.carry_shapes()
    errors: dict[str, float] = {}

    def compare(x: np.ndarray, carry: Any) -> Any:
        want = forward(config, imported.tensors, x, carry)
        got = _outputs(backend, model, x, carry)
        pairs = [(k, v, want[k]) for k, v in got.items() if k != "carry"]
        if "carry" in got:
            pairs += [(f"carry {n}", a, b) for n, a, b in zip(shapes, entries(got["carry"]), entries(want["carry"]))]
        for label, a, b in pairs:
            errors[label] = max(errors.get(label, 0.0), tol.error(a, b))
        return got.get("carry")

    if not shapes:
        compare(random_observation(sizes, (examples,), rng, 2.0), None)
        return errors
    carry = from_entries(tuple(np.zeros((examples, *shape)) for shape in shapes.values()))
    for _ in range(CHECK_STEPS):
        carry = compare(random_observation(sizes, (examples,), rng, 2.0), carry)
    stored, event = imported.carry[0], next(iter(shapes.values()))
    lead = stored.shape[: stored.ndim - len(event)]  # the stored carry's batch shape
    compare(random_observation(sizes, lead, rng, 2.0), imported.model_carry)
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
        pi, value = model(map_observation(cast, x))
    else:
        pi, value, new = model.step(map_observation(cast, x), map_carry(cast, carry))
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
        return require(name, f"checking the import in {name}")
    for framework in ("jax", "torch"):
        if importlib.util.find_spec(framework) is not None:
            return require(framework, "checking the import")
    raise ImportError(
        "importing checks the imported model in JAX or torch, and neither is installed; "
        "install one: pip install 'rlmodels-parity[torch,jaxdem]' (or [jax,jaxdem])"
    )
