"""rlmodels_torch: the PyTorch mirror image of rlmodels_jax.

Same module, class, function and parameter names; imports no JAX (conversion
from JAX, ``from_jax``, imports it lazily when called).
"""

from rlmodels_common import __version__  # noqa: F401 (the release, stated once)
from rlmodels_common.checkpoint_format import CheckpointError
from rlmodels_common.factory import Factory, UnknownNameError

from .action_spaces import ActionSpace, Block, Box, Free, MaxNorm, lift
from .activations import ACTIVATIONS, register_activation
from .brax import from_brax
from .checkpoint import load, save
from .convert import from_jax, from_torch, with_dtype
from .distributions import Transformed, deterministic_action
from .jaxdem import from_jaxdem
from .models import ActorCritic, LSTMActorCritic, MinGRUActorCritic, Model, SharedActorCritic

__all__ = [
    "ACTIVATIONS",
    "ActionSpace",
    "ActorCritic",
    "Block",
    "Box",
    "CheckpointError",
    "Factory",
    "Free",
    "LSTMActorCritic",
    "MaxNorm",
    "MinGRUActorCritic",
    "Model",
    "SharedActorCritic",
    "Transformed",
    "UnknownNameError",
    "deterministic_action",
    "from_brax",
    "from_jax",
    "from_jaxdem",
    "from_torch",
    "lift",
    "load",
    "register_activation",
    "save",
    "with_dtype",
]
