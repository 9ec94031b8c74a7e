"""Mapping a Brax PPO policy to our ``ActorCritic``: its configuration from
Brax's network config and parameters, and a rename map from Brax's parameter
paths to our canonical names (see docs/brax.md for what Brax computes).

- the observation normaliser: ``normalize_observations`` with its ``mean`` and
  ``std`` as ``normalizer.mean`` / ``normalizer.std`` (applied only where
  Brax's config says so: ``ppo.train`` saves statistics either way);
- dict observations: ``policy_obs_key`` / ``value_obs_key`` as
  ``actor_observation_key`` / ``critic_observation_key``, the sizes of those
  two keys as ``observation_space_size``, and each one's statistics as
  ``normalizer.<key>.mean`` / ``.std`` (other keys' statistics are dropped);
- the policy's MLP (``hidden_i``, ``LayerNorm_i``; the normal head's trunk
  ``MLP_0/...``) as ``actor_torso.layers.*`` (``actor_layer_norm`` where
  Brax has LayerNorms), the value's as ``critic.layers.*``;
- ``tanh_normal``: the last layer's ``2A`` outputs split into ``actor_mu``
  (loc) and the sigma head (softplus, ``min_std`` 0.001), squashed by
  ``Box(-1, 1, eps=0)`` (a plain ``tanh``);
- ``normal``: ``Dense_0`` is ``actor_mu`` (with ``mean_clip_scale``), the
  standard deviation ``std_param/value`` (``std``, used as is),
  ``std_logparam/log_value`` (``log_std``) or ``Dense_1`` (a sigma head,
  ``exp`` for ``noise_std_type="log"``, ``identity`` for ``"scalar"``); no squash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..configs import ActorCriticConfig, action_space_entry
from ..mapped import Mapped
from .source import BraxError, BraxSource

__all__ = ["BRAX_ACTIVATIONS", "Imported", "MIN_STD", "convert"]

BRAX_ACTIVATIONS = {
    "silu": "silu", "swish": "silu", "relu": "relu", "tanh": "tanh", "elu": "elu", "gelu": "gelu",
    "leaky_relu": "leaky_relu", "sigmoid": "sigmoid", "softplus": "softplus",
}  # fmt: skip
"""Brax's activation names (``networks.ACTIVATION``) that compute one of ours, as JAX defines both."""

MIN_STD = 0.001
"""``NormalTanhDistribution``'s ``min_std`` (PPO never changes it, nor its ``var_scale`` of 1)."""


@dataclass(frozen=True)
class Imported(Mapped):
    """A Brax policy mapped to ours: ``Model.from_metadata("ActorCritic",
    config.metadata())`` then ``load_canonical_params(tensors)`` builds it.
    ``mapped`` lists ``(Brax entry, canonical name)``, ``dropped`` ``(Brax
    entry, why)``; Brax entries are named by their place in the saved tuple:
    ``0/`` the normaliser, ``1/`` the policy, ``2/`` the value."""

    source: BraxSource
    config: ActorCriticConfig
    tensors: dict[str, np.ndarray]
    mapped: tuple[tuple[str, str], ...]
    dropped: tuple[tuple[str, str], ...]

    def table(self) -> str:
        """The mapping as a readable table: every Brax entry, where it went or why it was dropped."""
        kind = self.source.config.distribution_type
        return self.mapping_table(f"{self.source.description}: Brax PPO policy ({kind}) -> {self.model_type}", "Brax")


