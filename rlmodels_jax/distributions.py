"""The policy distributions models return, and their deterministic action."""

from __future__ import annotations

import distrax
import jax
import jax.numpy as jnp

from .action_spaces import ActionSpace, Block


class Transformed(distrax.Transformed):
    """A diagonal Gaussian pushed through an action-space bijector, with an
    analytic entropy.

    ``entropy() = H(base) + E[log|det J(x)|]``, the expectation computed by the
    bijector's ``log_det_expectation`` (Gauss-Hermite quadrature), so it is
    deterministic and differentiable, unlike a sampled estimate.

    ``distribution`` is a ``distrax.MultivariateNormalDiag``; ``bijector`` is an
    action space lifted to vectors (``Block`` or ``MaxNorm``).
    """

    @property
    def action_space(self) -> ActionSpace:
        """The model's action space (``bijector``, unlifted)."""
        return self.bijector.bijector if isinstance(self.bijector, Block) else self.bijector

    def __repr__(self) -> str:
        base = self.distribution
        return (
            f"Transformed({type(base).__name__}(batch_shape={base.batch_shape}, event_shape={base.event_shape}), "
            f"action_space={self.action_space!r})"
        )

    def _sample_n(self, key: jax.Array, n: int) -> jax.Array:
        """``n`` samples ``(n, *batch, A)``: the bijector of ``loc + scale * z``.

        The same numbers as distrax's chain (same key, same ``z``), drawn
        without its vmapped bijector chain and, for the one sample ``sample()``
        asks for, without a leading sample axis in the program. With distrax's
        form, XLA's CPU scheduler ran the sample's consumers (the action and
        any ``log_prob`` of it) as concurrent thunks: at batch 1 the act step
        took 3x the time of hand-written jax.numpy."""
        base = self.distribution
        loc, scale = base.loc, base.scale_diag
        dtype = jnp.result_type(loc, scale)
        if n == 1:
            return self.bijector.forward(scale * jax.random.normal(key, loc.shape, dtype) + loc)[None]
        return self.bijector.forward(scale * jax.random.normal(key, (n, *loc.shape), dtype) + loc)

    def log_prob(self, value: jax.Array) -> jax.Array:
        """Log-density of actions ``(..., A)``; returns ``batch_shape``."""
        width = self.distribution.event_shape[-1]
        if jnp.ndim(value) == 0 or jnp.shape(value)[-1] != width:  # else a broadcasting error deep inside
            raise ValueError(f"expected actions of shape (..., {width}), got {tuple(jnp.shape(value))}")
        return super().log_prob(value)

    def entropy(self) -> jax.Array:
        """Entropy in nats, shape ``batch_shape``."""
        base = self.distribution
        return base.entropy() + self.bijector.log_det_expectation(base.loc, base.scale_diag)


def deterministic_action(pi: Transformed | distrax.Categorical) -> jax.Array:
    """The action a policy takes when it does not explore.

    Continuous: the bijector applied to the Gaussian mean, ``(..., A)``.
    Discrete: the most likely action, ``(...)`` integers.
    """
    if isinstance(pi, distrax.Categorical):
        return jnp.argmax(pi.logits, axis=-1)
    if isinstance(pi, distrax.Transformed):
        return pi.bijector.forward(pi.distribution.loc)
    raise TypeError(
        f"expected a policy returned by an rlmodels model (Transformed or Categorical), got {type(pi).__name__}"
    )
