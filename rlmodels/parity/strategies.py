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
that change only weights and inputs reuse it (pass ``layout=DEFAULT_LAYOUT``,
the layout of ``make_inputs``).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover - depends on the environment
    from rlmodels_common.extras import install_hint

    raise ImportError(f"rlmodels.strategies needs hypothesis; install it with {install_hint('test')}") from None

from rlmodels_common.observations import map_observation

from .inputs import DEFAULT_LAYOUT, Layout, ProbeInputs, SequenceInputs, StepInputs, carry_entries, random_sequence, random_step
from .space import ACTION_SPACES, MODEL_TYPES, draw_action_space, draw_config, draw_layout, random_configs

__all__ = [
    "ACTION_SPACES",
    "BATCH_SHAPES",
    "DEFAULT_LAYOUT",
    "MODEL_TYPES",
    "Layout",
    "action_spaces",
    "batch_shapes",
    "layouts",
    "model_configs",
    "near",
    "probe_inputs",
    "random_configs",
    "weights",
]

BATCH_SHAPES = ((), (3,), (2, 3))


def batch_shapes(shapes: Sequence[tuple[int, ...]] = BATCH_SHAPES) -> st.SearchStrategy[tuple[int, ...]]:
    """No batch, 1-D and 2-D batch shapes."""
    return st.sampled_from(list(shapes))


class _Draw:
    """Choices drawn by hypothesis (they shrink)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def one_of(self, options: Sequence[Any]) -> Any:
        return self._draw(st.sampled_from(list(options)))

    def uniform(self, low: float, high: float) -> float:
        return self._draw(st.floats(low, high))

    def some_of(self, options: Sequence[Any], max_size: int) -> list[Any]:
        return self._draw(st.lists(st.sampled_from(list(options)), max_size=max_size))

    def integer(self, low: int, high: int) -> int:
        return self._draw(st.integers(low, high))

    def permutation(self, options: Sequence[Any]) -> list[Any]:
        return self._draw(st.permutations(list(options)))


@st.composite
def action_spaces(draw: st.DrawFn, action_size: int, kinds: Sequence[str] = ACTION_SPACES) -> dict[str, Any]:
    """A metadata ``action_space`` entry: Free, Box with random per-dimension
    bounds (or scalar bounds), or MaxNorm with a random radius."""
    return draw_action_space(_Draw(draw), action_size, kinds)


@st.composite
def model_configs(draw: st.DrawFn, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    """``(model_type, metadata)`` of a built-in model. Keywords narrow the space:
    ``model_types``, ``discrete``, ``action_space_kinds``, ``actor_sigma_head``,
    ``activations``, ``cell_types``, ``dtype``, ``sizes`` (observation sizes),
    ``dict_observations`` (an ActorCritic reading dict observations; drawn, one
    in four, if None),
    ``widths`` (layer, LSTM and MinGRU sizes), ``max_layers`` (MLP layers; MinGRU
    layers up to one more); ``None`` ones are drawn.
    Architectures may be empty."""
    return draw_config(_Draw(draw), **kwargs)


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
def layouts(draw: st.DrawFn, min_steps: int = 50, max_steps: int = 60) -> Layout:
    """A probe's layout: ``min_steps`` to ``max_steps`` rollout steps through
    the batch shapes of ``make_inputs`` in any order, a sequence of 5 or 12
    steps over a 1-D or 2-D batch, the feed-forward batch shapes in any order."""
    return draw_layout(_Draw(draw), min_steps, max_steps)


@st.composite
def probe_inputs(
    draw: st.DrawFn, model_type: str, metadata: Mapping[str, Any], layout: Layout | None = None
) -> ProbeInputs:
    """Probe inputs for a model: recurrent models get a rollout that changes
    batch shape and resets random environments, and a sequence with ``done``
    flags and an initial carry, shaped by ``layout`` (drawn if None);
    feed-forward models one step per batch shape. Observations, noise, masks,
    ``done`` and the initial carry are :func:`near` a drawn pattern; actions
    stay where the pattern put them (on, near and past the bounds).

    A fixed ``layout`` (e.g. ``DEFAULT_LAYOUT``, that of ``make_inputs``) lets
    every example reuse one JAX compilation."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16 - 1), label="pattern"))
    if layout is None:
        layout = draw(layouts())
    if not carry_entries(model_type, metadata):
        return ProbeInputs(steps=tuple(draw(_near_step(random_step(metadata, b, rng))) for b in layout.feed_forward))
    reset = draw(st.sampled_from([0.1, 0.3]))
    steps: list[StepInputs] = []
    for batch, k in layout.runs:
        # One drawn change per run of same-shaped steps: cheap to draw, and a
        # shrunk example keeps the pattern's steps.
        run = random_step(metadata, (k, *batch), rng, reset)
        run = draw(_near_step(StepInputs(run.observation, run.action, run.noise, _run_resets(batch, k, rng, reset))))
        steps += [_index(run, i) for i in range(k)]
    sequence = random_sequence(model_type, metadata, *layout.sequence, rng)
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
    x = step.observation
    observation = {k: draw(near(v, 2.0), label=k) for k, v in x.items()} if isinstance(x, dict) else draw(near(x, 2.0))
    return StepInputs(
        observation=observation,
        action=step.action,
        noise=draw(near(step.noise, 1.0)),
        reset=None if step.reset is None else draw(near(step.reset, 1.0)),
        gradient_action=step.gradient_action,
    )


def _index(run: StepInputs, i: int) -> StepInputs:
    observation = map_observation(lambda a: a[i], run.observation)
    return StepInputs(observation, run.action[i], run.noise[i], None if run.reset is None else run.reset[i], None)