def convert(source: BraxSource) -> Imported:
    """Map a Brax policy read by ``read_brax`` to ours, checking every entry
    against the config. Raises ``BraxError`` naming what does not fit (an
    activation we do not compute, an observation that is not flat, a distributional critic,
    missing or unexpected parameters, shapes contradicting each other)."""
    cfg, where = source.config, source.description
    if source.value_params is None:
        raise BraxError(f"{where} holds no value parameters; import the (normaliser, policy, value) tuple ppo.train returns")
    if cfg.kwarg("use_distributional_critic"):
        raise BraxError(f"{where}: a distributional critic (use_distributional_critic) is not supported")
    activation = BRAX_ACTIVATIONS.get(cfg.activation)
    if activation is None:
        raise BraxError(f"{where}: activation {cfg.activation!r} is none we compute; supported: {sorted(BRAX_ACTIVATIONS)}")
    A, (obs, keys) = cfg.action_size, _observations(where, cfg.observation_shape, cfg.policy_obs_key, cfg.value_obs_key)
    tensors: dict[str, np.ndarray] = {}
    mapped: list[tuple[str, str]] = []
    dropped: list[tuple[str, str]] = []

    def take(brax: str, ours: str, array: np.ndarray) -> None:
        tensors[ours] = np.ascontiguousarray(array)
        mapped.append((brax, ours))

    policy, value = dict(source.policy_params), dict(source.value_params)
    options: dict[str, Any] = {"activation": activation, "initializer": "lecun_uniform"}
    if keys is not None:
        options |= {"actor_observation_key": cfg.policy_obs_key, "critic_observation_key": cfg.value_obs_key}
    if cfg.distribution_type == "tanh_normal":
        widths, actor_ln = _mlp(policy, "params/", "actor_torso", lambda b, o, a: take(f"1/{b}", o, a), final=True)
        head = policy.pop(f"params/hidden_{len(widths)}/kernel"), policy.pop(f"params/hidden_{len(widths)}/bias")
        if head[0].shape[-1] != 2 * A:
            raise BraxError(f"{where}: the policy's last layer has {head[0].shape[-1]} outputs; tanh_normal expects 2 x action_size = {2 * A}")
        last = f"1/params/hidden_{len(widths)}"
        for part, array in zip(("kernel", "bias"), head):
            take(f"{last}/{part}[..., :{A}]", f"actor_mu.{part}", array[..., :A])
            take(f"{last}/{part}[..., {A}:]", f"actor_sigma.layers.0.{part}", array[..., A:])
        options |= {"actor_sigma_head": True, "min_std": MIN_STD, "action_space": action_space_entry("Box", {"x_min": -1.0, "x_max": 1.0, "eps": 0.0})}
    else:
        widths, actor_ln = _mlp(policy, "params/MLP_0/", "actor_torso", lambda b, o, a: take(f"1/{b}", o, a), final=False)
        for part in ("kernel", "bias"):
            take(f"1/params/Dense_0/{part}", f"actor_mu.{part}", policy.pop(f"params/Dense_0/{part}"))
        options |= {"mean_clip_scale": cfg.mean_clip_scale, "action_space": action_space_entry("Free", {})}
        options |= _std(policy, cfg.state_dependent_std, cfg.noise_std_type, take)
    critic_widths, critic_ln = _mlp(value, "params/", "critic", lambda b, o, a: take(f"2/{b}", o, a), final=True)
    if critic_ln:
        raise BraxError(f"{where}: the value network has LayerNorms, which Brax 0.14.2's PPO value networks never have")
    for part in ("kernel", "bias"):
        last = f"params/hidden_{len(critic_widths)}/{part}"
        take(f"2/{last}", f"critic.layers.{2 * len(critic_widths)}.{part}", value.pop(last))
    leftover = sorted(f"policy {k}" for k in policy) + sorted(f"value {k}" for k in value)
    if leftover:
        raise BraxError(f"{where}: parameters the {cfg.distribution_type} policy does not explain: {leftover}")
    if cfg.normalize_observations:
        dtype = tensors["actor_mu.kernel"].dtype
        for key in keys or (None,):
            mean, std = source.normalizer.statistics(key)
            brax, ours = ("", "normalizer") if key is None else (f"/{key}", f"normalizer.{key}")
            take(f"0/mean{brax}", f"{ours}.mean", mean.astype(dtype))
            take(f"0/std{brax}", f"{ours}.std", std.astype(dtype))
        unread = [k for k in source.normalizer.keys or () if k not in (keys or ())]
        dropped += [(f"0/mean/{k}, 0/std/{k}", f"statistics of the observation key {k!r}, which neither network reads") for k in unread]
        dropped += [("0/summed_variance, 0/count, 0/std_eps", "running statistics for updating mean and std; the policy applies mean and std")]
    else:
        dropped += [("0 (the normaliser)", "normalize_observations is false: Brax's networks do not apply it, though ppo.train saved it")]
    try:
        config = ActorCriticConfig(
            observation_space_size=obs, action_space_size=A, actor_architecture=widths, critic_architecture=critic_widths,
            actor_layer_norm=actor_ln, normalize_observations=cfg.normalize_observations,
            dtype=_dtype(where, tensors), **options,
        )  # fmt: skip
    except (TypeError, ValueError) as e:
        raise BraxError(f"{where}: {e}") from None
    _check_shapes(where, config, tensors)
    return Imported(source, config, tensors, tuple(mapped), tuple(dropped))


