"""A recurrent actor-critic: MLP encoder, stacked MinGRU layers joined by
highways, one fused policy-and-value head (JaxDEM's ``MinGRUActorCritic``)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from rlmodels_common.configs import MinGRUActorCriticConfig
from rlmodels_common.initialization import IN_SCALE, MINGRU_KERNEL_SCALE
from rlmodels_common.intermediates import is_recording, record

from .layers import fused_head, linear, skip_linear
from .model import Model, Policy
from .recurrent import Recurrent


@Model.register("MinGRUActorCritic")
class MinGRUActorCritic(Recurrent):
    """Encoder ``Linear(obs_dim, hidden_features) + activation``, ``proj_in``
    ``Linear(hidden_features, gru_features)`` (only when the two differ),
    ``num_layers`` MinGRU layers (arXiv 2410.01201) of ``gru_features`` units,
    and ``fused_head`` ``Linear(gru_features, A + 1)``: columns ``[:A]`` the
    mean (or logits), column ``A`` the value
    (``rlmodels_common.configs.MinGRUActorCriticConfig`` states the arguments).

    Layer ``l`` maps its input ``y`` and its carry ``h`` with one kernel
    ``mingru_kernel[l]`` ``(H, 3H)`` (no bias; columns hidden | gate | proj)::

        hidden, gate, proj = split(y @ mingru_kernel[l], 3)
        w = sigmoid(gate)
        h = (1 - w) * h + w * g(hidden)     # g(x) = x + 0.5 if x >= 0 else sigmoid(x)
        s = sigmoid(proj)
        y = s * h + (1 - s) * y             # highway: the next layer's input

    The standard deviation is ``log_std`` ``(1, A)`` or, with
    ``actor_sigma_head``, a softplus head on the last layer's ``y``.

    The calling modes are :class:`~rlmodels_jax.models.recurrent.Recurrent`'s
    (docs/recurrent.md) with a one-array carry ``h`` ``(*batch, num_layers,
    gru_features)``. In sequence mode each layer is one parallel associative
    scan in log space (Heinsen's form: ``h_t = a_t h_{t-1} + b_t`` with
    ``log a = -softplus(gate)``, ``log b = log w + log g``; a reset makes the
    next ``log a`` ``-inf``). ``initial_carry`` enters exactly, as the term
    ``(a_t ... a_1) h_0`` added outside the log space, so every carry works,
    zero and negative entries included. JaxDEM instead puts ``log h_0`` into
    the scan and treats entries ``<= 1e-8`` as 0, which differs from stepping
    by at most ``1e-8`` per entry there; a carry the model produced is
    positive, since ``g > 0``. Sequence mode with ``done`` equals stepping with
    ``reset(mask=done[t])`` after each step, to rounding.

    ``remat`` is accepted and recorded, as in JaxDEM, and changes nothing: the
    scan keeps only its ``(T, *batch, gru_features)`` operands for the backward pass.
    """

    config_class = MinGRUActorCriticConfig

    def _build_layers(self, config: Any, key: nnx.Rngs) -> None:
        H = config.gru_features
        self.proj_in = linear(config.encoder_features, H, IN_SCALE, key, self.dtype) if config.projects else None
        # One key from the default stream (JaxDEM calls key(), not key.params():
        # they differ when the Rngs has a params stream), split into one per
        # layer (under vmap: JaxDEM's draw).
        orthogonal = nnx.initializers.orthogonal(MINGRU_KERNEL_SCALE)
        keys = jax.random.split(key(), config.num_layers)
        self.mingru_kernel = nnx.Param(jax.vmap(lambda k: orthogonal(k, (H, 3 * H), self.dtype))(keys))
        # JaxDEM's draws (docs/jaxdem.md): an actor_mu and a critic it never uses
        # around the standard deviation, then the fused head.
        skip_linear(key)
        self._init_sigma(H, key)
        skip_linear(key)
        self.fused_head = fused_head(H, config.action_space_size, key, self.dtype)

    def _features(self, x: jax.Array) -> jax.Array:
        """The first layer's input ``(..., gru_features)``."""
        y = self.encoder(x)
        return y if self.proj_in is None else record("proj_in", self.proj_in(y))

    def _advance(self, x: jax.Array, carry: jax.Array) -> tuple[jax.Array, jax.Array]:
        # Recording runs the step eagerly: a jitted step's values would be its own trace's.
        step = _layers_step if is_recording() else _step
        return step(self.mingru_kernel[...], self._features(x), carry)

    def _scan(self, x: jax.Array, carry: jax.Array, done: jax.Array | None) -> tuple[jax.Array, jax.Array]:
        if x.shape[0] == 0:  # nothing to scan; JAX's scans return the empty outputs too
            return jnp.zeros((*x.shape[:-1], self.config.gru_features), self.dtype), carry
        return _scan(self.mingru_kernel[...], self._features(x), carry, done)

    def _heads(self, features: jax.Array) -> tuple[Policy, jax.Array]:
        fused = record("fused_head", self.fused_head(features))
        return self._distribution(fused[..., :-1], features), fused[..., -1:]


def _g(x: jax.Array) -> jax.Array:
    """MinGRU's positive candidate activation: ``x + 0.5`` for ``x >= 0``, else ``sigmoid(x)``."""
    return jnp.where(x >= 0, x + 0.5, jax.nn.sigmoid(x))


def _log_g(x: jax.Array) -> jax.Array:
    """``log g(x)``, finite everywhere (``log sigmoid(x) = -softplus(-x)``)."""
    return jnp.where(x >= 0, jnp.log(jax.nn.relu(x) + 0.5), -jax.nn.softplus(-x))


def _highway(y: jax.Array, h: jax.Array, proj: jax.Array) -> jax.Array:
    s = jax.nn.sigmoid(proj)
    return s * h + (1 - s) * y


def _layers_step(kernel: jax.Array, y: jax.Array, h: jax.Array) -> tuple[jax.Array, jax.Array]:
    """One step of every layer: input ``y`` ``(..., H)``, carry ``h`` ``(..., L, H)``;
    returns the last layer's output and the new carry."""
    carry = []
    for layer in range(kernel.shape[0]):
        hidden, gate, proj = jnp.split(record(f"mingru_kernel.{layer}", y @ kernel[layer]), 3, axis=-1)
        w = jax.nn.sigmoid(gate)
        carry.append(record(f"mingru.{layer}.h", (1 - w) * h[..., layer, :] + w * _g(hidden)))
        y = record(f"mingru.{layer}.out", _highway(y, carry[-1], proj))
    return y, jnp.stack(carry, axis=-2)


# Module-level jits: each compiles once per shape and dtype (not per call, as a
# fresh closure would); inside a caller's jit they are inlined.
_step = jax.jit(_layers_step)


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
