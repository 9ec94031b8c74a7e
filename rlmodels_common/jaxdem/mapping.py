"""Mapping a JaxDEM model to ours: a rename map over our model's canonical
parameters, recognised from the state, never from a flag.

Two JaxDEM layouts exist:

- seed-era (JaxDEM 531f8d8): ``_log_std`` and ``_actor_sigma.layers.0.*``,
  both stored whether or not they are used; the heads are ``actor_mu`` and
  ``critic``.
- current (JaxDEM 5d9c13a): ``_log_std`` in every model (used only without a
  sigma head), a sigma head as ``actor_sigma.net.layers.0.*``; the recurrent
  models compute the mean (or logits) and the value from one ``fused_head``
  ``(F, A + 1)`` and still store ``actor_mu`` and ``critic``, unused and stale.

Every other parameter has our name. The state may also hold the recurrent
carry at the training shape and action-space constants (``bij.*``), which are
checked against the metadata and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..action_spaces import box_constants
from ..carry import from_entries
from ..configs import ModelConfig
from ..mapped import Mapped
from ..tolerances import tolerance
from .layouts import LAYOUTS, Layout, translate_metadata
from .ours import LAYOUT, is_ours, read_ours
from .reading import JaxdemError, Source

__all__ = ["Imported", "convert"]

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Imported(Mapped):
    """A JaxDEM model mapped to ours: ``Model.from_metadata(model_type, metadata)``
    then ``load_canonical_params(tensors)`` builds it. ``carry`` holds the
    entries of the stored recurrent carry in our order (``configs``'
    ``carry_shapes``) or is None; :attr:`model_carry` is it as the model takes
    it. ``mapped`` lists ``(source entry, canonical name)``, ``dropped``
    ``(source entry, why)``."""

    source: Source
    layout: str
    config: ModelConfig
    tensors: dict[str, np.ndarray]
    carry: tuple[np.ndarray, ...] | None
    mapped: tuple[tuple[str, str], ...]
    dropped: tuple[tuple[str, str], ...]

    @property
    def model_carry(self) -> Any:
        """The stored carry as ``model.step`` takes it: ``(c, h)``, the MinGRU's one array ``h``, or None."""
        return None if self.carry is None else from_entries(self.carry)

    def table(self) -> str:
        """The mapping as a readable table: every source entry, where it went or why it was dropped."""
        head = f"{self.source.description}: JaxDEM {self.source.model_type} ({self.layout} layout) -> {self.model_type}"
        if self.layout == LAYOUT:
            head = f"{self.source.description}: {self.model_type} {LAYOUT}, names unchanged"
        return self.mapping_table(head, "JaxDEM")