def _observations(
    where: str, shape: tuple[int, ...] | dict[str, tuple[int, ...]], policy_key: str, value_key: str
) -> tuple[int | dict[str, int], tuple[str, ...] | None]:
    """Our ``observation_space_size`` and the observation keys the networks read
    (None for array observations, where Brax ignores the keys); each flat."""
    if not isinstance(shape, dict):
        if len(shape) != 1:
            raise BraxError(f"{where}: expected flat observations (one axis), got shape {shape}")
        return shape[0], None
    keys = tuple(dict.fromkeys((policy_key, value_key)))
    for key in keys:
        if len(shape[key]) != 1:
            raise BraxError(f"{where}: expected flat observations (one axis) under {key!r}, got shape {shape[key]}")
    return {key: shape[key][0] for key in keys}, keys


def _mlp(params: dict[str, np.ndarray], prefix: str, ours: str, take: Any, final: bool) -> tuple[list[int], bool]:
    """Move Brax's ``hidden_i`` (and ``LayerNorm_i``) under ``prefix`` into our
    ``Sequential`` ``ours``: all of them, or (``final``) all but the last,
    which has no activation. Returns the widths and whether LayerNorms follow."""
    indices = sorted(int(m.group(1)) for k in params if (m := re.fullmatch(rf"{re.escape(prefix)}hidden_(\d+)/kernel", k)))
    if indices != list(range(len(indices))) or (final and not indices):
        raise BraxError(f"expected Dense layers {prefix}hidden_0, hidden_1, ... got {sorted(k for k in params if 'hidden_' in k)}")
    hidden = indices[:-1] if final else indices
    widths = [int(params[f"{prefix}hidden_{i}/kernel"].shape[-1]) for i in hidden]
    layer_norm = f"{prefix}LayerNorm_0/scale" in params
    stride = 3 if layer_norm else 2
    for i in hidden:
        for part in ("kernel", "bias"):
            take(f"{prefix}hidden_{i}/{part}", f"{ours}.layers.{stride * i}.{part}", params.pop(f"{prefix}hidden_{i}/{part}"))
        if layer_norm:
            for part in ("scale", "bias"):
                take(f"{prefix}LayerNorm_{i}/{part}", f"{ours}.layers.{stride * i + 2}.{part}", params.pop(f"{prefix}LayerNorm_{i}/{part}"))
    return widths, layer_norm and bool(hidden)


def _std(policy: dict[str, np.ndarray], state_dependent: bool, noise: str, take: Any) -> dict[str, Any]:
    """The normal head's standard deviation: a sigma head (``Dense_1``) or a parameter."""
    if state_dependent:
        for part in ("kernel", "bias"):
            take(f"1/params/Dense_1/{part}", f"actor_sigma.layers.0.{part}", policy.pop(f"params/Dense_1/{part}"))
        return {"actor_sigma_head": True, "sigma_activation": "exp" if noise == "log" else "identity"}
    if noise == "log":
        take("1/params/std_logparam/log_value", "log_std", policy.pop("params/std_logparam/log_value")[None])
        return {}
    take("1/params/std_param/value", "std", policy.pop("params/std_param/value")[None])
    return {"learn_log_std": False}


def _dtype(where: str, tensors: Mapping[str, np.ndarray]) -> str:
    dtypes = sorted({a.dtype.name for a in tensors.values()})
    if len(dtypes) != 1 or dtypes[0] not in ("float32", "float64"):
        raise BraxError(f"{where}: expected every parameter float32 or every one float64, got {dtypes}")
    return dtypes[0]


def _check_shapes(where: str, config: ActorCriticConfig, tensors: Mapping[str, np.ndarray]) -> None:
    expected = config.parameter_shapes()
    problems = [f"{k}: expected {expected[k]}, got {tuple(a.shape)}" for k, a in sorted(tensors.items()) if k in expected and tuple(a.shape) != expected[k]]
    missing, unexpected = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or unexpected or problems:
        raise BraxError(f"{where}: the parameters contradict each other: missing {missing}, unexpected {unexpected}; {'; '.join(problems)}")
