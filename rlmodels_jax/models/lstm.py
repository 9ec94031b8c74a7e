"""A recurrent actor-critic: MLP encoder, one LSTM layer, linear heads."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from rlmodels_common.initialization import ACTOR_SCALE, CRITIC_SCALE, IN_SCALE, positive_int

from ..action_spaces import ActionSpace
from ..activations import Activation
from .model import Model, Policy, as_rngs, linear

CELL_CLASSES: dict[str, type[nnx.Module]] = {
    "OptimizedLSTMCell": nnx.OptimizedLSTMCell,
    "LSTMCell": nnx.LSTMCell,
}

Carry = tuple[jax.Array, jax.Array]


@Model.register("LSTMActorCritic")
class LSTMActorCritic(Model):
    """Encoder ``Linear(obs_dim, hidden_features) + activation``, an LSTM cell
    with ``lstm_features`` units, and linear policy and value heads on its output.

    Calling modes:

    - ``model(x)``: one step. ``x`` is ``(..., obs_dim)``; the persistent carry
      ``(c, h)``, each ``(..., lstm_features)``, is used and updated. When the
      leading shape of ``x`` differs from the carry's, the carry is re-allocated
      as zeros first.
    - ``model.step(x, carry)``: one step with the carry passed in and returned,
      ``(pi, value, carry)``; the persistent carry is not touched.
    - ``model(x, sequence=True, initial_carry=None, done=None)``: ``x`` is
      time-major ``(T, B..., obs_dim)``; returns outputs for every step. The
      carry starts at ``initial_carry`` (``(c, h)``, each ``(B..., lstm_features)``)
      or zeros; where ``done[t]`` (``(T, B...)`` bool) is True it is zeroed
      *after* step ``t``. The persistent carry is not touched.

    ``pi`` has batch shape ``x.shape[:-1]``; ``value`` is ``(..., 1)``.

    ``cell_type`` is ``"OptimizedLSTMCell"`` (default; kernels fused as
    ``cell.dense_i`` / ``cell.dense_h`` with gate order i, f, g, o) or
    ``"LSTMCell"`` (one kernel per gate), or the Flax class itself. Both compute
    the same function. ``remat=True`` recomputes the cell in the backward pass
    of sequence mode (``jax.checkpoint``) to save memory.
    """

    def __init__(
        self,
        observation_space_size: int,
        action_space_size: int,
        key: nnx.Rngs | int,
        *,
        hidden_features: int = 64,
        lstm_features: int = 128,
        activation: str | Activation = "gelu",
        action_space: ActionSpace | None = None,
        cell_type: str | type[nnx.Module] = "OptimizedLSTMCell",
        remat: bool = False,
        actor_sigma_head: bool = False,
        carry_leading_shape: tuple[int, ...] = (),
        discrete: bool = False,
        dtype: Any = "float32",
    ) -> None:
        self._init_common(
            observation_space_size, action_space_size, activation, action_space,
            actor_sigma_head, discrete, dtype,
        )  # fmt: skip
        key = as_rngs(key)
        self.hidden_features = positive_int("hidden_features", hidden_features)
        self.lstm_features = positive_int("lstm_features", lstm_features)
        self.cell_type = _cell_name(cell_type)
        self.remat = bool(remat)
        self.carry_leading_shape = tuple(
            positive_int("every carry_leading_shape entry", n) for n in carry_leading_shape
        )
        self.encoder = nnx.Sequential(
            linear(self.obs_dim, self.hidden_features, IN_SCALE, key, self.dtype), self.activation
        )
        self.cell = CELL_CLASSES[self.cell_type](
            self.hidden_features, self.lstm_features, param_dtype=self.dtype, rngs=key
        )
        self._init_heads(self.lstm_features, ACTOR_SCALE, key)
        self.critic = linear(self.lstm_features, 1, CRITIC_SCALE, key, self.dtype)
        zeros = jnp.zeros((*self.carry_leading_shape, self.lstm_features), dtype=self.dtype)
        self.c = nnx.Variable(zeros)
        self.h = nnx.Variable(zeros)

    @property
    def carry(self) -> Carry:
        """The persistent carry ``(c, h)``, each ``(..., lstm_features)``."""
        return self.c[...], self.h[...]

    def reset(self, shape: tuple[int, ...], mask: jax.Array | np.ndarray | None = None) -> None:
        """Reset the persistent carry for observations of shape ``shape``.

        If the carry is not ``(*shape[:-1], lstm_features)``, allocate zeros of
        that shape. Otherwise zero all of it (``mask=None``) or the entries whose
        ``mask`` flag is True (``mask`` is ``(shape[0],)``, along axis 0; a single
        flag ``()`` for an unbatched carry, so ``reset(mask=done[t])`` mirrors
        sequence mode's ``done`` for every batch shape it accepts).
        """
        target = (*tuple(shape)[:-1], self.lstm_features)
        if self.h.shape != target:
            self._set_carry(jnp.zeros(target, self.dtype), jnp.zeros(target, self.dtype))
            return
        if mask is None:
            self._set_carry(jnp.zeros_like(self.c[...]), jnp.zeros_like(self.h[...]))
            return
        mask = jnp.asarray(mask)
        expected = target[:1] if len(target) > 1 else ()
        if mask.shape != expected:
            rule = "one flag per environment along axis 0" if expected else "a single flag, the carry has no batch axis"
            raise ValueError(f"expected mask shape {expected}, {rule}, got {tuple(mask.shape)}")
        keep = ~mask.astype(bool).reshape(expected + (1,) * (len(target) - len(expected)))
        self._set_carry(jnp.where(keep, self.c[...], 0), jnp.where(keep, self.h[...], 0))

    def __call__(
        self,
        x: jax.Array | np.ndarray,
        sequence: bool = False,
        *,
        initial_carry: Carry | None = None,
        done: jax.Array | np.ndarray | None = None,
    ) -> tuple[Policy, jax.Array]:
        x = self._observation(x)
        if sequence:
            y = self._sequence(x, initial_carry, done)
        else:
            if initial_carry is not None or done is not None:
                raise ValueError("initial_carry and done apply to sequence mode; pass sequence=True")
            y = self._step(x)
        return self._policy(y), self.critic(y)

    def step(self, x: jax.Array | np.ndarray, carry: Carry) -> tuple[Policy, jax.Array, Carry]:
        """One step from an explicit ``carry`` ``(c, h)``, each ``(..., lstm_features)``;
        returns ``(pi, value, new_carry)`` and leaves the persistent carry alone."""
        x = self._observation(x)
        shape = (*x.shape[:-1], self.lstm_features)
        carry = tuple(jnp.asarray(a, self.dtype) for a in carry)
        if len(carry) != 2 or any(tuple(a.shape) != shape for a in carry):
            raise ValueError(f"expected carry (c, h) of shapes {shape}, got {tuple(tuple(a.shape) for a in carry)}")
        carry, y = self.cell(carry, self.encoder(x))
        return self._policy(y), self.critic(y), carry

    def _step(self, x: jax.Array) -> jax.Array:
        target = (*x.shape[:-1], self.lstm_features)
        if self.h.shape != target:
            self.reset(x.shape)
        (c, h), y = self.cell(self.carry, self.encoder(x))
        self._set_carry(c, h)
        return y

    def _sequence(self, x: jax.Array, initial_carry: Carry | None, done: jax.Array | None) -> jax.Array:
        if x.ndim < 2:
            raise ValueError(
                f"sequence mode expects time-major (T, B..., {self.obs_dim}), got {tuple(x.shape)}"
            )
        carry_shape = (*x.shape[1:-1], self.lstm_features)
        if initial_carry is None:
            carry = (jnp.zeros(carry_shape, self.dtype), jnp.zeros(carry_shape, self.dtype))
        else:
            carry = tuple(jnp.asarray(a, self.dtype) for a in initial_carry)
            shapes = tuple(tuple(a.shape) for a in carry)
            if len(carry) != 2 or shapes != (carry_shape, carry_shape):
                raise ValueError(f"expected initial_carry (c, h) of shapes {carry_shape}, got {shapes}")
        if done is not None:
            done = jnp.asarray(done)
            if done.shape != x.shape[:-1]:
                raise ValueError(f"expected done shape {tuple(x.shape[:-1])} (T, B...), got {tuple(done.shape)}")
            done = done.astype(bool)

        return _scan(self.cell, self.encoder(x), carry, done, self.remat)

    def _set_carry(self, c: jax.Array, h: jax.Array) -> None:
        self.c.set_value(c)
        self.h.set_value(h)

    @property
    def metadata(self) -> dict[str, Any]:
        return {
            **self._common_metadata(),
            "hidden_features": self.hidden_features,
            "lstm_features": self.lstm_features,
            "cell_type": self.cell_type,
            "remat": self.remat,
            "carry_leading_shape": list(self.carry_leading_shape),
        }


@nnx.jit(static_argnames="remat")
def _scan(cell: nnx.Module, features: jax.Array, carry: Carry, done: jax.Array | None, remat: bool) -> jax.Array:
    """Run ``cell`` over time-major ``features`` ``(T, B..., F)`` from ``carry``,
    zeroing the carry after step ``t`` where ``done[t]``; returns ``(T, B..., H)``.

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
    _, ys = jax.lax.scan(step, carry, (features, done))
    return ys


def _cell_name(cell_type: str | type[nnx.Module]) -> str:
    for name, cls in CELL_CLASSES.items():
        if cell_type == name or cell_type is cls:
            return name
    raise ValueError(f"expected cell_type in {list(CELL_CLASSES)} (or the Flax class), got {cell_type!r}")
