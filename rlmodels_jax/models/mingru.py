"""A recurrent actor-critic: MLP encoder, stacked MinGRU layers joined by
highways, one fused policy-and-value head (JaxDEM's ``MinGRUActorCritic``)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from rlmodels_common.carry import check_array, reset_mask_shape
from rlmodels_common.initialization import (
    ACTOR_SCALE, CRITIC_SCALE, IN_SCALE, MINGRU_KERNEL_SCALE, positive_int,
)  # fmt: skip

from ..action_spaces import ActionSpace
from ..activations import Activation
from .model import Model, Policy, as_rngs, linear


@Model.register("MinGRUActorCritic")
class MinGRUActorCritic(Model):
    """Encoder ``Linear(obs_dim, hidden_features) + activation``, ``proj_in``
    ``Linear(hidden_features, gru_features)`` (only when the two differ),
    ``num_layers`` MinGRU layers (arXiv 2410.01201) of ``gru_features`` units,
    and ``fused_head`` ``Linear(gru_features, A + 1)``: columns ``[:A]`` the
    mean (or logits), column ``A`` the value.

    Layer ``l`` maps its input ``y`` and its carry ``h`` with one kernel
    ``mingru_kernel[l]`` ``(H, 3H)`` (no bias; columns hidden | gate | proj)::

        hidden, gate, proj = split(y @ mingru_kernel[l], 3)
        w = sigmoid(gate)
        h = (1 - w) * h + w * g(hidden)     # g(x) = x + 0.5 if x >= 0 else sigmoid(x)
        s = sigmoid(proj)
        y = s * h + (1 - s) * y             # highway: the next layer's input

    The standard deviation is ``log_std`` ``(1, A)`` or, with
    ``actor_sigma_head``, a softplus head on the last layer's ``y``.

    Calling modes are the LSTM's (docs/recurrent.md) with a one-array carry
    ``h`` of shape ``(*batch, num_layers, gru_features)``:

    - ``model(x)``: one step, ``x`` ``(*batch, obs_dim)``, from and into the
      persistent carry ``model.carry`` (re-allocated as zeros when ``batch``
      changes).
    - ``model.step(x, h)``: one step from an explicit carry (None: zeros),
      returning ``(pi, value, new_h)``; the persistent carry is not touched.
    - ``model(x, sequence=True, initial_carry=None, done=None)``: time-major
      ``x`` ``(T, *batch, obs_dim)`` from ``initial_carry`` (or zeros); where
      ``done[t]`` (``(T, *batch)`` bool) is True the carry is zeroed after
      step ``t``. Each layer is one parallel associative scan in log space
      (Heinsen's form: ``h_t = a_t h_{t-1} + b_t`` with ``log a = -softplus(gate)``,
      ``log b = log w + log g``; a reset makes the next ``log a`` ``-inf``).
      ``initial_carry`` enters exactly, as the term ``(a_t ... a_1) h_0`` added
      outside the log space, so every carry works, zero and negative entries
      included. JaxDEM instead puts ``log h_0`` into the scan and treats entries
      ``<= 1e-8`` as 0, which differs from stepping by at most ``1e-8`` per entry
      there; a carry the model produced is positive, since ``g > 0``.

    ``return_carry=True`` adds the carry after the last step (after its
    ``done`` zeroing) as a third output. Sequence mode with ``done`` equals
    stepping with ``reset(mask=done[t])`` after each step, to rounding.

    ``remat`` is accepted and recorded, as in JaxDEM, and changes nothing: the
    scan keeps only its ``(T, *batch, gru_features)`` operands for the backward pass.
    """

    def __init__(
        self,
        observation_space_size: int,
        action_space_size: int,
        key: nnx.Rngs | int,
        *,
        hidden_features: int = 64,
        gru_features: int = 128,
        num_layers: int = 1,
        activation: str | Activation = "gelu",
        action_space: ActionSpace | None = None,
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
        self.gru_features = positive_int("gru_features", gru_features)
        self.num_layers = positive_int("num_layers", num_layers)
        self.remat = bool(remat)
        self.carry_leading_shape = tuple(
            positive_int("every carry_leading_shape entry", n) for n in carry_leading_shape
        )
        H = self.gru_features
        self.encoder = nnx.Sequential(
            linear(self.obs_dim, self.hidden_features, IN_SCALE, key, self.dtype), self.activation
        )
        self.proj_in = (
            linear(self.hidden_features, H, IN_SCALE, key, self.dtype) if self.hidden_features != H else None
        )
        orthogonal = nnx.initializers.orthogonal(MINGRU_KERNEL_SCALE)
        self.mingru_kernel = nnx.Param(
            jnp.stack([orthogonal(key.params(), (H, 3 * H), self.dtype) for _ in range(self.num_layers)])
        )
        self.fused_head = nnx.Linear(
            H, self.action_space_size + 1, kernel_init=_fused_head_init,
            bias_init=nnx.initializers.zeros, param_dtype=self.dtype, rngs=key,
        )  # fmt: skip
        self._init_sigma(H, key)
        self.h = nnx.Variable(jnp.zeros((*self.carry_leading_shape, self.num_layers, H), self.dtype))

    @property
    def carry(self) -> jax.Array:
        """The persistent carry ``h`` ``(*batch, num_layers, gru_features)`` that
        ``model(x)`` continues from. Assign an array (any batch shape, floating
        dtype) to continue from it; it is checked and cast to the model's dtype."""
        return self.h[...]

    @carry.setter
    def carry(self, value: jax.Array | np.ndarray) -> None:
        self.h.set_value(self._checked_carry(value, None, "carry"))

    def initial_carry(self, batch_shape: tuple[int, ...] = ()) -> jax.Array:
        """The carry a fresh episode starts from: zeros ``(*batch_shape, num_layers, gru_features)``."""
        return jnp.zeros((*batch_shape, self.num_layers, self.gru_features), self.dtype)

    def reset(self, shape: tuple[int, ...] | None = None, mask: jax.Array | np.ndarray | None = None) -> None:
        """Zero the persistent carry: all of it, or the entries whose ``mask`` flag is True.

        ``mask`` (bool) has the carry's batch shape (``done[t]``) or
        ``(batch[0],)``, one flag per environment along axis 0; an unbatched
        carry takes a single flag ``()``. ``shape`` (optional) is the shape of
        the coming observations, ``(*batch, obs_dim)``: if the carry's batch
        shape is not ``batch``, it becomes zeros of that batch (``mask`` unused).
        """
        if shape is not None and self.h.shape[:-2] != tuple(shape)[:-1]:
            self.h.set_value(self.initial_carry(tuple(shape)[:-1]))
            return
        if mask is None:
            self.h.set_value(jnp.zeros_like(self.h[...]))
            return
        mask = jnp.asarray(mask)
        keep = ~mask.astype(bool).reshape(reset_mask_shape(tuple(self.h.shape[:-2]), tuple(mask.shape), 2))
        self.h.set_value(jnp.where(keep, self.h[...], 0))

    def __call__(
        self,
        x: jax.Array | np.ndarray,
        sequence: bool = False,
        *,
        initial_carry: jax.Array | np.ndarray | None = None,
        done: jax.Array | np.ndarray | None = None,
        return_carry: bool = False,
    ) -> tuple[Policy, jax.Array] | tuple[Policy, jax.Array, jax.Array]:
        x = self._observation(x)
        if sequence:
            y, carry = self._sequence(x, initial_carry, done)
        else:
            if initial_carry is not None or done is not None:
                raise ValueError("initial_carry and done apply to sequence mode; pass sequence=True")
            if self.h.shape[:-2] != x.shape[:-1]:
                self.reset(x.shape)
            y, carry = _step(self.mingru_kernel[...], self._features(x), self.h[...])
            self.h.set_value(carry)
        pi, value = self._heads(y)
        return (pi, value, carry) if return_carry else (pi, value)

    def step(self, x: jax.Array | np.ndarray, carry: jax.Array | np.ndarray | None) -> tuple[Policy, jax.Array, jax.Array]:
        """One step from an explicit carry ``h`` ``(*batch, num_layers, gru_features)``
        for ``x`` ``(*batch, obs_dim)`` (None: zeros, a fresh episode); returns
        ``(pi, value, new_h)`` and leaves the persistent carry alone."""
        x = self._observation(x)
        batch = tuple(x.shape[:-1])
        h = self.initial_carry(batch) if carry is None else self._checked_carry(carry, batch, "carry")
        y, h = _step(self.mingru_kernel[...], self._features(x), h)
        return *self._heads(y), h

    def _features(self, x: jax.Array) -> jax.Array:
        """The first layer's input ``(..., gru_features)``."""
        y = self.encoder(x)
        return y if self.proj_in is None else self.proj_in(y)

    def _heads(self, y: jax.Array) -> tuple[Policy, jax.Array]:
        fused = self.fused_head(y)
        return self._distribution(fused[..., :-1], y), fused[..., -1:]

    def _checked_carry(self, carry: Any, batch: tuple[int, ...] | None, what: str) -> jax.Array:
        """``carry`` as an array of the model's dtype, ``(*batch, num_layers,
        gru_features)`` (any ``batch`` if None); ValueError otherwise."""
        check_array(carry, batch, (self.num_layers, self.gru_features), what)
        h = carry if isinstance(carry, jax.Array) else np.asarray(carry)
        if not jnp.issubdtype(h.dtype, jnp.floating):
            raise ValueError(f"expected {what} h of a floating dtype, got {h.dtype}")
        return jnp.asarray(h, self.dtype)

    def _sequence(
        self, x: jax.Array, initial_carry: Any, done: jax.Array | np.ndarray | None
    ) -> tuple[jax.Array, jax.Array]:
        """The last layer's outputs ``(T, *batch, gru_features)`` and the final carry."""
        if x.ndim < 2:
            raise ValueError(f"sequence mode expects time-major (T, B..., {self.obs_dim}), got {tuple(x.shape)}")
        batch = tuple(x.shape[1:-1])
        if initial_carry is None:
            h = self.initial_carry(batch)
        else:
            h = self._checked_carry(initial_carry, batch, "initial_carry")
        if done is not None:
            done = jnp.asarray(done)
            if done.shape != x.shape[:-1]:
                raise ValueError(f"expected done shape {tuple(x.shape[:-1])} (T, B...), got {tuple(done.shape)}")
            done = done.astype(bool)
        if x.shape[0] == 0:  # nothing to scan; JAX's scans return the empty outputs too
            return jnp.zeros((*x.shape[:-1], self.gru_features), self.dtype), h
        return _scan(self.mingru_kernel[...], self._features(x), h, done)

    @property
    def metadata(self) -> dict[str, Any]:
        return {
            **self._common_metadata(),
            "hidden_features": self.hidden_features,
            "gru_features": self.gru_features,
            "num_layers": self.num_layers,
            "remat": self.remat,
            "carry_leading_shape": list(self.carry_leading_shape),
        }


