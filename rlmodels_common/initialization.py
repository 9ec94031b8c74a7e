"""Initialisation scales both backends build models with.

Kept here so a model trained from scratch in torch starts where one trained in
JAX starts: the same orthogonal gains, the same head biases.
"""

from __future__ import annotations

import math

__all__ = ["ACTOR_SCALE", "CRITIC_SCALE", "IN_SCALE", "MINGRU_KERNEL_SCALE", "SIGMA_HEAD_BIAS", "SIGMA_HEAD_SCALE"]

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
