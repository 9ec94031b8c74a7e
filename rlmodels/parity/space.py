"""The space of model configurations and probe layouts fuzzing draws from,
stated once for both ways of choosing in it: hypothesis (``strategies``,
whose draws shrink) and a numpy generator (:func:`random_configs`, a pool
for a fuzzing run). Framework-free; the model-specific fields are drawn as
their configurations say (``rlmodels_common.configs``: each field's ``draw``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol, Sequence

import numpy as np

from rlmodels_common.activations import ACTIVATIONS
from rlmodels_common.configs import CONFIGS, jsonable

from .inputs import FEED_FORWARD_BATCHES, ROLLOUT_BATCHES, Layout

__all__ = ["ACTION_SPACES", "MODEL_TYPES", "Choose", "Sample", "draw_action_space", "draw_config", "draw_layout", "random_configs"]

MODEL_TYPES = tuple(CONFIGS)
ACTION_SPACES = ("Free", "Box", "MaxNorm")


class Choose(Protocol):
    """A way of making choices: hypothesis's ``draw`` or a numpy generator."""

    def one_of(self, options: Sequence[Any]) -> Any: ...

    def uniform(self, low: float, high: float) -> float: ...

    def some_of(self, options: Sequence[Any], max_size: int) -> list[Any]: ...

    def integer(self, low: int, high: int) -> int: ...

    def permutation(self, options: Sequence[Any]) -> list[Any]: ...


class Sample:
    """Choices drawn from a numpy generator (:func:`random_configs`)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng

    def one_of(self, options: Sequence[Any]) -> Any:
        return options[int(self._rng.integers(len(options)))]

    def uniform(self, low: float, high: float) -> float:
        return float(self._rng.uniform(low, high))

    def some_of(self, options: Sequence[Any], max_size: int) -> list[Any]:
        return [self.one_of(options) for _ in range(int(self._rng.integers(max_size + 1)))]

    def integer(self, low: int, high: int) -> int:
        return int(self._rng.integers(low, high + 1))

    def permutation(self, options: Sequence[Any]) -> list[Any]:
        return [options[i] for i in self._rng.permutation(len(options))]


def draw_action_space(choose: Choose, action_size: int, kinds: Sequence[str]) -> dict[str, Any]:
    kind = choose.one_of(list(kinds))
    if kind == "Box":
        scalar = choose.one_of([False, True])
        lo = [choose.uniform(-5, 5) for _ in range(1 if scalar else action_size)]
        hi = [low + choose.uniform(0.1, 5) for low in lo]
        kwargs: dict[str, Any] = {"x_min": lo[0] if scalar else lo, "x_max": hi[0] if scalar else hi}
        return {"type": "Box", "kwargs": kwargs | {"width": choose.one_of([1.0, 0.5, 2.0]), "eps": 1e-6}}
    if kind == "MaxNorm":
        return {"type": "MaxNorm", "kwargs": {"max_norm": choose.uniform(0.2, 5), "eps": 1e-6}}
    return {"type": "Free", "kwargs": {}}


def draw_config(
    choose: Choose,
    model_types: Sequence[str] = MODEL_TYPES,
    discrete: bool | None = None,
    action_space_kinds: Sequence[str] = ACTION_SPACES,
    actor_sigma_head: bool | None = None,
    activations: Sequence[str] | None = None,
    cell_types: Sequence[str] | None = None,
    dtype: str = "float32",
    sizes: Sequence[int] = (3, 5),
    widths: Sequence[int] = (4, 7),
    max_layers: int = 2,
    dict_observations: bool | None = None,
) -> tuple[str, dict[str, Any]]:
    """The configuration space, stated once for both ways of choosing in it:
    the common arguments here, each model's own from its configuration's
    fields (``rlmodels_common.configs``: what each field ``draw``s), and for
    an ``ActorCritic`` dict observations (one draw in four, unless
    ``dict_observations`` says): the actor reading ``state``, the critic
    ``privileged_state`` or ``state`` too (``privileged_state`` then unread)."""
    model_type = choose.one_of(list(model_types))
    is_discrete = choose.one_of([False, True]) if discrete is None else discrete
    action_size = choose.one_of([1, 2, 3])
    meta: dict[str, Any] = {
        "observation_space_size": choose.one_of(list(sizes)),
        "action_space_size": action_size,
        "activation": choose.one_of(sorted(activations or ACTIVATIONS)),
        "action_space": None if is_discrete else draw_action_space(choose, action_size, action_space_kinds),
        "actor_sigma_head": False if is_discrete else (choose.one_of([False, True]) if actor_sigma_head is None else actor_sigma_head),
        "discrete": is_discrete,
        "dtype": dtype,
    }
    for field in dataclasses.fields(CONFIGS[model_type]):
        if field.name in meta:
            continue
        draw, choices = field.metadata.get("draw"), field.metadata["kind"].choices
        if draw == "width":
            meta[field.name] = choose.one_of(list(widths))
        elif draw == "depth":
            meta[field.name] = choose.integer(1, max_layers + 1)
        elif draw == "widths":
            meta[field.name] = choose.some_of(widths, max_layers)
        elif draw == "flag":
            meta[field.name] = choose.one_of([False, True])
        elif choices is not None:  # cell_types narrows the LSTM cells
            meta[field.name] = choose.one_of([c for c in choices if cell_types is None or c in cell_types])
        else:
            meta[field.name] = jsonable(field.default)
    if model_type == "ActorCritic" and (
        choose.one_of([False, False, False, True]) if dict_observations is None else dict_observations
    ):  # fmt: skip
        meta["observation_space_size"] = {"state": meta["observation_space_size"], "privileged_state": choose.one_of(list(sizes))}
        meta |= {"actor_observation_key": "state", "critic_observation_key": choose.one_of(["privileged_state", "state"])}
    return model_type, meta


def draw_layout(choose: Choose, min_steps: int = 50, max_steps: int = 60) -> Layout:
    n = choose.integer(min_steps, max_steps)
    order = choose.permutation(list(ROLLOUT_BATCHES))
    lengths = np.diff(np.linspace(0, n, len(order) + 1).astype(int))
    sequence = (choose.one_of([5, 12]), choose.one_of([(3,), (2, 2)]))
    feed_forward = tuple(choose.permutation(list(FEED_FORWARD_BATCHES)))
    return Layout(tuple((b, int(k)) for b, k in zip(order, lengths)), sequence, feed_forward)


def random_configs(count: int, seed: int, **kwargs: Any) -> list[tuple[str, dict[str, Any], Layout]]:
    """``count`` configurations from the space of :func:`model_configs`, each
    with a layout from that of :func:`layouts`, drawn with numpy from ``seed``:
    a pool for a fuzzing run to draw from, so that each compilation serves
    many examples."""
    rng = np.random.default_rng(seed)
    return [(*draw_config(Sample(rng), **kwargs), draw_layout(Sample(rng))) for _ in range(count)]