def convert(source: Source, activation: str | None = None) -> Imported:
    """Map a JaxDEM model to ours, validating everything against its metadata.

    ``activation``: a registered activation name to use instead of the
    metadata's (needed when the metadata names a callable outside the
    allow-list). Raises ``JaxdemError`` naming the offending entries for an
    unknown model type, metadata the importer does not understand, missing,
    unexpected or mis-shaped arrays, a ``fused_head`` whose width is not
    ``A + 1``, and action-space constants that contradict the metadata.
    Our own models saved by JaxDEM's writer are taken as they are
    (``rlmodels_common.jaxdem.ours``).
    """
    if is_ours(source.metadata):
        return Imported(source, LAYOUT, *read_ours(source, activation))
    layout = LAYOUTS.get(source.model_type.lower().replace("_", ""))
    if layout is None:
        supported = ", ".join(known.config.model_type for known in LAYOUTS.values())
        raise JaxdemError(f"{source.description}: unknown JaxDEM model type {source.model_type!r}; supported: {supported}")
    arrays = source.arrays
    try:
        arguments, dropped = translate_metadata(layout, source.metadata, activation)
        config = _config(layout, arguments, arrays, _dtype(source.description, arrays))
    except JaxdemError:
        raise
    except (ValueError, TypeError) as e:
        raise JaxdemError(f"{source.description}: JaxDEM metadata: {e}") from None
    era = "seed-era" if any(k.startswith("_actor_sigma.") for k in arrays) else "current"
    fused = era == "current" and layout.fused and ("fused_head.kernel" in arrays or "fused_head.kernel" in config.parameter_shapes())
    sources, extras = rename_map(config, era, fused, source.metadata.get("actor_sigma_head") is True)
    carry = tuple(config.carry_shapes())
    expected = {path: shape for path, shape, _ in sources.values()} | {k: s for k, (s, _) in extras.items()}
    expected |= {name: (*config.carry_leading_shape, *shape) for name, shape in config.carry_shapes().items()}
    constants = {k for k in arrays if k.startswith("bij.")}
    _check_entries(source.description, era, layout, expected, set(arrays) - constants, arrays)
    dropped += _check_constants(source.description, config, {k: arrays[k] for k in constants})

    tensors, mapped = {}, []
    for name, (path, _, columns) in sorted(sources.items()):
        tensors[name] = arrays[path] if columns is None else np.ascontiguousarray(arrays[path][..., columns])
        mapped.append((path if columns is None else f"{path}[..., {columns.start}:{columns.stop}]", name))
    dropped += [(path, why) for path, (_, why) in sorted(extras.items())]
    dropped += [(k, "the recurrent carry, not a parameter (with_carry=True hands it over)") for k in carry]
    stored = tuple(arrays[k] for k in carry) if carry else None
    return Imported(source, era, config, tensors, stored, tuple(mapped), tuple(dropped))


def rename_map(
    config: ModelConfig, era: str, fused: bool, sigma_stored: bool
) -> tuple[dict[str, tuple[str, Shape, slice | None]], dict[str, tuple[Shape, str]]]:
    """Where each canonical parameter of ``config`` is in a JaxDEM state of
    ``era``: ``{name: (JaxDEM path, its shape, columns or None)}``; and the
    entries JaxDEM stores that we do not use: ``{path: (shape, why)}``.
    ``sigma_stored``: JaxDEM built a sigma head (a discrete model ignores it)."""
    shapes = config.parameter_shapes()
    A = config.action_space_size
    F = (shapes.get("actor_mu.kernel") or shapes["fused_head.kernel"])[0]
    sources = {name: (name, shape, None) for name, shape in shapes.items()}
    extras: dict[str, tuple[Shape, str]] = {}
    unused = "unused: the model is discrete" if config.discrete else "unused: the model has a sigma head"
    if "log_std" in shapes:
        sources["log_std"] = ("_log_std", (1, A), None)
    else:
        extras["_log_std"] = ((1, A), unused)
    sigma = "_actor_sigma.layers.0" if era == "seed-era" else "actor_sigma.net.layers.0"
    for part, shape in (("kernel", (F, A)), ("bias", (A,))):
        if f"actor_sigma.layers.0.{part}" in shapes:
            sources[f"actor_sigma.layers.0.{part}"] = (f"{sigma}.{part}", shape, None)
        elif era == "seed-era":
            extras[f"{sigma}.{part}"] = (shape, "unused: the seed-era layout stores a sigma head in every model")
        elif sigma_stored:
            extras[f"{sigma}.{part}"] = (shape, unused)
    if not fused:
        return sources, extras
    stale = "stale: the current layout computes the actor and the value from fused_head"
    for head, width in (("actor_mu", A), ("critic", 1)):
        for part, shape in (("kernel", (F, width)), ("bias", (width,))):
            extras[f"{head}.{part}"] = (shape, stale)
            if f"{head}.{part}" in shapes:  # ours has the two heads: split fused_head's columns
                columns = slice(0, A) if head == "actor_mu" else slice(A, A + 1)
                fused_shape = (F, A + 1) if part == "kernel" else (A + 1,)
                sources[f"{head}.{part}"] = (f"fused_head.{part}", fused_shape, columns)
    return sources, extras


