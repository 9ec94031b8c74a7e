"""Feed-forward actor-critics: one shared torso, or separate actor and critic torsos."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F

from rlmodels_common.configs import ActorCriticConfig, SharedActorCriticConfig
from rlmodels_common.intermediates import record

from ..dtypes import TORCH_DTYPES
from .layers import Sequential, linear
from .model import Model, Policy


@Model.register("SharedActorCritic")
class SharedActorCritic(Model):
    """A shared MLP torso with a policy head and a value head
    (``rlmodels_common.configs.SharedActorCriticConfig`` states the arguments).

    ``pi, value = model(x)`` for ``x`` of shape ``(..., observation_space_size)``:
    ``pi`` has batch shape ``x.shape[:-1]`` (continuous: a ``Transformed``
    Gaussian over ``(..., action_space_size)`` actions; discrete: a
    ``Categorical`` over ``action_space_size`` choices) and ``value`` is
    ``(..., 1)``. ``sequence`` and the recurrent keywords (``initial_carry``,
    ``done``) are accepted so one training loop drives every model, and have no
    effect: the model has no carry and acts on every leading index alike;
    ``return_carry=True`` adds ``None`` as a third output, ``carry`` is None,
    ``reset`` does nothing and ``step(x, None)`` is ``(*model(x), None)``.
    ``device`` places the parameters (as ``.to(device)`` after construction).

    Attributes: ``config``, ``network`` (torso, ``Sequential``; empty for
    ``architecture=[]``; with ``layer_norm`` a LayerNorm after each
    activation), ``actor_mu``, ``actor_sigma`` (softplus head, or None
    when the independent ``log_std`` parameter ``(1, A)`` is used or the model is
    discrete), ``log_std``, ``critic``, ``bij``, ``discrete``.
    """

    config_class = SharedActorCriticConfig

    def _build(self, config: Any, key: torch.Generator) -> None:
        init = config.initializer
        self.network = mlp(
            "network", self.obs_dim, config.architecture, key, activation=self.activation, scale=config.in_scale,
            dtype=config.dtype, layer_norm=config.layer_norm, init=init,
        )  # fmt: skip
        self._init_heads(config.features, config.actor_scale, key, init)
        self.critic = linear(config.features, 1, config.critic_scale, key, config.dtype, init=init)

    def _forward(self, x: torch.Tensor) -> tuple[Policy, torch.Tensor]:
        features = self.network(x)
        return self._policy(features), record("critic", self.critic(features))


@Model.register("ActorCritic")
class ActorCritic(Model):
    """Separate MLP torsos for the policy and the value
    (``rlmodels_common.configs.ActorCriticConfig``).

    Same calling convention and outputs as :class:`SharedActorCritic`; with
    dict observations (``actor_observation_key`` and ``critic_observation_key``
    set) ``x`` is a mapping key -> ``(..., size)``: the actor torso reads
    ``x[actor_observation_key]``, the critic ``x[critic_observation_key]``
    (one batch shape; other keys are ignored), each normalised with its own
    statistics (``normalizer.<key>.mean`` / ``.std``).
    Attributes: ``config``, ``actor_torso`` (``Sequential``), ``critic`` (the
    critic torso *and* its scalar head: ``Sequential`` ending in ``Linear(., 1)``),
    ``actor_mu``, ``actor_sigma``, ``log_std``, ``bij``, ``discrete``.
    """

    config_class = ActorCriticConfig

    def _build(self, config: Any, key: torch.Generator) -> None:
        layers = dict(activation=self.activation, scale=config.in_scale, dtype=config.dtype, init=config.initializer)
        actor, critic = config.actor_observation_size, config.critic_observation_size
        self.actor_torso = mlp("actor_torso", actor, config.actor_architecture, key, layer_norm=config.actor_layer_norm, **layers)
        self.critic = mlp(
            "critic", critic, config.critic_architecture, key, layer_norm=config.critic_layer_norm,
            value_scale=config.critic_scale, **layers,
        )  # fmt: skip
        self._init_heads(config.actor_features, config.actor_scale, key, config.initializer)

    def _forward(self, x: Any) -> tuple[Policy, torch.Tensor]:
        if self.observation_keys is None:
            return self._policy(self.actor_torso(x)), self.critic(x)
        return self._policy(self.actor_torso(x[0])), self.critic(x[1])  # dict observations: (actor's, critic's)


def mlp(
    path: str,
    in_features: int,
    sizes: Sequence[int],
    key: torch.Generator,
    *,
    activation: Callable[[torch.Tensor], torch.Tensor],
    scale: float,
    dtype: str,
    layer_norm: bool = False,
    init: str = "orthogonal",
    value_scale: float | None = None,
) -> Sequential:
    """``Linear, activation`` pairs of widths ``sizes`` (kernels at ``layers.0,
    layers.2, ...``; orthogonal with gain ``scale``, or as ``init`` says), each
    followed by a LayerNorm with ``layer_norm``; then, if ``value_scale`` is
    given, a value layer ``Linear(., 1)`` of that gain (a critic's), drawn last."""
    layers: list[Any] = []
    for size in sizes:
        layers += [linear(in_features, size, scale, key, dtype, init=init), activation]
        if layer_norm:
            layers.append(LayerNorm(size, dtype))
        in_features = size
    if value_scale is not None:
        layers.append(linear(in_features, 1, value_scale, key, dtype, init=init))
    return Sequential(path, *layers)


class LayerNorm(torch.nn.Module):
    """Flax's ``LayerNorm`` over the last axis (epsilon 1e-6), its parameters
    under Flax's names: ``scale`` (ones) and ``bias`` (zeros), ``(features,)``."""

    def __init__(self, features: int, dtype: str) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(features, dtype=TORCH_DTYPES[dtype]))
        self.bias = torch.nn.Parameter(torch.zeros(features, dtype=TORCH_DTYPES[dtype]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, self.scale.shape, self.scale, self.bias, eps=1e-6)

