"""What the recurrent models share: an encoder, ``remat`` and the persistent
carry's initial batch shape."""

from __future__ import annotations

from dataclasses import dataclass

from .base import ModelConfig, Shapes, linear_shapes
from .fields import FLAG, POSITIVE_INT, SIZES, option

__all__ = ["RecurrentConfig"]


@dataclass(frozen=True, kw_only=True)
class RecurrentConfig(ModelConfig):
    """A recurrent model: ``encoder`` ``Linear(obs, hidden_features) +
    activation`` before its recurrent layers; ``remat`` recomputes the
    recurrence in the backward pass where a backend can; ``carry_leading_shape``
    is the batch shape of the persistent carry a new model holds."""

    hidden_features: int = option(POSITIVE_INT, 64, draw="width")
    remat: bool = option(FLAG, False)
    carry_leading_shape: tuple[int, ...] = option(SIZES, ())

    @property
    def encoder_features(self) -> int:
        """The width of the encoder's output, which the recurrent layers read."""
        return self.hidden_features

    def encoder_shapes(self) -> Shapes:
        """The encoder's ``Linear``: ``encoder.layers.0``."""
        return linear_shapes("encoder.layers.0", self.observation_space_size, self.hidden_features)
