"""The metadata schema: which constructor arguments a model records, and how.

``model.metadata`` is a JSON-serialisable dict of constructor arguments,
identical in both backends for equivalent models. Activations are recorded by
registered name, action spaces as ``{"type": name, "kwargs": {...}}`` (or
``None`` for discrete models), dtypes as ``"float32"``/``"float64"``.
:func:`check_metadata` checks a built-in model's metadata as its constructor
checks its arguments, without a framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Mapping

from .action_spaces import ACTION_SPACES, box_constants, max_norm_constants
from .activations import ACTIVATIONS
from .checkpoint_format import SUPPORTED_DTYPES, CheckpointError
from .factory import normalize_key, unknown_name_message
from .initialization import layer_sizes, positive_int

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
    "MinGRUActorCritic": COMMON_PARAMETERS
    + ("hidden_features", "gru_features", "num_layers", "remat", "carry_leading_shape"),
}
"""Metadata keys of the built-in models: their constructor parameters but
``key`` and (torch) ``device``, which say where a model is made, not what it is."""

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


@dataclass(frozen=True)
class KnownNames:
    """The names a reader can build: model types, activations and action spaces.

    ``rlmodels inspect`` knows the built-in ones (:data:`BUILT_IN`); a backend's
    ``load`` knows its registries, which may hold user-registered names too.
    """

    models: Collection[str]
    activations: Collection[str]
    action_spaces: Collection[str]


BUILT_IN = KnownNames(models=tuple(MODEL_PARAMETERS), activations=tuple(ACTIVATIONS), action_spaces=ACTION_SPACES)


def check_metadata(model_type: str, metadata: Mapping[str, Any], known: KnownNames = BUILT_IN) -> None:
    """Raise ``CheckpointError`` unless ``model_type`` is one of ``known.models``
    and, for a built-in model, ``metadata`` holds exactly its parameters with
    values its constructor accepts (a user-registered model's constructor is
    the judge of its own metadata)."""
    if normalize_key(model_type) not in {normalize_key(n) for n in known.models}:
        raise CheckpointError(unknown_name_message("Model", model_type, known.models))
    name = builtin_model(model_type)
    if name is None:
        return
    expected = MODEL_PARAMETERS[name]
    missing = sorted(set(expected) - set(metadata))
    unexpected = sorted(set(metadata) - set(expected))
    if missing or unexpected:
        problems = [f"{what} keys {keys}" for what, keys in (("missing", missing), ("unexpected", unexpected)) if keys]
        raise CheckpointError(
            f"{name} metadata: {'; '.join(problems)}; expected exactly {', '.join(sorted(expected))}"
        )
    try:
        _check_values(name, metadata, known)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{name} metadata: {e}") from None


def builtin_model(model_type: str) -> str | None:
    """The built-in model ``model_type`` names (as the registries match names:
    case, ``_``, ``-`` and spaces ignored), or None."""
    key = normalize_key(model_type)
    return next((name for name in MODEL_PARAMETERS if normalize_key(name) == key), None)


def _check_values(model_type: str, metadata: Mapping[str, Any], known: KnownNames) -> None:
    """The constructors' argument checks, on JSON values (bools must be bools)."""
    m = metadata
    for key in ("observation_space_size", "action_space_size", "hidden_features", "lstm_features", "gru_features", "num_layers"):
        if key in m:
            positive_int(key, m[key])
    for key in ("architecture", "actor_architecture", "critic_architecture", "carry_leading_shape"):
        if key in m:
            layer_sizes(key, m[key])
    for key in ("actor_sigma_head", "discrete", "remat"):
        if key in m and not isinstance(m[key], bool):
            raise ValueError(f"expected {key} to be true or false, got {m[key]!r}")
    for key in ("in_scale", "actor_scale", "critic_scale"):
        if key in m and (isinstance(m[key], bool) or not isinstance(m[key], (int, float))):
            raise ValueError(f"expected {key} to be a number, got {m[key]!r}")
    if m["dtype"] not in SUPPORTED_DTYPES:
        raise ValueError(f"expected dtype in {SUPPORTED_DTYPES}, got {m['dtype']!r}")
    if "cell_type" in m and m["cell_type"] not in CELL_TYPES:
        raise ValueError(f"expected cell_type in {list(CELL_TYPES)}, got {m['cell_type']!r}")
    if not (isinstance(m["activation"], str) and m["activation"] in known.activations):
        raise ValueError(unknown_name_message("activation", m["activation"], known.activations))
    entry = m["action_space"]
    if m["discrete"]:
        if entry is not None:
            raise ValueError(f"action_space applies to continuous actions only, got {entry!r} with discrete true")
        if m["actor_sigma_head"]:
            raise ValueError("actor_sigma_head applies to continuous actions only, got true with discrete true")
        return
    if entry is None:  # the constructors' default, Free
        return
    if not (isinstance(entry, Mapping) and isinstance(entry.get("type"), str) and isinstance(entry.get("kwargs"), Mapping)):
        raise ValueError(f'expected action_space null or {{"type": str, "kwargs": {{...}}}}, got {entry!r}')
    check_action_space(entry["type"], entry["kwargs"], m["action_space_size"], known.action_spaces)


def check_action_space(type_name: str, kwargs: Mapping[str, Any], size: int, known: Collection[str]) -> None:
    """Raise ``ValueError`` unless ``type_name`` is in ``known`` and, for a
    built-in action space, ``kwargs`` build it with bounds fitting ``size`` actions."""
    key = normalize_key(type_name)
    if key not in {normalize_key(n) for n in known}:
        raise ValueError(unknown_name_message("ActionSpace", type_name, known))
    name = next((n for n in ACTION_SPACES if normalize_key(n) == key), None)
    if name is None:
        return
    try:
        if name == "Box":
            bounds = box_constants(**kwargs).size
        elif name == "MaxNorm":
            max_norm_constants(**kwargs)
            bounds = None
        elif kwargs:
            raise TypeError(f"Free takes no arguments, got {sorted(kwargs)}")
        else:
            bounds = None
    except TypeError as e:
        raise ValueError(f"action_space {name} arguments {dict(kwargs)}: {e}") from None
    if bounds is not None and bounds != size:
        raise ValueError(
            f"expected {name} bounds of length {size} (action_space_size) or scalars, got length {bounds}"
        )
