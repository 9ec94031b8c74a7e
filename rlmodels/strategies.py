"""Hypothesis strategies for fuzzing models and their ports (needs ``hypothesis``):
the public name of ``rlmodels.parity.strategies``."""

from .parity.strategies import *  # noqa: F403
from .parity.strategies import __all__  # noqa: F401
