"""A recurrent actor-critic: MLP encoder, stacked MinGRU layers joined by
highways, one fused policy-and-value head (JaxDEM's ``MinGRUActorCritic``)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from rlmodels_common.configs import MinGRUActorCriticConfig
from rlmodels_common.initialization import ACTOR_SCALE, CRITIC_SCALE, IN_SCALE, MINGRU_KERNEL_SCALE
from rlmodels_common.intermediates import record

from ..dtypes import TORCH_DTYPES
from .layers import linear
from .model import Model, Policy
from .recurrent import Recurrent


@Model.register("MinGRUActorCritic")
class MinGRUActorCritic(Recurrent):
    """Encoder ``Linear(obs_dim, hidden_features) + activation``, ``proj_in``
    ``Linear(hidden_features, gru_features)`` (only when the two differ),
    ``num_layers`` MinGRU layers (arXiv 2410.01201) of ``gru_features`` units,
    and ``fused_head`` ``Linear(gru_features, A + 1)``: outputs ``[:A]`` the
    mean (or logits), output ``A`` the value
    (``rlmodels_common.configs.MinGRUActorCriticConfig`` states the arguments).

    Layer ``l`` maps its input ``y`` and its carry ``h`` with one kernel
    ``mingru_kernel[l]`` ``(H, 3H)`` (JAX layout, ``y @ kernel``; no bias;
    columns hidden | gate | proj)::

        hidden, gate, proj = split(y @ mingru_kernel[l], 3)
        w = sigmoid(gate)
        h = (1 - w) * h + w * g(hidden)     # g(x) = x + 0.5 if x >= 0 else sigmoid(x)
        s = sigmoid(proj)
        y = s * h + (1 - s) * y             # highway: the next layer's input

    The standard deviation is ``log_std`` ``(1, A)`` or, with
    ``actor_sigma_head``, a softplus head on the last layer's ``y``.

    The calling modes are :class:`~rlmodels_torch.models.recurrent.Recurrent`'s
    (docs/recurrent.md) with a one-array carry ``h`` ``(*batch, num_layers,
    gru_features)``. Sequence mode steps through time with the step's own
    arithmetic, so it equals stepping with ``reset(mask=done[t])`` (up to how
    BLAS rounds products of other shapes), any ``initial_carry`` (zero and
    negative entries included) enters exactly, and a reset is an exact
    zeroing: there is no log space, hence no ``-inf`` coefficient. JAX's
    parallel log-space scan gives the same numbers to float rounding. On CPU
    this loop is the fastest form measured (``benchmarks/mingru.py``).

    ``remat`` is accepted and recorded, as in JaxDEM, and changes nothing.
    """

    config_class = MinGRUActorCriticConfig

    def _build_layers(self, config: Any, key: torch.Generator) -> None:
        H, A, dtype = config.gru_features, config.action_space_size, config.dtype
        self.proj_in = linear(config.encoder_features, H, IN_SCALE, key, dtype) if config.projects else None
        self.mingru_kernel = nn.Parameter(torch.empty(config.num_layers, H, 3 * H, dtype=TORCH_DTYPES[dtype]))
        self.fused_head = nn.Linear(H, A + 1, dtype=TORCH_DTYPES[dtype])
        with torch.no_grad():
            for kernel in self.mingru_kernel:
                nn.init.orthogonal_(kernel, gain=MINGRU_KERNEL_SCALE, generator=key)
            nn.init.orthogonal_(self.fused_head.weight[:A], gain=ACTOR_SCALE, generator=key)
            nn.init.orthogonal_(self.fused_head.weight[A:], gain=CRITIC_SCALE, generator=key)
            self.fused_head.bias.zero_()
        self._init_sigma(H, key)

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        """The first layer's input ``(..., gru_features)``."""
        y = self.encoder(x)
        return y if self.proj_in is None else record("proj_in", self.proj_in(y))

    def _advance(self, x: torch.Tensor, carry: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._layers_step(self._features(x), carry)

    def _layers_step(self, y: torch.Tensor, h: torch.Tensor, g: Any = None) -> tuple[torch.Tensor, torch.Tensor]:
        """One step of every layer: input ``y`` ``(..., H)``, carry ``h`` ``(..., L, H)``;
        returns the last layer's output and the new carry. ``g``: the candidate
        activation (default ``_g``; sequence mode passes ``_g_scan``)."""
        g = _g if g is None else g
        carry = []
        for layer, kernel in enumerate(self.mingru_kernel):
            hidden, gate, proj = record(f"mingru_kernel.{layer}", y @ kernel).chunk(3, -1)
            # JAX's formula, not torch.lerp (h + w (g - h), one op fewer): with an
            # unbounded g a long rollout amplifies rounding, and the same formula
            # keeps torch as close to the float64 truth as the reference is.
            w = torch.sigmoid(gate)
            carry.append(record(f"mingru.{layer}.h", (1 - w) * h.select(-2, layer) + w * g(hidden)))
            y = record(f"mingru.{layer}.out", _highway(y, carry[-1], proj))
        return y, torch.stack(carry, -2)

    def _scan(self, x: torch.Tensor, carry: torch.Tensor, done: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        y = self._features(x)
        outputs = []
        g = _g_scan if torch.is_grad_enabled() else _g  # the same values; see _g_scan
        for t in range(x.shape[0]):
            out, carry = self._layers_step(y[t], carry, g)
            outputs.append(out)
            if done is not None:  # where, not a multiply: a NaN or inf must not leak into the next episode
                carry = torch.where(done[t, ..., None, None], 0.0, carry)
        return (torch.stack(outputs) if outputs else y), carry

    def _heads(self, features: torch.Tensor) -> tuple[Policy, torch.Tensor]:
        fused = record("fused_head", self.fused_head(features))
        return self._distribution(fused[..., :-1], features), fused[..., -1:]

    def _like(self) -> torch.Tensor:
        return self.fused_head.weight


def _highway(y: torch.Tensor, h: torch.Tensor, proj: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(proj)
    return s * h + (1 - s) * y


def _g(x: torch.Tensor) -> torch.Tensor:
    """MinGRU's positive candidate activation: ``x + 0.5`` for ``x >= 0``, else ``sigmoid(x)``."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def _g_scan(x: torch.Tensor) -> torch.Tensor:
    """``_g`` with the derivative JAX's sequence mode takes at ``x = 0``: 0, not 1.

    JAX's (and JaxDEM's) log-space scan differentiates ``log(relu(x) + 0.5)``,
    and relu's derivative at 0 is 0; the values are ``_g``'s.
    """
    return torch.where(x >= 0, torch.relu(x) + 0.5, torch.sigmoid(x))

