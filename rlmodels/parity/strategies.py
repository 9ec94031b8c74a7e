"""Hypothesis strategies for fuzzing models and their ports (needs ``hypothesis``).

Everything here is framework-free: configurations are ``(model_type,
metadata)`` pairs that either backend builds with ``Model.from_metadata``, and
inputs are numpy arrays (``rlmodels_common.probe``). Sizes are drawn from
small sets by default, because JAX compiles every operation once per shape:
few distinct shapes keep a long fuzzing run fast. Widen them for your own
models as needed::

    from hypothesis import given
    from rlmodels import compare, strategies

    @given(strategies.probe_inputs("LSTMActorCritic", my_jax_model.metadata))
    def test_my_port(inputs):
        report = compare(my_jax_model, my_torch_model, inputs)
        assert report.ok, report
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

try:
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - depends on the environment
    raise ImportError(
        "rlmodels.strategies needs hypothesis; install it with pip install -c constraints.txt 'rlmodels[test]'"
    ) from None

from rlmodels_common.activations import ACTIVATIONS
from rlmodels_common.initialization import ACTOR_SCALE, CRITIC_SCALE, IN_SCALE
from rlmodels_common.metadata import CELL_TYPES
from .inputs import ROLLOUT_BATCHES, ProbeInputs, actions, random_sequence as sequence, random_step as step

MODEL_TYPES = ("SharedActorCritic", "ActorCritic", "LSTMActorCritic")
ACTION_SPACES = ("Free", "Box", "MaxNorm")
BATCH_SHAPES = ((), (3,), (2, 3))


def batch_shapes(shapes: Sequence[tuple[int, ...]] = BATCH_SHAPES) -> st.SearchStrategy[tuple[int, ...]]:
    """No batch, 1-D and 2-D batch shapes."""
    return st.sampled_from(list(shapes))


@st.composite
def action_spaces(draw: st.DrawFn, action_size: int, kinds: Sequence[str] = ACTION_SPACES) -> dict[str, Any]:
    """A metadata ``action_space`` entry: Free, Box with random per-dimension
    bounds (or scalar bounds), or MaxNorm with a random radius."""
    kind = draw(st.sampled_from(list(kinds)))
    if kind == "Box":
        scalar = draw(st.booleans())
        n = 1 if scalar else action_size
        lo = draw(st.lists(st.floats(-5, 5), min_size=n, max_size=n))
        span = draw(st.lists(st.floats(0.1, 5), min_size=n, max_size=n))
        hi = [low + s for low, s in zip(lo, span)]
        kwargs: dict[str, Any] = {"x_min": lo[0] if scalar else lo, "x_max": hi[0] if scalar else hi}
        kwargs |= {"width": draw(st.sampled_from([1.0, 0.5, 2.0])), "eps": 1e-6}
        return {"type": "Box", "kwargs": kwargs}
    if kind == "MaxNorm":
        return {"type": "MaxNorm", "kwargs": {"max_norm": draw(st.floats(0.2, 5)), "eps": 1e-6}}
    return {"type": "Free", "kwargs": {}}


@st.composite
def model_configs(
    draw: st.DrawFn,
    model_types: Sequence[str] = MODEL_TYPES,
    discrete: bool | None = None,
    action_space_kinds: Sequence[str] = ACTION_SPACES,
    actor_sigma_head: bool | None = None,
    activations: Sequence[str] | None = None,
    cell_types: Sequence[str] = CELL_TYPES,
    dtype: str = "float32",
    sizes: Sequence[int] = (3, 5),
    widths: Sequence[int] = (4, 7),
    max_layers: int = 2,
) -> tuple[str, dict[str, Any]]:
    """``(model_type, metadata)`` of a built-in model. ``None`` arguments are
    drawn; architectures may be empty."""
    model_type = draw(st.sampled_from(list(model_types)))
    is_discrete = draw(st.booleans()) if discrete is None else discrete
    action_size = draw(st.sampled_from([1, 2, 3]))
    meta: dict[str, Any] = {
        "observation_space_size": draw(st.sampled_from(list(sizes))),
        "action_space_size": action_size,
        "activation": draw(st.sampled_from(sorted(activations or ACTIVATIONS))),
        "action_space": None if is_discrete else draw(action_spaces(action_size, action_space_kinds)),
        "actor_sigma_head": False if is_discrete else (draw(st.booleans()) if actor_sigma_head is None else actor_sigma_head),
        "discrete": is_discrete,
        "dtype": dtype,
    }
    layers = st.lists(st.sampled_from(list(widths)), max_size=max_layers)
    scales = {"in_scale": IN_SCALE, "actor_scale": ACTOR_SCALE, "critic_scale": CRITIC_SCALE}
    if model_type == "SharedActorCritic":
        meta |= {"architecture": draw(layers), **scales}
    elif model_type == "ActorCritic":
        meta |= {"actor_architecture": draw(layers), "critic_architecture": draw(layers), **scales}
    else:
        meta |= {
            "hidden_features": draw(st.sampled_from(list(widths))),
            "lstm_features": draw(st.sampled_from(list(widths))),
            "cell_type": draw(st.sampled_from(list(cell_types))),
            "remat": False,
            "carry_leading_shape": [],
        }
    return model_type, meta


def observations(obs_dim: int, batch: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Standard-normal observations ``(*batch, obs_dim)``."""
    return seeds().map(lambda s: np.random.default_rng(s).standard_normal((*batch, obs_dim)))


