"""Actor-critic models."""

from .lstm import LSTMActorCritic
from .mlp import ActorCritic, SharedActorCritic
from .model import Model

__all__ = ["ActorCritic", "LSTMActorCritic", "Model", "SharedActorCritic"]
