"""Feed-forward actor-critics: one shared torso, or separate actor and critic torsos."""

from __future__ import annotations

from typing import Any, Sequence

import jax
import numpy as np
from flax import nnx

from rlmodels_common.initialization import ACTOR_SCALE, CRITIC_SCALE, IN_SCALE, layer_sizes

from ..action_spaces import ActionSpace
from ..activations import Activation
from .model import Model, Policy, as_rngs, linear, mlp_layers


@Model.register("SharedActorCritic")
class SharedActorCritic(Model):
    """A shared MLP torso with a policy head and a value head.

    ``pi, value = model(x)`` for ``x`` of shape ``(..., observation_space_size)``:
    ``pi`` has batch shape ``x.shape[:-1]`` (continuous: a ``Transformed``
    Gaussian over ``(..., action_space_size)`` actions; discrete: a
    ``Categorical`` over ``action_space_size`` choices) and ``value`` is
    ``(..., 1)``. ``sequence`` and the recurrent keywords (``initial_carry``,
    ``done``) are accepted so one training loop drives every model, and have no
    effect: the model has no carry and acts on every leading index alike;
    ``return_carry=True`` adds ``None`` as a third output, ``carry`` is None,
    ``reset`` does nothing and ``step(x, None)`` is ``(*model(x), None)``.

    Attributes: ``network`` (torso, ``nnx.Sequential``; empty for
    ``architecture=[]``), ``actor_mu``, ``actor_sigma`` (softplus head, or None
    when the independent ``log_std`` parameter ``(1, A)`` is used or the model is
    discrete), ``log_std``, ``critic``, ``bij``, ``discrete``.
    """

    def __init__(
        self,
        observation_space_size: int,
        action_space_size: int,
        key: nnx.Rngs | int,
        *,
        architecture: Sequence[int] = (42, 42, 42),
        in_scale: float = IN_SCALE,
        actor_scale: float = ACTOR_SCALE,
        critic_scale: float = CRITIC_SCALE,
        activation: str | Activation = "gelu",
        action_space: ActionSpace | None = None,
        actor_sigma_head: bool = False,
        discrete: bool = False,
        dtype: Any = "float32",
    ) -> None:
        self._init_common(
            observation_space_size, action_space_size, activation, action_space,
            actor_sigma_head, discrete, dtype,
        )  # fmt: skip
        key = as_rngs(key)
        self.architecture = layer_sizes("architecture", architecture)
        self.in_scale = float(in_scale)
        self.actor_scale = float(actor_scale)
        self.critic_scale = float(critic_scale)
        self.network = nnx.Sequential(
            *mlp_layers(self.obs_dim, self.architecture, self.activation, self.in_scale, key, self.dtype)
        )
        features = self.architecture[-1] if self.architecture else self.obs_dim
        self._init_heads(features, self.actor_scale, key)
        self.critic = linear(features, 1, self.critic_scale, key, self.dtype)

    def __call__(
        self,
        x: jax.Array | np.ndarray,
        sequence: bool = False,
        *,
        initial_carry: Any = None,
        done: Any = None,
        return_carry: bool = False,
    ) -> tuple[Policy, jax.Array] | tuple[Policy, jax.Array, None]:
        features = self.network(self._observation(x))
        pi, value = self._policy(features), self.critic(features)
        return (pi, value, None) if return_carry else (pi, value)

    @property
    def metadata(self) -> dict[str, Any]:
        return {
            **self._common_metadata(),
            "architecture": list(self.architecture),
            "in_scale": self.in_scale,
            "actor_scale": self.actor_scale,
            "critic_scale": self.critic_scale,
        }


@Model.register("ActorCritic")
class ActorCritic(Model):
    """Separate MLP torsos for the policy and the value.

    Same calling convention and outputs as :class:`SharedActorCritic`.
    Attributes: ``actor_torso`` (``nnx.Sequential``), ``critic`` (the critic
    torso *and* its scalar head: ``nnx.Sequential`` ending in ``Linear(., 1)``),
    ``actor_mu``, ``actor_sigma``, ``log_std``, ``bij``, ``discrete``.
    """

    def __init__(
        self,
        observation_space_size: int,
        action_space_size: int,
        key: nnx.Rngs | int,
        *,
        actor_architecture: Sequence[int] = (42, 42, 42),
        critic_architecture: Sequence[int] = (42, 42, 42),
        in_scale: float = IN_SCALE,
        actor_scale: float = ACTOR_SCALE,
        critic_scale: float = CRITIC_SCALE,
        activation: str | Activation = "gelu",
        action_space: ActionSpace | None = None,
        actor_sigma_head: bool = False,
        discrete: bool = False,
        dtype: Any = "float32",
    ) -> None:
        self._init_common(
            observation_space_size, action_space_size, activation, action_space,
            actor_sigma_head, discrete, dtype,
        )  # fmt: skip
        key = as_rngs(key)
        self.actor_architecture = layer_sizes("actor_architecture", actor_architecture)
        self.critic_architecture = layer_sizes("critic_architecture", critic_architecture)
        self.in_scale = float(in_scale)
        self.actor_scale = float(actor_scale)
        self.critic_scale = float(critic_scale)
        self.actor_torso = nnx.Sequential(
            *mlp_layers(self.obs_dim, self.actor_architecture, self.activation, self.in_scale, key, self.dtype)
        )
        critic_features = self.critic_architecture[-1] if self.critic_architecture else self.obs_dim
        self.critic = nnx.Sequential(
            *mlp_layers(self.obs_dim, self.critic_architecture, self.activation, self.in_scale, key, self.dtype),
            linear(critic_features, 1, self.critic_scale, key, self.dtype),
        )
        actor_features = self.actor_architecture[-1] if self.actor_architecture else self.obs_dim
        self._init_heads(actor_features, self.actor_scale, key)

    def __call__(
        self,
        x: jax.Array | np.ndarray,
        sequence: bool = False,
        *,
        initial_carry: Any = None,
        done: Any = None,
        return_carry: bool = False,
    ) -> tuple[Policy, jax.Array] | tuple[Policy, jax.Array, None]:
        x = self._observation(x)
        pi, value = self._policy(self.actor_torso(x)), self.critic(x)
        return (pi, value, None) if return_carry else (pi, value)

    @property
    def metadata(self) -> dict[str, Any]:
        return {
            **self._common_metadata(),
            "actor_architecture": list(self.actor_architecture),
            "critic_architecture": list(self.critic_architecture),
            "in_scale": self.in_scale,
            "actor_scale": self.actor_scale,
            "critic_scale": self.critic_scale,
        }
