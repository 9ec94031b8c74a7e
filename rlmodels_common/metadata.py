"""The metadata schema: which constructor arguments a model records, and how.

``model.metadata`` is a JSON-serialisable dict of constructor arguments,
identical in both backends for equivalent models. Activations are recorded by
registered name, action spaces as ``{"type": name, "kwargs": {...}}`` (or
``None`` for discrete models), dtypes as ``"float32"``/``"float64"``.
"""

from __future__ import annotations

from typing import Any, Mapping

from .checkpoint_format import CheckpointError

COMMON_PARAMETERS = (
    "observation_space_size",
    "action_space_size",
    "activation",
    "action_space",
    "actor_sigma_head",
    "discrete",
    "dtype",
)

MODEL_PARAMETERS: dict[str, tuple[str, ...]] = {
    "SharedActorCritic": COMMON_PARAMETERS
    + ("architecture", "in_scale", "actor_scale", "critic_scale"),
    "ActorCritic": COMMON_PARAMETERS
    + ("actor_architecture", "critic_architecture", "in_scale", "actor_scale", "critic_scale"),
    "LSTMActorCritic": COMMON_PARAMETERS
    + ("hidden_features", "lstm_features", "cell_type", "remat", "carry_leading_shape"),
}
"""Metadata keys of the built-in models (exactly their constructor parameters but ``key``)."""

CELL_TYPES = ("OptimizedLSTMCell", "LSTMCell")
"""LSTM cell names; both compute the same function, they differ in parameter layout."""


def action_space_entry(type_name: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata entry for an action space."""
    return {"type": type_name, "kwargs": jsonable(dict(kwargs))}


def jsonable(value: Any) -> Any:
    """``value`` with tuples as lists and numpy scalars/arrays as Python values."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return jsonable(value.tolist())
    return value


def frozen(value: Any) -> Any:
    """A hashable copy of a JSON-like value (dicts become sorted tuples of pairs)."""
    if isinstance(value, Mapping):
        return tuple(sorted((k, frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(frozen(v) for v in value)
    return value


def check_metadata(model_type: str, metadata: Mapping[str, Any]) -> None:
    """Raise ``CheckpointError`` if a built-in model's metadata lacks or adds keys."""
    expected = MODEL_PARAMETERS.get(model_type)
    if expected is None:  # a user-registered model: its constructor is the judge
        return
    missing = sorted(set(expected) - set(metadata))
    unexpected = sorted(set(metadata) - set(expected))
    if missing or unexpected:
        raise CheckpointError(
            f"{model_type} metadata: missing keys {missing}, unexpected keys {unexpected}"
        )
    entry = metadata["action_space"]
    if entry is not None and not (
        isinstance(entry, Mapping)
        and isinstance(entry.get("type"), str)
        and isinstance(entry.get("kwargs"), Mapping)
    ):
        raise CheckpointError(
            f"{model_type} metadata: expected action_space null or "
            f'{{"type": str, "kwargs": {{...}}}}, got {entry!r}'
        )