def _fused_head_init(key: jax.Array, shape: tuple[int, int], dtype: Any = jnp.float32) -> jax.Array:
    """``(H, A + 1)``: the actor columns orthogonal with gain ``ACTOR_SCALE``, the
    value column with ``CRITIC_SCALE``, as separate heads would be."""
    actor, critic = jax.random.split(key)
    return jnp.concatenate([
        nnx.initializers.orthogonal(ACTOR_SCALE)(actor, (shape[0], shape[1] - 1), dtype),
        nnx.initializers.orthogonal(CRITIC_SCALE)(critic, (shape[0], 1), dtype),
    ], axis=-1)  # fmt: skip


def _g(x: jax.Array) -> jax.Array:
    """MinGRU's positive candidate activation: ``x + 0.5`` for ``x >= 0``, else ``sigmoid(x)``."""
    return jnp.where(x >= 0, x + 0.5, jax.nn.sigmoid(x))


def _log_g(x: jax.Array) -> jax.Array:
    """``log g(x)``, finite everywhere (``log sigmoid(x) = -softplus(-x)``)."""
    return jnp.where(x >= 0, jnp.log(jax.nn.relu(x) + 0.5), -jax.nn.softplus(-x))


def _highway(y: jax.Array, h: jax.Array, proj: jax.Array) -> jax.Array:
    s = jax.nn.sigmoid(proj)
    return s * h + (1 - s) * y


