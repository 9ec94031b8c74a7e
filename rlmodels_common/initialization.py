"""Initialisation scales and argument checks both backends build models with.

Kept here so a model trained from scratch in torch starts where one trained in
JAX starts: the same orthogonal gains, the same head biases, the same rules for
what a size is.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

IN_SCALE = math.sqrt(2.0)
"""Orthogonal gain of the hidden layers (and the LSTM encoder)."""
ACTOR_SCALE = 1.0
"""Orthogonal gain of the policy head (``actor_mu``)."""
CRITIC_SCALE = 0.01
"""Orthogonal gain of the value head (``critic``)."""
MINGRU_KERNEL_SCALE = 1.0
"""Orthogonal gain of each MinGRU layer's ``(H, 3H)`` kernel (JaxDEM's)."""
SIGMA_HEAD_SCALE = 0.01
"""Orthogonal gain of the softplus standard-deviation head (``actor_sigma``)."""
SIGMA_HEAD_BIAS = -1.0
"""Bias of the standard-deviation head: softplus(-1) ~ 0.31 before training."""


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int, or ``ValueError`` naming ``name`` unless it is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"expected {name} to be a positive integer, got {value!r}")
    return int(value)


def layer_sizes(name: str, sizes: Sequence[int]) -> tuple[int, ...]:
    """Hidden layer sizes as a tuple of positive ints (empty allowed)."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise ValueError(f"expected {name} to be a sequence of positive integers, got {sizes!r}")
    return tuple(positive_int(f"every {name} entry", s) for s in sizes)
