"""The policy distributions models return, and their deterministic action."""

from __future__ import annotations

import distrax
import jax
import jax.numpy as jnp


class Transformed(distrax.Transformed):
    """A diagonal Gaussian pushed through an action-space bijector, with an
    analytic entropy.

    ``entropy() = H(base) + E[log|det J(x)|]``, the expectation computed by the
    bijector's ``log_det_expectation`` (Gauss-Hermite quadrature), so it is
    deterministic and differentiable, unlike a sampled estimate.

    ``distribution`` is a ``distrax.MultivariateNormalDiag``; ``bijector`` is an
    action space lifted to vectors (``Block`` or ``MaxNorm``).
    """

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
