"""Action spaces: transforms from the Gaussian's support to the allowed actions."""

from .action_space import ActionSpace
from .block import Block, lift
from .box import Box
from .free import Free
from .max_norm import MaxNorm

__all__ = ["ActionSpace", "Block", "Box", "Free", "MaxNorm", "lift"]
