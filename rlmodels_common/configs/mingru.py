"""The MinGRU actor-critic (JaxDEM's): an encoder, stacked MinGRU layers joined
by highways, one fused policy-and-value head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .base import Shapes, linear_shapes
from .fields import POSITIVE_INT, option
from .recurrent import RecurrentConfig

__all__ = ["MinGRUActorCriticConfig"]


@dataclass(frozen=True, kw_only=True)
class MinGRUActorCriticConfig(RecurrentConfig):
    """``MinGRUActorCritic``: the encoder, ``proj_in`` ``Linear(hidden_features,
    gru_features)`` (only when the two differ), ``num_layers`` MinGRU layers of
    ``gru_features`` units (``mingru_kernel`` ``(L, H, 3H)``, no bias; columns
    hidden | gate | proj) and ``fused_head`` ``Linear(H, A + 1)``: columns
    ``[:A]`` the mean (or logits), column ``A`` the value. ``remat`` is
    recorded, as in JaxDEM, and changes nothing."""

    model_type: ClassVar[str] = "MinGRUActorCritic"
    gru_features: int = option(POSITIVE_INT, 128, draw="width")
    num_layers: int = option(POSITIVE_INT, 1, draw="depth")

    @property
    def projects(self) -> bool:
        """Whether ``proj_in`` exists: the encoder's width is not the layers'."""
        return self.encoder_features != self.gru_features

    def parameter_shapes(self) -> Shapes:
        H = self.gru_features
        shapes = self.encoder_shapes()
        if self.projects:
            shapes |= linear_shapes("proj_in", self.encoder_features, H)
        shapes |= {"mingru_kernel": (self.num_layers, H, 3 * H)}
        return shapes | linear_shapes("fused_head", H, self.action_space_size + 1) | self.head_shapes(H, mean=False)

    def carry_shapes(self) -> Shapes:
        """``h``, ``(num_layers, gru_features)``: the one array of ``model.step(x, h)``."""
        return {"h": (self.num_layers, self.gru_features)}
