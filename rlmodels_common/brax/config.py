"""Brax's ``ppo_network_config.json``, parsed here rather than by Brax: Brax
0.14.2's own ``load_config`` fails on the files its ``save`` writes (it looks
up ``"mean_kernel_init_fn": null`` as an initializer name, and passes the
observation size through as saved, ``{"shape": [n], "dtype": "unserializable
object: float32"}``). Nothing named in the file is imported: activations and
initializers stay names."""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .source import BraxError

CONFIG_FILE = "ppo_network_config.json"

PPO_NETWORK_DEFAULTS: dict[str, Any] = {
    "policy_hidden_layer_sizes": (32,) * 4,
    "value_hidden_layer_sizes": (256,) * 5,
    "activation": "silu",  # linen.swish, saved under its __name__
    "policy_obs_key": "state",
    "value_obs_key": "state",
    "distribution_type": "tanh_normal",
    "noise_std_type": "scalar",
    "init_noise_std": 1.0,
    "state_dependent_std": False,
    "policy_network_kernel_init_fn": "lecun_uniform",
    "policy_network_kernel_init_kwargs": None,
    "value_network_kernel_init_fn": "lecun_uniform",
    "value_network_kernel_init_kwargs": None,
    "mean_clip_scale": None,
    "mean_kernel_init_fn": None,
    "mean_kernel_init_kwargs": None,
    "use_distributional_critic": False,
    "num_quantiles": 32,
}
"""The defaults of Brax 0.14.2's ``ppo.networks.make_ppo_networks``: a config
written through another factory records only that factory's keyword defaults."""

Shape = tuple[int, ...]
_SPEC_KEYS = {"shape", "dtype", "name"}


@dataclass(frozen=True)
class BraxNetworkConfig:
    """What ``ppo_network_config.json`` says. ``observation_shape`` is one shape
    for array observations or a shape per key; ``network_factory_kwargs`` is
    the file's dict as written (nulls kept, unknown keys kept). The properties
    read a keyword, falling back to :data:`PPO_NETWORK_DEFAULTS`."""

    description: str
    action_size: int
    normalize_observations: bool
    observation_shape: Shape | dict[str, Shape]
    network_factory_kwargs: dict[str, Any]

    def kwarg(self, name: str) -> Any:
        """A network factory keyword as written, or Brax's default for it."""
        return self.network_factory_kwargs.get(name, PPO_NETWORK_DEFAULTS.get(name))

    @property
    def distribution_type(self) -> str:
        return self.kwarg("distribution_type")  # type: ignore[no-any-return]

    @property
    def activation(self) -> str:
        return self.kwarg("activation")  # type: ignore[no-any-return]

    @property
    def policy_hidden_layer_sizes(self) -> tuple[int, ...]:
        return tuple(self.kwarg("policy_hidden_layer_sizes"))

    @property
    def value_hidden_layer_sizes(self) -> tuple[int, ...]:
        return tuple(self.kwarg("value_hidden_layer_sizes"))

    @property
    def policy_obs_key(self) -> str:
        return self.kwarg("policy_obs_key")  # type: ignore[no-any-return]

    @property
    def value_obs_key(self) -> str:
        return self.kwarg("value_obs_key")  # type: ignore[no-any-return]

    @property
    def noise_std_type(self) -> str:
        return self.kwarg("noise_std_type")  # type: ignore[no-any-return]

    @property
    def state_dependent_std(self) -> bool:
        return bool(self.kwarg("state_dependent_std"))

    @property
    def init_noise_std(self) -> float:
        return float(self.kwarg("init_noise_std"))

    @property
    def mean_clip_scale(self) -> float | None:
        value = self.kwarg("mean_clip_scale")
        return None if value is None else float(value)