def _config(layout: Layout, arguments: dict[str, Any], arrays: Mapping[str, np.ndarray], dtype: str) -> ModelConfig:
    """Our configuration; a carry leading shape JaxDEM did not record is the stored carry's."""
    lead = arguments.get("carry_leading_shape", ())
    config = layout.config(**{**arguments, **({"carry_leading_shape": ()} if lead is None else {})}, dtype=dtype)
    if lead is None:
        name, tail = next(iter(config.carry_shapes().items()))
        stored = arrays.get(name)
        lead = () if stored is None else stored.shape[: max(stored.ndim - len(tail), 0)]
        config = config.replace(carry_leading_shape=tuple(lead))
    return config


def _check_entries(
    where: str, era: str, layout: Layout, wanted: Mapping[str, Shape], stored: set[str], arrays: Mapping[str, np.ndarray]
) -> None:
    """Missing, unexpected and mis-shaped entries, all named in one error."""
    problems = []
    fused = arrays.get("fused_head.kernel")
    if "fused_head.kernel" in wanted and fused is not None and fused.shape[-1] != wanted["fused_head.kernel"][-1]:
        a = wanted["fused_head.kernel"][-1] - 1
        problems.append(
            f"fused_head.kernel is {tuple(fused.shape)}: expected width action_space_size + 1 = {a + 1} "
            f"(columns [:{a}] the actor, [{a}] the critic)"
        )
    missing = sorted(set(wanted) - stored)
    unexpected = sorted(stored - set(wanted))
    if missing:
        problems.append(f"missing entries {missing}")
    if unexpected:
        problems.append(f"unexpected entries {unexpected}")
    shapes = [
        f"{k}: expected {shape}, got {tuple(arrays[k].shape)}"
        for k, shape in sorted(wanted.items())
        if k in arrays and tuple(arrays[k].shape) != tuple(shape) and not (k == "fused_head.kernel" and problems)
    ]
    if shapes:
        problems.append("shapes contradicting the metadata: " + "; ".join(shapes))
    if problems:
        raise JaxdemError(f"{where}: not a {era} JaxDEM {layout.config.model_type} with this metadata: " + "; ".join(problems))


def _dtype(where: str, arrays: Mapping[str, np.ndarray]) -> str:
    dtypes = sorted({a.dtype.name for k, a in arrays.items() if not k.startswith("bij.")})
    if len(dtypes) != 1 or dtypes[0] not in ("float32", "float64"):
        raise JaxdemError(f"{where}: expected every parameter float32 or every one float64, got {dtypes}")
    return dtypes[0]


def _check_constants(where: str, config: ModelConfig, stored: Mapping[str, np.ndarray]) -> list[tuple[str, str]]:
    """Check the stored action-space constants (``bij.*``) against the ones the
    metadata's action space implies; return them as dropped entries."""
    if not stored:
        return []
    entry = config.action_space
    expected: dict[str, np.ndarray] = {}
    if entry is not None and entry["type"] == "Box":
        k = box_constants(**entry["kwargs"])
        expected = {name: np.asarray(getattr(k, name), np.float64) for name in ("center", "half", "x_max", "x_min")}
    dropped = []
    for path, value in sorted(stored.items()):
        tol = tolerance(value.dtype.name if value.dtype.name in ("float32", "float64") else "float32")
        match = next((name for name, want in expected.items() if _agrees(value, want, tol)), None)
        if match is None:
            space = "no action space" if entry is None else f"{entry['type']}({entry['kwargs']})"
            raise JaxdemError(
                f"{where}: the stored action-space constant {path} = {np.asarray(value).tolist()} is none of the "
                f"constants of {space} in the metadata ({', '.join(expected) or 'it has none'}): "
                "the metadata and the state disagree"
            )
        dropped.append((path, f"{entry['type']} constant {match}, equal to the metadata's (checked)"))
    return dropped


def _agrees(value: np.ndarray, want: np.ndarray, tol: Any) -> bool:
    try:
        want = np.broadcast_to(want, value.shape)
    except ValueError:
        return False
    return tol.error(value, want) <= 1
