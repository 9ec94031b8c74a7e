"""The feed-forward actor-critics: one shared torso, or separate actor and critic torsos."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..initialization import ACTOR_SCALE, CRITIC_SCALE, IN_SCALE
from .base import ModelConfig, Shapes, linear_shapes
from .fields import FLAG, NUMBER, OBSERVATION_KEY, SIZES, maybe, one_of, option

__all__ = ["INITIALIZERS", "ActorCriticConfig", "SharedActorCriticConfig"]

INITIALIZERS = ("orthogonal", "lecun_uniform")
"""How the MLP models draw their Linear layers' initial parameters."""


@dataclass(frozen=True, kw_only=True)
class SharedActorCriticConfig(ModelConfig):
    """``SharedActorCritic``: an MLP torso ``network`` (``Linear, activation``
    pairs of widths ``architecture``, orthogonal gain ``in_scale``; with
    ``layer_norm``, a LayerNorm after each activation), the policy head
    ``actor_mu`` (gain ``actor_scale``) and the value head ``critic`` (gain
    ``critic_scale``) on its output."""

    model_type: ClassVar[str] = "SharedActorCritic"
    architecture: tuple[int, ...] = option(SIZES, (42, 42, 42), draw="widths")
    in_scale: float = option(NUMBER, IN_SCALE)
    actor_scale: float = option(NUMBER, ACTOR_SCALE)
    critic_scale: float = option(NUMBER, CRITIC_SCALE)
    layer_norm: bool = option(FLAG, False, draw="flag", added="0.2")
    initializer: str = option(one_of(INITIALIZERS), "orthogonal", added="0.2")

    @property
    def features(self) -> int:
        """The width the heads read: the torso's last layer, or the observation."""
        return self.architecture[-1] if self.architecture else self.observation_space_size

    def parameter_shapes(self) -> Shapes:
        shapes, features = mlp_shapes("network", self.observation_space_size, self.architecture, self.layer_norm)
        return shapes | self.head_shapes(features) | linear_shapes("critic", features, 1)


@dataclass(frozen=True, kw_only=True)
class ActorCriticConfig(ModelConfig):
    """``ActorCritic``: an actor torso ``actor_torso`` (widths
    ``actor_architecture``; with ``actor_layer_norm`` a LayerNorm after each
    activation) with the policy head, and a critic ``critic``: its own torso
    (widths ``critic_architecture``; ``critic_layer_norm``) ending in the
    scalar value ``Linear``. Gains and ``initializer`` as
    :class:`SharedActorCriticConfig`.

    Dict observations (MuJoCo Playground's ``state`` and ``privileged_state``):
    ``observation_space_size`` a mapping key -> size, the actor torso reading
    the key ``actor_observation_key`` and the critic ``critic_observation_key``
    (both set, both keys of it; None with array observations); the normaliser
    then keeps ``normalizer.<key>.mean`` and ``.std`` per key read."""

    model_type: ClassVar[str] = "ActorCritic"
    dict_observations: ClassVar[bool] = True
    actor_architecture: tuple[int, ...] = option(SIZES, (42, 42, 42), draw="widths")
    critic_architecture: tuple[int, ...] = option(SIZES, (42, 42, 42), draw="widths")
    in_scale: float = option(NUMBER, IN_SCALE)
    actor_scale: float = option(NUMBER, ACTOR_SCALE)
    critic_scale: float = option(NUMBER, CRITIC_SCALE)
    actor_layer_norm: bool = option(FLAG, False, draw="flag", added="0.2")
    critic_layer_norm: bool = option(FLAG, False, draw="flag", added="0.2")
    initializer: str = option(one_of(INITIALIZERS), "orthogonal", added="0.2")
    actor_observation_key: str | None = option(maybe(OBSERVATION_KEY), None, added="0.2")
    critic_observation_key: str | None = option(maybe(OBSERVATION_KEY), None, added="0.2")

    def __post_init__(self) -> None:
        super().__post_init__()
        sizes, actor, critic = self.observation_space_size, self.actor_observation_key, self.critic_observation_key
        keys = f"actor_observation_key {actor!r}, critic_observation_key {critic!r}"
        if not isinstance(sizes, dict):
            if actor is not None or critic is not None:
                raise ValueError(
                    "actor_observation_key and critic_observation_key apply to dict observations (observation_space_size "
                    f"a mapping key -> size); got observation_space_size {sizes!r} with {keys}; give the size per key or drop the keys"
                )
            return
        if actor is None or critic is None:
            raise ValueError(f"dict observations need both actor_observation_key and critic_observation_key; got {keys}")
        for name, key in (("actor_observation_key", actor), ("critic_observation_key", critic)):
            if key not in sizes:
                raise ValueError(f"expected {name} one of the observation keys {sorted(sizes)}, got {key!r}")

    @property
    def observation_keys(self) -> tuple[str, ...] | None:
        """``(actor_observation_key, critic_observation_key)`` (one key if they
        are the same: the actor's key is first, the critic's last); None for
        array observations."""
        if self.actor_observation_key is None:
            return None
        return tuple(dict.fromkeys((self.actor_observation_key, self.critic_observation_key)))

    @property
    def actor_observation_size(self) -> int:
        """The width of what the actor torso reads: its key's size, or the observation's."""
        return self._size(self.actor_observation_key)

    @property
    def critic_observation_size(self) -> int:
        """The width of what the critic reads: its key's size, or the observation's."""
        return self._size(self.critic_observation_key)

    def _size(self, key: str | None) -> int:
        sizes = self.observation_space_size
        return sizes if key is None else sizes[key]  # type: ignore[index,return-value]

    @property
    def actor_features(self) -> int:
        """The width the policy head reads: the actor torso's last layer, or the observation."""
        return self.actor_architecture[-1] if self.actor_architecture else self.actor_observation_size

    def parameter_shapes(self) -> Shapes:
        shapes, features = mlp_shapes("actor_torso", self.actor_observation_size, self.actor_architecture, self.actor_layer_norm)
        critic, critic_features = mlp_shapes("critic", self.critic_observation_size, self.critic_architecture, self.critic_layer_norm)
        head = (3 if self.critic_layer_norm else 2) * len(self.critic_architecture)
        value = linear_shapes(f"critic.layers.{head}", critic_features, 1)
        return shapes | critic | value | self.head_shapes(features)


def mlp_shapes(prefix: str, features: int, sizes: tuple[int, ...], layer_norm: bool = False) -> tuple[Shapes, int]:
    """``Linear, activation`` pairs in a ``Sequential`` (kernels at ``layers.0,
    layers.2, ...``), or with ``layer_norm`` ``Linear, activation, LayerNorm``
    triples (kernels at ``layers.0, layers.3, ...``, LayerNorm ``scale`` and
    ``bias`` at ``layers.2, layers.5, ...``); and the width of the last."""
    shapes: Shapes = {}
    stride = 3 if layer_norm else 2
    for i, size in enumerate(sizes):
        shapes |= linear_shapes(f"{prefix}.layers.{stride * i}", features, size)
        if layer_norm:
            shapes |= {f"{prefix}.layers.{stride * i + 2}.{name}": (size,) for name in ("scale", "bias")}
        features = size
    return shapes, features