def parse_config(config: str | os.PathLike[str] | Mapping[str, Any]) -> BraxNetworkConfig:
    """Parse a Brax PPO network config: the path of ``ppo_network_config.json``
    (or of the step folder holding it), or the JSON's dict. Raises
    ``BraxError`` naming the key for a missing or malformed entry."""
    if isinstance(config, Mapping):
        where, raw = "the network config dict", copy.deepcopy(dict(config))
    elif isinstance(config, (str, os.PathLike)):
        path = Path(config)
        path = path / CONFIG_FILE if path.is_dir() else path
        where, raw = str(path), _load_json(path)
    else:
        raise TypeError(
            f"config: expected the path of {CONFIG_FILE} or its dict, got {type(config).__name__}"
        )
    for key in ("action_size", "normalize_observations", "observation_size", "network_factory_kwargs"):
        if key not in raw:
            raise BraxError(f"{where} has no {key!r}; expected Brax's {CONFIG_FILE} (keys {sorted(raw)})")
    action_size = raw["action_size"]
    if isinstance(action_size, bool) or not isinstance(action_size, int) or action_size < 1:
        raise BraxError(f"{where}: action_size must be a positive integer, got {action_size!r}")
    if not isinstance(raw["normalize_observations"], bool):
        raise BraxError(f"{where}: normalize_observations must be true or false, got {raw['normalize_observations']!r}")
    kwargs = raw["network_factory_kwargs"]
    if not isinstance(kwargs, dict):
        raise BraxError(f"{where}: network_factory_kwargs must be an object, got {type(kwargs).__name__}")
    parsed = BraxNetworkConfig(
        where, action_size, raw["normalize_observations"], _observation_shape(raw["observation_size"], where), kwargs
    )
    _check_kwargs(parsed)
    return parsed


def _load_json(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError:
        raise BraxError(
            f"{path} does not exist; pass config= the {CONFIG_FILE} that ppo.train wrote beside the params"
        ) from None
    except (OSError, ValueError) as e:
        raise BraxError(f"{path} is truncated or not JSON: {e}") from None
    if not isinstance(raw, dict):
        raise BraxError(f"{path}: expected a JSON object, got {type(raw).__name__}")
    return raw


def _observation_shape(entry: Any, where: str) -> Shape | dict[str, Shape]:
    """An observation size as Brax writes it: an int, a shape list, a
    ``specs.Array`` saved as ``{"shape": [...], "dtype": "..."}``, or a dict by key of these."""
    if isinstance(entry, Mapping) and not _is_spec(entry):
        if not entry:
            raise BraxError(f"{where}: observation_size is an empty dict")
        return {str(key): _shape(value, f"{where}: observation_size[{key!r}]") for key, value in entry.items()}
    return _shape(entry, f"{where}: observation_size")


def _is_spec(entry: Mapping[str, Any]) -> bool:
    return set(entry) <= _SPEC_KEYS and "shape" in entry and isinstance(entry["shape"], (list, tuple))


def _shape(entry: Any, where: str) -> Shape:
    if isinstance(entry, Mapping) and _is_spec(entry):
        entry = entry["shape"]
    if isinstance(entry, int) and not isinstance(entry, bool):
        entry = [entry]
    if isinstance(entry, (list, tuple)) and entry and all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in entry
    ):
        return tuple(entry)
    raise BraxError(
        f"{where} is {entry!r}; expected a positive int, a shape list, or {{\"shape\": [...], \"dtype\": ...}}"
    )


def _check_kwargs(config: BraxNetworkConfig) -> None:
    """The keywords the reader interprets, with the values Brax 0.14.2 accepts."""
    where = config.description
    choices = {"distribution_type": ("tanh_normal", "normal"), "noise_std_type": ("scalar", "log")}
    for name, allowed in choices.items():
        if config.kwarg(name) not in allowed:
            raise BraxError(f"{where}: {name} is {config.kwarg(name)!r}; Brax accepts {' or '.join(allowed)}")
    for name in ("activation", "policy_obs_key", "value_obs_key"):
        if not isinstance(config.kwarg(name), str):
            raise BraxError(f"{where}: {name} must be a name (string), got {config.kwarg(name)!r}")
    for name in ("policy_hidden_layer_sizes", "value_hidden_layer_sizes"):
        sizes = config.kwarg(name)
        if not isinstance(sizes, (list, tuple)) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes
        ):
            raise BraxError(f"{where}: {name} must be a list of positive ints, got {sizes!r}")
    for name, nullable in (("init_noise_std", False), ("mean_clip_scale", True)):
        value = config.kwarg(name)
        if not (value is None and nullable) and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise BraxError(f"{where}: {name} must be a number{' or null' if nullable else ''}, got {value!r}")
    if isinstance(config.observation_shape, dict):
        for name in ("policy_obs_key", "value_obs_key"):
            if config.kwarg(name) not in config.observation_shape:
                raise BraxError(
                    f"{where}: {name} is {config.kwarg(name)!r}, not one of the observation keys "
                    f"{sorted(config.observation_shape)}"
                )


__all__ = ["CONFIG_FILE", "PPO_NETWORK_DEFAULTS", "BraxNetworkConfig", "parse_config"]
