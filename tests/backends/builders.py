"""Small models for the tests, and hypothesis strategies over their
configurations, for either backend."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from hypothesis import strategies as st

from rlmodels_common.activations import ACTIVATIONS
from tests.backends.frameworks import Backend

MODEL_TYPES = ["SharedActorCritic", "ActorCritic", "LSTMActorCritic", "MinGRUActorCritic"]
FEED_FORWARD = ["SharedActorCritic", "ActorCritic"]
RECURRENT = ["LSTMActorCritic", "MinGRUActorCritic"]
BATCH_SHAPES = [(), (3,), (2, 3)]

SMALL: dict[str, dict[str, Any]] = {
    "SharedActorCritic": {"architecture": [8, 6]},
    "ActorCritic": {"actor_architecture": [8], "critic_architecture": [6, 5]},
    "LSTMActorCritic": {"hidden_features": 6, "lstm_features": 5},
    "MinGRUActorCritic": {"hidden_features": 6, "gru_features": 5, "num_layers": 2},
}


def build(backend: Backend, model_type: str, obs: int = 4, act: int = 3, key: Any = 0, **kwargs: Any) -> Any:
    return backend.rb.Model.create(model_type, observation_space_size=obs, action_space_size=act, key=key,
                                   **{**SMALL[model_type], **kwargs})  # fmt: skip


def randomize(model: Any, seed: int = 0, scale: float = 0.5) -> dict[str, np.ndarray]:
    """Give every parameter N(0, scale^2) values (init scales like 0.01 hide bugs)."""
    rng = np.random.default_rng(seed)
    params = {
        k: (scale * rng.standard_normal(v.shape)).astype(v.dtype) for k, v in model.canonical_params().items()
    }
    model.load_canonical_params(params)
    return params


def observations(backend: Backend, shape: tuple[int, ...], obs: int = 4, seed: int = 1) -> Any:
    """Standard normal observations ``(*shape, obs)``, float32, as the backend's array."""
    return backend.array(np.random.default_rng(seed).standard_normal((*shape, obs)), "float32")


def shapes(model: Any) -> dict[str, tuple[int, ...]]:
    return {k: v.shape for k, v in model.canonical_params().items()}


def sizes(backend: Backend, low: int, high: int) -> st.SearchStrategy[int]:
    """Sizes from ``low`` to ``high``. Where eager calls compile once per shape
    (JAX), under the ``ci`` profile only the ends and one between: few shapes
    let examples share those compilations (``fuzz`` draws all)."""
    if backend.compiles_per_shape and os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci":
        return st.sampled_from(sorted({low, (low + high) // 2, high}))
    return st.integers(low, high)


def batch_shapes(backend: Backend) -> st.SearchStrategy[tuple[int, ...]]:
    """Batch shapes (), (B,) and (B0, B1), from :func:`sizes`."""
    return st.one_of(st.just(()), sizes(backend, 1, 4).map(lambda b: (b,)),
                     st.tuples(sizes(backend, 1, 3), sizes(backend, 1, 3)))  # fmt: skip


@st.composite
def configs(draw, backend: Backend, model_types=tuple(MODEL_TYPES)) -> tuple[str, dict[str, Any]]:
    """(model_type, constructor kwargs) over every option that changes the math."""
    model_type = draw(st.sampled_from(model_types))
    size = lambda low, high: sizes(backend, low, high)  # noqa: E731
    layers = st.lists(size(1, 7), max_size=3)
    kwargs: dict[str, Any] = {
        "observation_space_size": draw(size(1, 6)),
        "action_space_size": draw(size(1, 4)),
        "activation": draw(st.sampled_from(sorted(ACTIVATIONS))),
        "discrete": draw(st.booleans()),
    }
    if model_type == "SharedActorCritic":
        kwargs["architecture"] = draw(layers)
    elif model_type == "ActorCritic":
        kwargs["actor_architecture"] = draw(layers)
        kwargs["critic_architecture"] = draw(layers)
    elif model_type == "LSTMActorCritic":
        kwargs["hidden_features"] = draw(size(1, 7))
        kwargs["lstm_features"] = draw(size(1, 7))
        kwargs["cell_type"] = draw(st.sampled_from(["OptimizedLSTMCell", "LSTMCell"]))
    else:
        kwargs["hidden_features"] = draw(size(1, 7))
        kwargs["gru_features"] = draw(st.one_of(st.just(kwargs["hidden_features"]), size(1, 7)))
        kwargs["num_layers"] = draw(size(1, 3))
    if not kwargs["discrete"]:
        kwargs["actor_sigma_head"] = draw(st.booleans())
        kwargs["action_space"] = draw(action_spaces(backend, kwargs["action_space_size"]))
    return model_type, kwargs


def action_spaces(backend: Backend, a: int) -> st.SearchStrategy[Any]:
    """Free, Box with per-dimension bounds, or MaxNorm, for ``a`` action dimensions."""
    rb = backend.rb
    boxes = st.lists(st.floats(-3, 3), min_size=a, max_size=a).flatmap(
        lambda lo: st.lists(st.floats(0.1, 4), min_size=a, max_size=a).map(
            lambda span: rb.Box(lo, [l + s for l, s in zip(lo, span)])
        )
    )
    return st.sampled_from(["Free", "Box", "MaxNorm"]).flatmap(
        lambda name: {"Free": st.just(rb.Free()), "Box": boxes, "MaxNorm": st.floats(0.1, 5).map(rb.MaxNorm)}[name]
    )