def action_batches(metadata: Mapping[str, Any], batch: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Actions to score, including ones within 1e-6 of bounds and beyond them."""
    return seeds().map(lambda s: actions(metadata, batch, np.random.default_rng(s)))


def masks(num_envs: int, probability: float = 0.3) -> st.SearchStrategy[np.ndarray]:
    """Reset masks ``(num_envs,)``."""
    return seeds().map(lambda s: np.random.default_rng(s).random(num_envs) < probability)


def done_sequences(steps: int, batch: tuple[int, ...], probability: float = 0.2) -> st.SearchStrategy[np.ndarray]:
    """``done`` flags ``(steps, *batch)``."""
    return seeds().map(lambda s: np.random.default_rng(s).random((steps, *batch)) < probability)


def seeds() -> st.SearchStrategy[int]:
    return st.integers(0, 2**32 - 1)


@st.composite
def probe_inputs(
    draw: st.DrawFn, model_type: str, metadata: Mapping[str, Any], min_steps: int = 50, max_steps: int = 60
) -> ProbeInputs:
    """Probe inputs for a model: recurrent models get a rollout of ``min_steps``
    to ``max_steps`` steps that changes batch shape and resets random
    environments, and a sequence with ``done`` flags and an initial carry;
    feed-forward models one step per batch shape."""
    rng = np.random.default_rng(draw(seeds()))
    if "lstm_features" not in metadata:
        return ProbeInputs(steps=tuple(step(metadata, b, rng) for b in draw(st.permutations(list(BATCH_SHAPES)))))
    n = draw(st.integers(min_steps, max_steps))
    order = draw(st.permutations(list(ROLLOUT_BATCHES)))
    lengths = np.diff(np.linspace(0, n, len(order) + 1).astype(int))
    reset = draw(st.sampled_from([0.1, 0.3]))
    rollout = tuple(step(metadata, b, rng, reset) for b, k in zip(order, lengths) for _ in range(k))
    seq_batch = draw(st.sampled_from([(3,), (2, 2)]))
    return ProbeInputs(steps=rollout, sequence=sequence(metadata, draw(st.sampled_from([5, 12])), seq_batch, rng))


def perturbed(params: Mapping[str, np.ndarray], seed: int, scale: float = 0.3) -> dict[str, np.ndarray]:
    """``params`` plus Gaussian noise of standard deviation ``scale``: a
    trained-looking model, with no parameter left at its (often zero) initial value."""
    rng = np.random.default_rng(seed)
    return {k: (v + scale * rng.standard_normal(v.shape)).astype(v.dtype) for k, v in params.items()}
