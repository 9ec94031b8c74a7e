"""The recurrent-state API every recurrent model shares (docs/recurrent.md):
the persistent carry, ``reset``, ``step``, sequence mode and their checks.

The base builds the encoder; a subclass builds the layers after it
(``_build_layers``) and implements one step
(:meth:`Recurrent._advance`), the sequence (:meth:`Recurrent._scan`) and
the heads (:meth:`Recurrent._heads`). The carry's entries and their shapes
are the configuration's ``carry_shapes()`` (an LSTM's ``(c, h)``, a
MinGRU's ``h``); each is a non-persistent buffer of
the same name (moved by ``.to()``, never in ``state_dict`` or checkpoints).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

from rlmodels_common.carry import check_carry, entries, from_entries, reset_mask_shape
from rlmodels_common.initialization import IN_SCALE

from ..dtypes import TORCH_DTYPES
from .layers import Sequential, linear
from .model import Model, Policy

Carry = Any
"""A recurrent carry: one tensor, or a tuple of tensors (see ``rlmodels_common.carry``)."""


class Recurrent(Model):
    """Base class of the recurrent models; the calling modes are
    ``rlmodels_jax``'s (docs/recurrent.md).

    - ``model(x)``: one step. ``x`` is ``(*batch, obs_dim)``; the persistent
      carry ``model.carry`` is used and updated, re-allocated as zeros first
      when ``batch`` differs from its batch shape. After a step outside
      ``torch.no_grad()`` it holds the graph that computed it, as JAX's does:
      ``model.detach_carry()`` cuts it (truncated backpropagation).
    - ``model.step(x, carry)``: one step from an explicit ``carry`` (None:
      zeros), returning ``(pi, value, new_carry)``; the persistent carry is
      not touched.
    - ``model(x, sequence=True, initial_carry=None, done=None)``: ``x`` is
      time-major ``(T, *batch, obs_dim)``; outputs for every step. The carry
      starts at ``initial_carry`` or zeros; where ``done[t]`` (``(T, *batch)``
      bool) is True it is zeroed *after* step ``t``. The persistent carry is
      not touched.

    ``return_carry=True`` adds the carry after the last step (after its
    ``done`` zeroing) as a third output, in either mode.
    """

    def _build(self, config: Any, key: torch.Generator) -> None:
        """The encoder ``Linear(obs, hidden_features) + activation``, then the subclass's layers."""
        self.encoder = Sequential("encoder", linear(self.obs_dim, config.encoder_features, IN_SCALE, key, config.dtype), self.activation)
        self._build_layers(config, key)

    def _build_layers(self, config: Any, key: torch.Generator) -> None:
        """The layers after the encoder, drawing from ``key`` in a fixed order."""
        raise NotImplementedError

    def _init_state(self) -> None:
        """The persistent carry, zeros of batch shape ``carry_leading_shape``."""
        config = self._config
        self._carry_shapes = tuple(config.carry_shapes().items())
        for name, shape in self._carry_shapes:
            zeros = torch.zeros((*config.carry_leading_shape, *shape), dtype=TORCH_DTYPES[config.dtype])
            self.register_buffer(name, zeros, persistent=False)

    def _advance(self, x: torch.Tensor, carry: Carry) -> tuple[torch.Tensor, Carry]:
        """One step on observations ``x`` ``(*batch, obs_dim)`` from ``carry``:
        the features the heads read ``(*batch, F)`` and the new carry."""
        raise NotImplementedError

    def _scan(self, x: torch.Tensor, carry: Carry, done: torch.Tensor | None) -> tuple[torch.Tensor, Carry]:
        """Every step of time-major ``x`` ``(T, *batch, obs_dim)`` from ``carry``,
        zeroing it after step ``t`` where ``done[t]``: features ``(T, *batch, F)``
        and the final carry."""
        raise NotImplementedError

    def _heads(self, features: torch.Tensor) -> tuple[Policy, torch.Tensor]:
        """The policy and the value ``(..., 1)`` for features ``(..., F)``."""
        raise NotImplementedError

    @property
    def carry(self) -> Carry:
        """The persistent carry that ``model(x)`` continues from. Assign one (any
        batch shape, floating dtype) to continue from it; it is checked and cast
        to the model's dtype and device."""
        return from_entries(tuple(getattr(self, name) for name, _ in self._carry_shapes))

    @carry.setter
    def carry(self, value: Carry) -> None:
        self._store(self._checked_carry(value, None, "carry"))

    def initial_carry(self, batch_shape: tuple[int, ...] = ()) -> Carry:
        """The carry a fresh episode starts from: zeros of batch shape ``batch_shape``, of the model's dtype and device."""
        like = self._like()
        return from_entries(tuple(like.new_zeros((*batch_shape, *shape)) for _, shape in self._carry_shapes))

    def reset(self, shape: tuple[int, ...] | None = None, mask: torch.Tensor | np.ndarray | None = None) -> None:
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
            self._store(from_entries(tuple(torch.zeros_like(a) for a in carry)))
            return
        mask = torch.as_tensor(mask, device=carry[0].device)
        event = len(self._carry_shapes[0][1])
        keep = ~mask.to(torch.bool).reshape(reset_mask_shape(self._batch(), tuple(mask.shape), event))
        self._store(from_entries(tuple(torch.where(keep, a, 0.0) for a in carry)))

    def detach_carry(self) -> None:
        """Cut the persistent carry from the graph that computed it: the next
        ``backward()`` stops here (truncated backpropagation through time)."""
        self._store(from_entries(tuple(a.detach() for a in entries(self.carry))))

    def forward(
        self,
        x: torch.Tensor | np.ndarray,
        sequence: bool = False,
        *,
        initial_carry: Carry = None,
        done: torch.Tensor | np.ndarray | None = None,
        return_carry: bool = False,
    ) -> tuple[Policy, torch.Tensor] | tuple[Policy, torch.Tensor, Carry]:
        x = self._observation(x)
        if sequence:
            features, carry = self._sequence(x, initial_carry, done)
        else:
            if initial_carry is not None or done is not None:
                raise ValueError("initial_carry and done apply to sequence mode; pass sequence=True")
            if self._batch() != x.shape[:-1]:
                self.reset(x.shape)
            features, carry = self._advance(x, usable(self.carry))
            self._store(carry)
        pi, value = self._heads(features)
        return (pi, value, carry) if return_carry else (pi, value)

    def step(self, x: torch.Tensor | np.ndarray, carry: Carry) -> tuple[Policy, torch.Tensor, Carry]:
        """One step from an explicit ``carry`` for ``x`` ``(*batch, obs_dim)`` (None:
        zeros, a fresh episode); returns ``(pi, value, new_carry)`` and leaves the
        persistent carry alone."""
        x = self._observation(x)
        batch = tuple(x.shape[:-1])
        carry = self.initial_carry(batch) if carry is None else usable(self._checked_carry(carry, batch, "carry"))
        features, carry = self._advance(x, carry)
        return *self._heads(features), carry

    def _sequence(self, x: torch.Tensor, initial_carry: Carry, done: Any) -> tuple[torch.Tensor, Carry]:
        if x.ndim < 2:
            raise ValueError(f"sequence mode expects time-major (T, B..., {self.obs_dim}), got {tuple(x.shape)}")
        batch = tuple(x.shape[1:-1])
        if initial_carry is None:
            carry = self.initial_carry(batch)
        else:
            carry = usable(self._checked_carry(initial_carry, batch, "initial_carry"))
        if done is not None:
            done = torch.as_tensor(done, device=x.device)
            if tuple(done.shape) != tuple(x.shape[:-1]):
                raise ValueError(f"expected done shape {tuple(x.shape[:-1])} (T, B...), got {tuple(done.shape)}")
            done = done.to(torch.bool)
        return self._scan(x, carry, done)

    def _checked_carry(self, carry: Any, batch: tuple[int, ...] | None, what: str) -> Carry:
        """``carry`` as the model takes it, in the model's dtype and on its device,
        each entry ``(*batch, *shape)`` (any common ``batch`` if None); ValueError otherwise."""
        shapes = dict(self._carry_shapes)
        check_carry(carry, batch, shapes, what)
        # a copy of anything not a tensor: JAX buffers are read-only
        tensors = tuple(a if isinstance(a, torch.Tensor) else torch.as_tensor(np.array(a)) for a in entries(carry))
        if not all(a.is_floating_point() for a in tensors):
            names = ", ".join(shapes) if len(shapes) == 1 else f"({', '.join(shapes)})"
            raise ValueError(f"expected {what} {names} of a floating dtype, got {' and '.join(str(a.dtype) for a in tensors)}")
        like = self._like()
        return from_entries(tuple(a.to(dtype=like.dtype, device=like.device) for a in tensors))

    def _batch(self) -> tuple[int, ...]:
        """The persistent carry's batch shape."""
        name, shape = self._carry_shapes[0]
        stored = getattr(self, name).shape
        return tuple(stored[: len(stored) - len(shape)])

    def _store(self, carry: Carry) -> None:
        for (name, _), tensor in zip(self._carry_shapes, entries(carry)):
            setattr(self, name, tensor)

    def __deepcopy__(self, memo: dict[int, Any]) -> "Recurrent":
        # A carry computed outside no_grad is not a leaf, which deepcopy refuses:
        # the copy holds its values, detached (the graph belongs to the original).
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        names = {name for name, _ in self._carry_shapes}
        for key, value in self.__dict__.items():
            if key == "_buffers":
                value = {k: (v.detach() if k in names and v is not None else v) for k, v in value.items()}
            clone.__dict__[key] = copy.deepcopy(value, memo)
        return clone


def usable(carry: Carry) -> Carry:
    """``carry`` (a tensor or a tuple of them), cloned if it was made under
    ``torch.inference_mode()`` and is now used where autograd may need to save
    it (a rollout's carry fed to training). Under torch.compile, which cannot
    ask, use ``torch.no_grad()`` for rollouts."""
    first = carry[0] if isinstance(carry, tuple) else carry
    if torch.compiler.is_compiling() or torch.is_inference_mode_enabled() or not first.is_inference():
        return carry
    return tuple(a.clone() for a in carry) if isinstance(carry, tuple) else carry.clone()
