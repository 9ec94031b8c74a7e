"""The LSTM actor-critic: an encoder, one LSTM layer, linear heads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .base import Shapes, linear_shapes
from .fields import POSITIVE_INT, one_of, option
from .recurrent import RecurrentConfig

__all__ = ["CELL_TYPES", "LSTMActorCriticConfig"]

CELL_TYPES = ("OptimizedLSTMCell", "LSTMCell")
"""Flax's LSTM cells: the same function, two parameter layouts."""


@dataclass(frozen=True, kw_only=True)
class LSTMActorCriticConfig(RecurrentConfig):
    """``LSTMActorCritic``: the encoder, an LSTM ``cell`` of ``lstm_features``
    units in the layout of Flax's ``cell_type``, linear ``actor_mu`` and
    ``critic`` heads on its output."""

    model_type: ClassVar[str] = "LSTMActorCritic"
    lstm_features: int = option(POSITIVE_INT, 128, draw="width")
    cell_type: str = option(one_of(list(CELL_TYPES)), "OptimizedLSTMCell")

    def parameter_shapes(self) -> Shapes:
        H = self.lstm_features
        shapes = self.encoder_shapes() | cell_shapes("cell", self.encoder_features, H, self.cell_type)
        return shapes | self.head_shapes(H) | linear_shapes("critic", H, 1)

    def carry_shapes(self) -> Shapes:
        """``(c, h)``, each ``(lstm_features,)``: the carry of ``model.step(x, (c, h))``."""
        return {"c": (self.lstm_features,), "h": (self.lstm_features,)}


def cell_shapes(prefix: str, fan_in: int, features: int, cell_type: str) -> Shapes:
    """Flax's cells: ``OptimizedLSTMCell`` fuses the gates i, f, g, o into ``(., 4H)``
    kernels with one bias; ``LSTMCell`` has a kernel per gate (``if_`` for the
    input forget gate: ``if`` is a keyword) and the bias on the recurrent ones."""
    if cell_type == "OptimizedLSTMCell":
        return {
            f"{prefix}.dense_i.kernel": (fan_in, 4 * features),
            f"{prefix}.dense_h.kernel": (features, 4 * features),
            f"{prefix}.dense_h.bias": (4 * features,),
        }
    shapes: Shapes = {}
    for gate in "ifgo":
        shapes[f"{prefix}.i{'f_' if gate == 'f' else gate}.kernel"] = (fan_in, features)
        shapes |= linear_shapes(f"{prefix}.h{gate}", features, features)
    return shapes
