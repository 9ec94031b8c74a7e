"""A recurrent actor-critic: MLP encoder, one LSTM layer, linear heads."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from rlmodels_common.carry import check_pair, reset_mask_shape
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

    Calling modes (docs/recurrent.md):

    - ``model(x)``: one step. ``x`` is ``(*batch, obs_dim)``; the persistent
      carry ``model.carry``, ``(c, h)`` each ``(*batch, lstm_features)``, is used
      and updated. When ``batch`` differs from the carry's, the carry is
      re-allocated as zeros first.
    - ``model.step(x, carry)``: one step from an explicit ``carry`` (None: zeros),
      returning ``(pi, value, new_carry)``; the persistent carry is not touched.
    - ``model(x, sequence=True, initial_carry=None, done=None)``: ``x`` is
      time-major ``(T, *batch, obs_dim)``; returns outputs for every step. The
      carry starts at ``initial_carry`` (``(c, h)``, each ``(*batch, lstm_features)``)
      or zeros; where ``done[t]`` (``(T, *batch)`` bool) is True it is zeroed
      *after* step ``t``. The persistent carry is not touched.

    ``return_carry=True`` adds the carry after the last step (after its
    ``done`` zeroing) as a third output, ``(pi, value, carry)``, in either mode.
    Stepping from ``model.carry = initial_carry`` with ``model.reset(mask=done[t])``
    after each step gives sequence mode's outputs and final carry.
    ``model.initial_carry(batch)`` is the zero carry a fresh episode starts from.

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
        """The persistent carry ``(c, h)``, each ``(*batch, lstm_features)``, that
        ``model(x)`` continues from. Assign a pair (any batch shape, floating
        dtype) to continue from it; it is checked and cast to the model's dtype."""
        return self.c[...], self.h[...]

    @carry.setter
    def carry(self, value: Carry) -> None:
        self._set_carry(*self._checked_carry(value, None, "carry"))

    def initial_carry(self, batch_shape: tuple[int, ...] = ()) -> Carry:
        """The carry a fresh episode starts from: zeros ``(c, h)``, each
        ``(*batch_shape, lstm_features)``, of the model's dtype."""
        zeros = jnp.zeros((*batch_shape, self.lstm_features), self.dtype)
        return zeros, zeros

    def reset(self, shape: tuple[int, ...] | None = None, mask: jax.Array | np.ndarray | None = None) -> None:
        """Zero the persistent carry: all of it, or the entries whose ``mask`` flag is True.

        ``mask`` (bool) has the carry's batch shape (``done[t]``, so stepping with
        ``reset(mask=done[t])`` after each step is sequence mode with ``done``) or
        ``(batch[0],)``, one flag per environment along axis 0; an unbatched
        carry takes a single flag ``()``. ``shape`` (optional) is the shape of
        the coming observations, ``(*batch, obs_dim)``: if the carry is not
        ``(*batch, lstm_features)``, it becomes zeros of that shape (``mask``
        unused).
        """
        if shape is not None:
            target = (*tuple(shape)[:-1], self.lstm_features)
            if self.h.shape != target:
                self._set_carry(*self.initial_carry(target[:-1]))
                return
        if mask is None:
            self._set_carry(jnp.zeros_like(self.c[...]), jnp.zeros_like(self.h[...]))
            return
        mask = jnp.asarray(mask)
        keep = ~mask.astype(bool).reshape(reset_mask_shape(tuple(self.h.shape[:-1]), tuple(mask.shape)))
        self._set_carry(jnp.where(keep, self.c[...], 0), jnp.where(keep, self.h[...], 0))

    def __call__(
        self,
        x: jax.Array | np.ndarray,
        sequence: bool = False,
        *,
        initial_carry: Carry | None = None,
        done: jax.Array | np.ndarray | None = None,
        return_carry: bool = False,
    ) -> tuple[Policy, jax.Array] | tuple[Policy, jax.Array, Carry]:
        x = self._observation(x)
        if sequence:
            y, carry = self._sequence(x, initial_carry, done)
        else:
            if initial_carry is not None or done is not None:
                raise ValueError("initial_carry and done apply to sequence mode; pass sequence=True")
            y = self._step(x)
            carry = self.carry
        pi, value = self._policy(y), self.critic(y)
        return (pi, value, carry) if return_carry else (pi, value)

    def step(self, x: jax.Array | np.ndarray, carry: Carry | None) -> tuple[Policy, jax.Array, Carry]:
        """One step from an explicit ``carry`` ``(c, h)``, each ``(*batch, lstm_features)``
        for ``x`` ``(*batch, obs_dim)`` (None: zeros, a fresh episode); returns
        ``(pi, value, new_carry)`` and leaves the persistent carry alone."""
        x = self._observation(x)
        batch = tuple(x.shape[:-1])
        carry = self.initial_carry(batch) if carry is None else self._checked_carry(carry, batch, "carry")
        carry, y = self.cell(carry, self.encoder(x))
        return self._policy(y), self.critic(y), carry

    def _checked_carry(self, carry: Any, batch: tuple[int, ...] | None, what: str) -> Carry:
        """``carry`` as a ``(c, h)`` pair of the model's dtype, each
        ``(*batch, lstm_features)`` (any common ``batch`` if None); ValueError otherwise."""
        check_pair(carry, batch, self.lstm_features, what)
        c, h = (a if isinstance(a, jax.Array) else np.asarray(a) for a in carry)
        if not (jnp.issubdtype(c.dtype, jnp.floating) and jnp.issubdtype(h.dtype, jnp.floating)):
            raise ValueError(f"expected {what} (c, h) of a floating dtype, got {c.dtype} and {h.dtype}")
        return jnp.asarray(c, self.dtype), jnp.asarray(h, self.dtype)

    def _step(self, x: jax.Array) -> jax.Array:
        target = (*x.shape[:-1], self.lstm_features)
        if self.h.shape != target:
            self.reset(x.shape)
        (c, h), y = self.cell(self.carry, self.encoder(x))
        self._set_carry(c, h)
        return y

    def _sequence(
        self, x: jax.Array, initial_carry: Carry | None, done: jax.Array | None
    ) -> tuple[jax.Array, Carry]:
        """Outputs ``(T, *batch, lstm_features)`` and the final carry."""
        if x.ndim < 2:
            raise ValueError(
                f"sequence mode expects time-major (T, B..., {self.obs_dim}), got {tuple(x.shape)}"
            )
        batch = tuple(x.shape[1:-1])
        if initial_carry is None:
            carry = self.initial_carry(batch)
        else:
            carry = self._checked_carry(initial_carry, batch, "initial_carry")
        if done is not None:
            done = jnp.asarray(done)
            if done.shape != x.shape[:-1]:
                raise ValueError(f"expected done shape {tuple(x.shape[:-1])} (T, B...), got {tuple(done.shape)}")
            done = done.astype(bool)
        carry, ys = _scan(self.cell, self.encoder(x), carry, done, self.remat)
        return ys, carry

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


def _cell_name(cell_type: str | type[nnx.Module]) -> str:
    for name, cls in CELL_CLASSES.items():
        if cell_type == name or cell_type is cls:
            return name
    raise ValueError(f"expected cell_type in {list(CELL_CLASSES)} (or the Flax class), got {cell_type!r}")
