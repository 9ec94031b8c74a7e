"""The recurrent-state API every recurrent model shares (docs/recurrent.md):
the persistent carry, ``reset``, ``step``, sequence mode and their checks.

The base builds the encoder; a subclass builds the layers after it
(``_build_layers``) and implements one step
(:meth:`Recurrent._advance`), the sequence (:meth:`Recurrent._scan`) and
the heads (:meth:`Recurrent._heads`). The carry's entries and their shapes
are the configuration's ``carry_shapes()`` (an LSTM's ``(c, h)``, a
MinGRU's ``h``); each is an ``nnx.Variable`` of the
same name, so it is part of the model's state but not a parameter.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from rlmodels_common.carry import check_carry, entries, from_entries, reset_mask_shape
from rlmodels_common.initialization import IN_SCALE

from .layers import Sequential, linear
from .model import Model, Policy

Carry = Any
"""A recurrent carry: one array, or a tuple of arrays (see ``rlmodels_common.carry``)."""


class Recurrent(Model):
    """Base class of the recurrent models.

    - ``model(x)``: one step. ``x`` is ``(*batch, obs_dim)``; the persistent
      carry ``model.carry`` is used and updated, re-allocated as zeros first
      when ``batch`` differs from its batch shape.
    - ``model.step(x, carry)``: one step from an explicit ``carry`` (None:
      zeros), returning ``(pi, value, new_carry)``; the persistent carry is
      not touched.
    - ``model(x, sequence=True, initial_carry=None, done=None)``: ``x`` is
      time-major ``(T, *batch, obs_dim)``; outputs for every step. The carry
      starts at ``initial_carry`` or zeros; where ``done[t]`` (``(T, *batch)``
      bool) is True it is zeroed *after* step ``t``. The persistent carry is
      not touched.

    ``return_carry=True`` adds the carry after the last step (after its
    ``done`` zeroing) as a third output, in either mode. Stepping from
    ``model.carry = initial_carry`` with ``model.reset(mask=done[t])`` after
    each step gives sequence mode's outputs and final carry.
    """

    def _build(self, config: Any, key: nnx.Rngs) -> None:
        """The encoder ``Linear(obs, hidden_features) + activation``, then the subclass's layers."""
        self.encoder = Sequential("encoder", linear(self.obs_dim, config.encoder_features, IN_SCALE, key, self.dtype), self.activation)
        self._build_layers(config, key)

    def _build_layers(self, config: Any, key: nnx.Rngs) -> None:
        """The layers after the encoder, drawing from ``key`` in a fixed order."""
        raise NotImplementedError

    def _init_state(self) -> None:
        """The persistent carry, zeros of batch shape ``carry_leading_shape``."""
        self._carry_shapes = tuple(self.config.carry_shapes().items())
        for name, zeros in zip(self._carry_names, entries(self.initial_carry(self.config.carry_leading_shape))):
            setattr(self, name, nnx.Variable(zeros))

    @property
    def _carry_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self._carry_shapes)

    def _advance(self, x: jax.Array, carry: Carry) -> tuple[jax.Array, Carry]:
        """One step on observations ``x`` ``(*batch, obs_dim)`` from ``carry``:
        the features the heads read ``(*batch, F)`` and the new carry."""
        raise NotImplementedError

    def _scan(self, x: jax.Array, carry: Carry, done: jax.Array | None) -> tuple[jax.Array, Carry]:
        """Every step of time-major ``x`` ``(T, *batch, obs_dim)`` from ``carry``,
        zeroing it after step ``t`` where ``done[t]``: features ``(T, *batch, F)``
        and the final carry."""
        raise NotImplementedError

    def _heads(self, features: jax.Array) -> tuple[Policy, jax.Array]:
        """The policy and the value ``(..., 1)`` for features ``(..., F)``."""
        raise NotImplementedError

    @property
    def carry(self) -> Carry:
        """The persistent carry that ``model(x)`` continues from. Assign one (any
        batch shape, floating dtype) to continue from it; it is checked and cast
        to the model's dtype."""
        return from_entries(tuple(getattr(self, name)[...] for name in self._carry_names))

    @carry.setter
    def carry(self, value: Carry) -> None:
        self._store(self._checked_carry(value, None, "carry"))

    def initial_carry(self, batch_shape: tuple[int, ...] = ()) -> Carry:
        """The carry a fresh episode starts from: zeros of batch shape ``batch_shape``, of the model's dtype."""
        return from_entries(tuple(jnp.zeros((*batch_shape, *shape), self.dtype) for _, shape in self._carry_shapes))

    def reset(self, shape: tuple[int, ...] | None = None, mask: jax.Array | np.ndarray | None = None) -> None:
        """Zero the persistent carry: all of it, or the entries whose ``mask`` flag is True.

        ``mask`` (bool) has the carry's batch shape (``done[t]``, so stepping with
        ``reset(mask=done[t])`` after each step is sequence mode with ``done``) or
        ``(batch[0],)``, one flag per environment along axis 0; an unbatched
        carry takes a single flag ``()``. ``shape`` (optional) is the shape of
        the coming observations, ``(*batch, obs_dim)``: if the carry's batch
        shape is not ``batch``, it becomes zeros of that batch (``mask`` unused).
        """
        if shape is not None and self._batch() != tuple(shape)[:-1]:
            self._store(self.initial_carry(tuple(shape)[:-1]))
            return
        carry = entries(self.carry)
        if mask is None:
            self._store(from_entries(tuple(jnp.zeros_like(a) for a in carry)))
            return
        mask = jnp.asarray(mask)
        event = len(self._carry_shapes[0][1])
        keep = ~mask.astype(bool).reshape(reset_mask_shape(self._batch(), tuple(mask.shape), event))
        self._store(from_entries(tuple(jnp.where(keep, a, 0) for a in carry)))

    def __call__(
        self,
        x: jax.Array | np.ndarray,
        sequence: bool = False,
        *,
        initial_carry: Carry = None,
        done: jax.Array | np.ndarray | None = None,
        return_carry: bool = False,
    ) -> tuple[Policy, jax.Array] | tuple[Policy, jax.Array, Carry]:
        x = self._observation(x)
        if sequence:
            features, carry = self._sequence(x, initial_carry, done)
        else:
            if initial_carry is not None or done is not None:
                raise ValueError("initial_carry and done apply to sequence mode; pass sequence=True")
            if self._batch() != x.shape[:-1]:
                self.reset(x.shape)
            features, carry = self._advance(x, self.carry)
            self._store(carry)
        pi, value = self._heads(features)
        return (pi, value, carry) if return_carry else (pi, value)

    def step(self, x: jax.Array | np.ndarray, carry: Carry) -> tuple[Policy, jax.Array, Carry]:
        """One step from an explicit ``carry`` for ``x`` ``(*batch, obs_dim)`` (None:
        zeros, a fresh episode); returns ``(pi, value, new_carry)`` and leaves the
        persistent carry alone."""
        x = self._observation(x)
        batch = tuple(x.shape[:-1])
        carry = self.initial_carry(batch) if carry is None else self._checked_carry(carry, batch, "carry")
        features, carry = self._advance(x, carry)
        return *self._heads(features), carry

    def _sequence(self, x: jax.Array, initial_carry: Carry, done: Any) -> tuple[jax.Array, Carry]:
        if x.ndim < 2:
            raise ValueError(f"sequence mode expects time-major (T, B..., {self.obs_dim}), got {tuple(x.shape)}")
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
        return self._scan(x, carry, done)

    def _checked_carry(self, carry: Any, batch: tuple[int, ...] | None, what: str) -> Carry:
        """``carry`` as the model takes it, in the model's dtype, each entry
        ``(*batch, *shape)`` (any common ``batch`` if None); ValueError otherwise."""
        shapes = dict(self._carry_shapes)
        check_carry(carry, batch, shapes, what)
        arrays = tuple(a if isinstance(a, jax.Array) else np.asarray(a) for a in entries(carry))
        if not all(jnp.issubdtype(a.dtype, jnp.floating) for a in arrays):
            names = ", ".join(shapes) if len(shapes) == 1 else f"({', '.join(shapes)})"
            raise ValueError(f"expected {what} {names} of a floating dtype, got {' and '.join(str(a.dtype) for a in arrays)}")
        return from_entries(tuple(jnp.asarray(a, self.dtype) for a in arrays))

    def _batch(self) -> tuple[int, ...]:
        """The persistent carry's batch shape."""
        name, shape = self._carry_shapes[0]
        stored = getattr(self, name).shape
        return tuple(stored[: len(stored) - len(shape)])

    def _store(self, carry: Carry) -> None:
        for name, array in zip(self._carry_names, entries(carry)):
            getattr(self, name).set_value(array)
