"""What JaxDEM's trainers read of a model beyond its public API
(docs/jaxdem_training.md), kept apart from the models' own maths."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

__all__ = ["JaxdemAttributes", "JaxdemLogStd"]


@dataclasses.dataclass(frozen=True)
class JaxdemLogStd:
    """``model._log_std`` as JaxDEM's trainer reads it: ``.value`` ``(1, A)``."""

    value: jax.Array


class JaxdemAttributes:
    """Mixed into ``Model``: JaxDEM 5d9c13a's PPO loss logs
    ``model._log_std.value.mean()`` for every model (its own models always hold
    ``_log_std``, an unused zero parameter with a sigma head or discrete
    actions). A read-only property, not a Variable: ``nnx.state``, checkpoints
    and canonical names never see it."""

    @property
    def _log_std(self) -> JaxdemLogStd:
        """``log_std`` ``(1, A)``, or the log of the ``std`` parameter, or zeros
        ``(1, A)`` where the standard deviation is a head or there is none."""
        log_std, std = getattr(self, "log_std", None), getattr(self, "std", None)
        if log_std is not None:
            return JaxdemLogStd(log_std[...])
        if std is not None:
            return JaxdemLogStd(jnp.log(std[...]))
        return JaxdemLogStd(jnp.zeros((1, self.config.action_space_size), self.dtype))