# Module-level jits: each compiles once per shape and dtype (not per call, as a
# fresh closure would); inside a caller's jit they are inlined.


@jax.jit
def _step(kernel: jax.Array, y: jax.Array, h: jax.Array) -> tuple[jax.Array, jax.Array]:
    """One step of every layer: input ``y`` ``(..., H)``, carry ``h`` ``(..., L, H)``;
    returns the last layer's output and the new carry."""
    carry = []
    for layer in range(kernel.shape[0]):
        hidden, gate, proj = jnp.split(y @ kernel[layer], 3, axis=-1)
        w = jax.nn.sigmoid(gate)
        carry.append((1 - w) * h[..., layer, :] + w * _g(hidden))
        y = _highway(y, carry[-1], proj)
    return y, jnp.stack(carry, axis=-2)


def _combine(
    earlier: tuple[jax.Array, jax.Array], later: tuple[jax.Array, jax.Array]
) -> tuple[jax.Array, jax.Array]:
    """Heinsen's operator: ``(log a, log b)`` of ``h -> a h + b`` composed in time order.

    Where the later map starts an episode (``log a2 = -inf``) the composition
    is the later map itself, whatever the earlier one holds: a NaN or inf
    before a reset must not survive it (``-inf + nan`` is NaN). For finite
    values both branches give the same numbers."""
    log_a1, log_b1 = earlier
    log_a2, log_b2 = later
    fresh = log_a2 == -jnp.inf
    return (
        jnp.where(fresh, -jnp.inf, log_a1 + log_a2),
        jnp.where(fresh, log_b2, jnp.logaddexp(log_a2 + log_b1, log_b2)),
    )


