"""A recurrent actor-critic: MLP encoder, one LSTM layer, linear heads."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from rlmodels_common.configs import LSTMActorCriticConfig
from rlmodels_common.intermediates import is_recording, record

from .layers import skip_linear, split_fused_head
from .model import Model, Policy
from .recurrent import Recurrent

CELL_CLASSES: dict[str, type[nnx.Module]] = {
    "OptimizedLSTMCell": nnx.OptimizedLSTMCell,
    "LSTMCell": nnx.LSTMCell,
}

Carry = tuple[jax.Array, jax.Array]


@Model.register("LSTMActorCritic")
class LSTMActorCritic(Recurrent):
    """Encoder ``Linear(obs_dim, hidden_features) + activation``, an LSTM cell
    with ``lstm_features`` units, and linear policy and value heads on its
    output (``rlmodels_common.configs.LSTMActorCriticConfig`` states the arguments).

    The calling modes are :class:`~rlmodels_jax.models.recurrent.Recurrent`'s
    (docs/recurrent.md) with the carry ``(c, h)``, each ``(*batch, lstm_features)``.
    ``pi`` has batch shape ``x.shape[:-1]``; ``value`` is ``(..., 1)``.

    ``cell_type`` is ``"OptimizedLSTMCell"`` (default; kernels fused as
    ``cell.dense_i`` / ``cell.dense_h`` with gate order i, f, g, o) or
    ``"LSTMCell"`` (one kernel per gate), or the Flax class itself. Both compute
    the same function. ``remat=True`` recomputes the cell in the backward pass
    of sequence mode (``jax.checkpoint``) to save memory.

    Attributes: ``config``, ``obs_dim``, ``lstm_features``, ``encoder``, ``cell``,
    ``actor_mu``, ``actor_sigma``, ``log_std``, ``critic``, ``bij``, ``c``, ``h``
    (the persistent carry), ``discrete``.
    """

    config_class = LSTMActorCriticConfig

    def _configure(self, observation_space_size: int, action_space_size: int, options: dict[str, Any]) -> Any:
        if "cell_type" in options:  # the Flax class names itself
            options = {**options, "cell_type": _cell_name(options["cell_type"])}
        return super()._configure(observation_space_size, action_space_size, options)

    def _build_layers(self, config: Any, key: nnx.Rngs) -> None:
        H = config.lstm_features
        self.cell = CELL_CLASSES[config.cell_type](config.encoder_features, H, param_dtype=self.dtype, rngs=key)
        # JaxDEM's draws, so a key gives JaxDEM's initial weights (docs/jaxdem.md):
        # an actor_mu and a critic it never uses around the standard deviation,
        # then the fused head whose columns are our actor_mu and critic.
        skip_linear(key)
        self._init_sigma(H, key)
        skip_linear(key)
        self.actor_mu, self.critic = split_fused_head(H, config.action_space_size, key, self.dtype)

    @property
    def lstm_features(self) -> int:
        """The LSTM's width ``H``: the carry's ``c`` and ``h`` are ``(*batch, H)``."""
        return self.config.lstm_features

    def _advance(self, x: jax.Array, carry: Carry) -> tuple[jax.Array, Carry]:
        features = self.encoder(x)
        if is_recording():
            record("cell.gates", self._gates(features, carry[1]))
        (c, h), y = self.cell(carry, features)
        record("cell.c", c)
        record("cell.h", h)
        return y, (c, h)

    def _scan(self, x: jax.Array, carry: Carry, done: jax.Array | None) -> tuple[jax.Array, Carry]:
        carry, ys = _scan(self.cell, self.encoder(x), carry, done, self.config.remat)
        return ys, carry

    def _heads(self, features: jax.Array) -> tuple[Policy, jax.Array]:
        return self._policy(features), record("critic", self.critic(features))

    def _gates(self, x: jax.Array, h: jax.Array) -> jax.Array:
        """The pre-activations of the gates i, f, g, o along the last axis ``(..., 4H)``
        (recorded, to locate a disagreement; the cell computes them itself)."""
        cell = self.cell
        if isinstance(cell, nnx.OptimizedLSTMCell):
            return cell.dense_i(x) + cell.dense_h(h)
        return jnp.concatenate([getattr(cell, f"i{g}")(x) + getattr(cell, f"h{g[0]}")(h) for g in ("i", "f_", "g", "o")], -1)


@nnx.jit(static_argnames="remat")
def _scan(
    cell: nnx.Module, features: jax.Array, carry: Carry, done: jax.Array | None, remat: bool
) -> tuple[Carry, jax.Array]:
    """Run ``cell`` over time-major ``features`` ``(T, B..., F)`` from ``carry``,
    zeroing the carry after step ``t`` where ``done[t]``; returns the final carry
    and the outputs ``(T, B..., H)``.

    Jitted at module level: an eager ``lax.scan`` over a fresh closure would
    recompile on every call (and keep every executable); this compiles once per
    cell configuration and shape. Inside a caller's jit it is simply inlined.
    """

    def step(carry: Carry, inputs: tuple[jax.Array, jax.Array | None]) -> tuple[Carry, jax.Array]:
        features, done_t = inputs
        carry, y = cell(carry, features)
        if done_t is not None:
            keep = ~done_t[..., None]
            carry = (jnp.where(keep, carry[0], 0), jnp.where(keep, carry[1], 0))
        return carry, y

    if remat:
        step = jax.checkpoint(step)
    return jax.lax.scan(step, carry, (features, done))


def _cell_name(cell_type: Any) -> Any:
    """The name of a Flax cell class; anything else as given (the configuration checks names)."""
    return next((name for name, cls in CELL_CLASSES.items() if cell_type is cls), cell_type)
