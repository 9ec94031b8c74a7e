"""Actor-critic models."""

from .lstm import LSTMActorCritic
from .mingru import MinGRUActorCritic
from .mlp import ActorCritic, SharedActorCritic
from .model import Model

__all__ = ["ActorCritic", "LSTMActorCritic", "MinGRUActorCritic", "Model", "SharedActorCritic"]