@jax.jit
def _scan(
    kernel: jax.Array, y: jax.Array, h0: jax.Array, done: jax.Array | None
) -> tuple[jax.Array, jax.Array]:
    """Every layer over time-major ``y`` ``(T, ..., H)`` from ``h0`` ``(..., L, H)``,
    zeroing the carry after step ``t`` where ``done[t]``; returns the last
    layer's outputs ``(T, ..., H)`` and the final carry ``(..., L, H)``."""
    finals = []
    for layer in range(kernel.shape[0]):
        hidden, gate, proj = jnp.split(y @ kernel[layer], 3, axis=-1)
        log_a = -jax.nn.softplus(gate)  # log(1 - w)
        log_b = -jax.nn.softplus(-gate) + _log_g(hidden)  # log(w g)
        if done is not None:  # a reset after step t: step t + 1 forgets h_t
            log_a = log_a.at[1:].set(jnp.where(done[:-1, ..., None], -jnp.inf, log_a[1:]))
        log_a_prod, log_h = jax.lax.associative_scan(_combine, (log_a, log_b))
        # h_t = (a_t ... a_1) h_0 + (the scan from zero); h_0 stays out of the log
        # space, so it may be any number. `where`: a NaN in h_0 must not survive a reset.
        h0_term = jnp.where(log_a_prod == -jnp.inf, 0, jnp.exp(log_a_prod) * h0[..., layer, :])
        h = jnp.exp(log_h) + h0_term
        final = h[-1] if done is None else jnp.where(done[-1, ..., None], 0, h[-1])
        finals.append(final)
        y = _highway(y, h, proj)
    return y, jnp.stack(finals, axis=-2)
