"""One framework-free description per model family: the constructor contract
both backends build from (see ``base``).

Adding a constructor field to a model is one line in its configuration class
(its kind and default) and its use in the two model files.
"""

from __future__ import annotations

from ..action_spaces import ACTION_SPACES
from ..activations import ACTIVATIONS
from ..factory import normalize_key
from .base import FREE, KnownNames, ModelConfig, Shapes, action_space_entry
from .fields import jsonable
from .lstm import CELL_TYPES, LSTMActorCriticConfig
from .mingru import MinGRUActorCriticConfig
from .mlp import ActorCriticConfig, SharedActorCriticConfig
from .recurrent import RecurrentConfig

__all__ = [
    "BUILT_IN",
    "CELL_TYPES",
    "CONFIGS",
    "FREE",
    "ActorCriticConfig",
    "KnownNames",
    "LSTMActorCriticConfig",
    "MinGRUActorCriticConfig",
    "ModelConfig",
    "RecurrentConfig",
    "Shapes",
    "SharedActorCriticConfig",
    "action_space_entry",
    "builtin_config",
    "builtin_model",
    "jsonable",
]

CONFIGS: dict[str, type[ModelConfig]] = {
    config.model_type: config
    for config in (SharedActorCriticConfig, ActorCriticConfig, LSTMActorCriticConfig, MinGRUActorCriticConfig)
}
"""The built-in model types and their configurations; both backends register exactly these."""

BUILT_IN = KnownNames(models=tuple(CONFIGS), activations=tuple(ACTIVATIONS), action_spaces=ACTION_SPACES)
"""The names ``rlmodels inspect`` knows without a framework."""


def builtin_model(model_type: str) -> str | None:
    """The built-in model ``model_type`` names (as the registries match names:
    case, ``_``, ``-`` and spaces ignored), or None."""
    key = normalize_key(model_type)
    return next((name for name in CONFIGS if normalize_key(name) == key), None)


def builtin_config(model_type: str) -> type[ModelConfig] | None:
    """The configuration class of the built-in ``model_type``, or None."""
    name = builtin_model(model_type)
    return None if name is None else CONFIGS[name]
