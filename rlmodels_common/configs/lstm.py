"""The LSTM actor-critic: an encoder, one LSTM layer, linear heads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .base import ModelConfig, Shapes, linear_shapes
from .fields import FLAG, POSITIVE_INT, SIZES, one_of, option

__all__ = ["CELL_TYPES", "LSTMActorCriticConfig"]

CELL_TYPES = ("OptimizedLSTMCell", "LSTMCell")
"""Flax's LSTM cells: the same function, two parameter layouts."""


@dataclass(frozen=True, kw_only=True)
class LSTMActorCriticConfig(ModelConfig):
    """``LSTMActorCritic``: ``encoder`` ``Linear(obs, hidden_features) +
    activation``, an LSTM ``cell`` of ``lstm_features`` units in the layout of
    Flax's ``cell_type``, linear ``actor_mu`` and ``critic`` heads on its
    output. ``remat`` recomputes the recurrence in the backward pass;
    ``carry_leading_shape`` is the batch shape of the initial persistent carry."""

    model_type: ClassVar[str] = "LSTMActorCritic"
    hidden_features: int = option(POSITIVE_INT, 64, draw="width")
    lstm_features: int = option(POSITIVE_INT, 128, draw="width")
    cell_type: str = option(one_of(list(CELL_TYPES)), "OptimizedLSTMCell")
    remat: bool = option(FLAG, False)
    carry_leading_shape: tuple[int, ...] = option(SIZES, ())

    def parameter_shapes(self) -> Shapes:
        H = self.lstm_features
        shapes = linear_shapes("encoder.layers.0", self.observation_space_size, self.hidden_features)
        shapes |= cell_shapes("cell", self.hidden_features, H, self.cell_type)
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
