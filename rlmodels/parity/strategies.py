"""Hypothesis strategies for fuzzing models and their ports (needs ``hypothesis``).

Everything here is framework-free: configurations are ``(model_type,
metadata)`` pairs that either backend builds with ``Model.from_metadata``;
weights and inputs are numpy arrays drawn with ``hypothesis.extra.numpy``, so a
failing example shrinks towards the model's initial weights and plain inputs.
Fuzz your own port::

    from hypothesis import given
    from rlmodels import compare, strategies

    @given(strategies.probe_inputs("LSTMActorCritic", my_jax_model.metadata))
    def test_my_port(inputs):
        report = compare(my_jax_model, my_torch_model, inputs)
        assert report.ok, report

Each configuration and input layout compiles the JAX probe once; examples
that change only weights and inputs reuse it (``fixed_layout=True`` keeps the
layout of :func:`~rlmodels.parity.inputs.make_inputs`).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover - depends on the environment
    raise ImportError(
        "rlmodels.strategies needs hypothesis; install it with pip install 'rlmodels-parity[test]'"
    ) from None

from rlmodels_common.activations import ACTIVATIONS
from rlmodels_common.initialization import ACTOR_SCALE, CRITIC_SCALE, IN_SCALE
from rlmodels_common.metadata import CELL_TYPES

from .inputs import FEED_FORWARD_BATCHES, ROLLOUT_BATCHES, ProbeInputs, SequenceInputs, StepInputs, random_sequence, random_step

__all__ = [
    "ACTION_SPACES",
    "BATCH_SHAPES",
    "MODEL_TYPES",
    "action_spaces",
    "batch_shapes",
    "model_configs",
    "near",
    "probe_inputs",
    "weights",
]

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


def near(base: np.ndarray, spread: float) -> st.SearchStrategy[np.ndarray]:
    """``base`` changed by a drawn array that shrinks to no change: floats get a
    background offset plus a few entries of up to ``spread`` added
    (``hypothesis.extra.numpy.arrays``, sparse with a fill value), booleans a few
    entries flipped, integers stay."""
    base = np.asarray(base)
    if base.dtype.kind == "b":
        flips = hnp.arrays(np.bool_, base.shape, elements=st.booleans(), fill=st.just(False))
        return flips.map(lambda f: base ^ f)
    if base.dtype.kind != "f":
        return st.just(base)
    width = 32 if base.dtype == np.float32 else 64
    values = st.floats(-spread, spread, width=width)
    return hnp.arrays(base.dtype, base.shape, elements=values, fill=values).map(lambda d: (base + d).astype(base.dtype))


@st.composite
def weights(draw: st.DrawFn, params: Mapping[str, np.ndarray], spread: float = 0.5) -> dict[str, np.ndarray]:
    """Parameters around ``params`` (canonical names; e.g. a model's initial
    ones): a dense random part of drawn size from a drawn pattern, plus per
    tensor a drawn :func:`near` array. Shrinks to ``params`` themselves; a
    trained-looking model when not shrunk (no bias left at zero)."""
    pattern = np.random.default_rng(draw(st.integers(0, 2**16 - 1), label="pattern"))
    size = draw(st.floats(0.0, spread), label="dense spread")
    out = {}
    for name in sorted(params):
        p = np.asarray(params[name])
        dense = (p + size * pattern.standard_normal(p.shape)).astype(p.dtype)
        out[name] = draw(near(dense, spread), label=name)
    return out


@st.composite
def probe_inputs(
    draw: st.DrawFn,
    model_type: str,
    metadata: Mapping[str, Any],
    min_steps: int = 50,
    max_steps: int = 60,
    fixed_layout: bool = False,
) -> ProbeInputs:
    """Probe inputs for a model: recurrent models get a rollout of ``min_steps``
    to ``max_steps`` steps that changes batch shape and resets random
    environments, and a sequence with ``done`` flags and an initial carry;
    feed-forward models one step per batch shape. Observations, noise, masks,
    ``done`` and the initial carry are :func:`near` a drawn pattern.

    ``fixed_layout=True`` keeps the layout (step count, batch shapes, sequence
    shape) of ``make_inputs``, so every example reuses one JAX compilation."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16 - 1), label="pattern"))
    if "lstm_features" not in metadata:
        batches = list(FEED_FORWARD_BATCHES) if fixed_layout else draw(st.permutations(list(FEED_FORWARD_BATCHES)))
        return ProbeInputs(steps=tuple(draw(_near_step(random_step(metadata, b, rng))) for b in batches))
    if fixed_layout:
        per = -(-52 // len(ROLLOUT_BATCHES))
        order, lengths, seq_shape = list(ROLLOUT_BATCHES), [per] * len(ROLLOUT_BATCHES), (12, (3,))
    else:
        n = draw(st.integers(min_steps, max_steps))
        order = draw(st.permutations(list(ROLLOUT_BATCHES)))
        lengths = np.diff(np.linspace(0, n, len(order) + 1).astype(int))
        seq_shape = (draw(st.sampled_from([5, 12])), draw(st.sampled_from([(3,), (2, 2)])))
    reset = draw(st.sampled_from([0.1, 0.3]))
    steps: list[StepInputs] = []
    for batch, k in zip(order, lengths):
        # One drawn change per run of same-shaped steps: cheap to draw, and a
        # shrunk example keeps the pattern's steps.
        run = random_step(metadata, (int(k), *batch), rng, reset)
        run = draw(_near_step(StepInputs(run.observation, run.action, run.noise, _run_resets(batch, int(k), rng, reset))))
        steps += [_index(run, i) for i in range(int(k))]
    sequence = random_sequence(metadata, seq_shape[0], seq_shape[1], rng)
    sequence = SequenceInputs(
        observation=draw(near(sequence.observation, 2.0)),
        action=sequence.action,
        noise=draw(near(sequence.noise, 1.0)),
        done=draw(near(sequence.done, 1.0)),
        initial_carry=draw(near(sequence.initial_carry, 1.0)),
        gradient_action=sequence.gradient_action,
    )
    return ProbeInputs(steps=tuple(steps), sequence=sequence)


def _run_resets(batch: tuple[int, ...], k: int, rng: np.random.Generator, probability: float) -> np.ndarray | None:
    return rng.random((k, batch[0])) < probability if batch else None


@st.composite
def _near_step(draw: st.DrawFn, step: StepInputs) -> StepInputs:
    """``step`` with drawn changes to its observation, noise and reset mask;
    actions stay where the pattern put them (on, near and past the bounds)."""
    return StepInputs(
        observation=draw(near(step.observation, 2.0)),
        action=step.action,
        noise=draw(near(step.noise, 1.0)),
        reset=None if step.reset is None else draw(near(step.reset, 1.0)),
        gradient_action=step.gradient_action,
    )


def _index(run: StepInputs, i: int) -> StepInputs:
    return StepInputs(run.observation[i], run.action[i], run.noise[i], None if run.reset is None else run.reset[i], None)
