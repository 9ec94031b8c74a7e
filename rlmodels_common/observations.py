"""What a model reads, framework-free: an array ``(*batch, obs)``, or with dict
observations (an ``ActorCritic`` whose actor and critic read one key each,
``ActorCriticConfig.observation_keys``) a mapping key -> ``(*batch, size)``.

The checks and messages both backends give for a mapping that does not fit,
and the helpers the tools outside the models use to draw, convert and
describe observations of either kind.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = [
    "check_batch", "check_keys", "describe_keys", "map_observation", "not_a_mapping", "observation_sizes",
    "random_observation",
]  # fmt: skip


def describe_keys(keys: Sequence[str]) -> str:
    """``"keys 'state' and 'privileged_state'"`` (or ``"key 'state'"``)."""
    return f"key {keys[0]!r}" if len(keys) == 1 else f"keys {' and '.join(map(repr, keys))}"


def check_keys(model_type: str, keys: Sequence[str], x: Any) -> None:
    """``TypeError`` unless ``x`` is a mapping, ``ValueError`` naming the keys
    of ``keys`` it lacks (other keys are ignored)."""
    if not isinstance(x, Mapping):
        raise TypeError(
            f"this {model_type} reads dict observations ({describe_keys(keys)}): expected a mapping key -> array, "
            f"got {type(x).__name__}"
        )
    missing = [k for k in keys if k not in x]
    if missing:
        raise ValueError(f"expected the observation keys {list(keys)}, got {list(x)}; missing {missing}")


def check_batch(shapes: Mapping[str, tuple[int, ...]]) -> None:
    """``ValueError`` unless every key's array has one batch shape."""
    first, *rest = shapes.values()
    if any(shape != first for shape in rest):  # not a set: symbolic sizes (torch.export) do not hash
        raise ValueError(f"expected one batch shape for every observation key, got {dict(shapes)}")


def not_a_mapping(model_type: str, size: int, x: Mapping[str, Any]) -> TypeError:
    """The error for a mapping given to a model that reads array observations."""
    return TypeError(
        f"this {model_type} reads array observations (..., {size}), got a mapping with keys {sorted(x)}; "
        "dict observations are an ActorCritic's with actor_observation_key and critic_observation_key"
    )


def observation_sizes(config: Any) -> int | dict[str, int]:
    """What a model of ``config`` reads: its observation size, or the size of
    each key it reads (dict observations; other keys of ``observation_space_size``
    are not read)."""
    keys, sizes = config.observation_keys, config.observation_space_size
    return sizes if keys is None else {k: sizes[k] for k in keys}


def map_observation(fn: Callable[[Any], Any], x: Any) -> Any:
    """``fn`` applied to an observation array, or to each array of a mapping."""
    return {k: fn(v) for k, v in x.items()} if isinstance(x, Mapping) else fn(x)


def random_observation(
    sizes: int | Mapping[str, int], batch: tuple[int, ...], rng: np.random.Generator, scale: float = 1.0
) -> np.ndarray | dict[str, np.ndarray]:
    """Standard normal observations times ``scale``, ``(*batch, size)``, one per
    key for a mapping of sizes (drawn in the mapping's order)."""
    if isinstance(sizes, Mapping):
        return {k: scale * rng.standard_normal((*batch, n)) for k, n in sizes.items()}
    return scale * rng.standard_normal((*batch, sizes))
