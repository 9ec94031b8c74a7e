"""The inputs two implementations of a model are compared on (numpy only).

A probe is a rollout of :class:`StepInputs` run one after another through the
model's single-step call (feed-forward models evaluate each), and for
recurrent models one :class:`SequenceInputs` run in sequence mode. Steps may
change the batch shape (a recurrent model then re-allocates its carry) and may
reset the carry of some environments afterwards.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from rlmodels_common.configs import builtin_config
from rlmodels_common.observations import random_observation

BOUND_OFFSETS = (-1e-6, -1e-7, 0.0, 1e-7, 1e-6, 1e-3)
"""How far past an upper bound (negative: inside) probe actions are placed."""

INTERIOR = 0.99
"""Gradient actions lie at most this fraction of the way from the centre to a bound."""

ROLLOUT_BATCHES = ((4,), (2, 3), (), (4,))
"""Batch shapes a default rollout walks through: a recurrent model re-allocates
its carry at each change (including back to a shape it had before)."""

FEED_FORWARD_BATCHES = ((3,), (), (2, 3))
"""Batch shapes of a feed-forward model's probe: one step each."""


@dataclass(frozen=True)
class Layout:
    """The shapes of a probe. Recurrent models: the rollout's runs as
    ``(batch shape, steps)`` and the sequence as ``(steps, batch shape)``;
    feed-forward models: one step per batch shape of ``feed_forward``. The JAX
    probe compiles once per layout (and configuration)."""

    runs: tuple[tuple[tuple[int, ...], int], ...] = tuple((b, 13) for b in ROLLOUT_BATCHES)
    sequence: tuple[int, tuple[int, ...]] = (12, (3,))
    feed_forward: tuple[tuple[int, ...], ...] = FEED_FORWARD_BATCHES


DEFAULT_LAYOUT = Layout()
"""52 steps through :data:`ROLLOUT_BATCHES`, a 12-step sequence of batch ``(3,)``."""


@dataclass(frozen=True)
class StepInputs:
    """One single-step call.

    ``observation`` ``(*b, obs)`` (dict observations: a dict key -> ``(*b,
    size)``, one per key of ``observation_space_size``); ``action`` ``(*b, A)`` (continuous) or ``(*b,)``
    ints (discrete) to score with ``log_prob``; ``noise`` ``(*b, A)``: standard
    normal base noise (continuous) or Gumbel noise (discrete) to draw a sample
    from; ``reset``: None or a ``(b[0],)`` bool mask applied with
    ``reset(shape, mask=...)`` after the step; ``gradient_action``: the actions the
    gradient probe scores (``action`` pulled inside the space, see :func:`interior`).
    """

    observation: np.ndarray
    action: np.ndarray
    noise: np.ndarray
    reset: np.ndarray | None = None
    gradient_action: np.ndarray | None = None


@dataclass(frozen=True)
class SequenceInputs:
    """One sequence-mode call: ``observation`` ``(T, *B, obs)``, ``done``
    ``(T, *B)`` or None, ``initial_carry`` the carry's entries stacked (an
    LSTM's ``(2, *B, H)``, ``c`` and ``h``; a MinGRU's ``(1, *B, L, H)``) or None, and
    ``action``/``noise``/``gradient_action`` shaped like a step's with leading ``(T, *B)``."""

    observation: np.ndarray
    action: np.ndarray
    noise: np.ndarray
    done: np.ndarray | None = None
    initial_carry: np.ndarray | None = None
    gradient_action: np.ndarray | None = None


@dataclass(frozen=True)
class ProbeInputs:
    """A rollout of ``steps`` and, for recurrent models, a ``sequence``.

    Gradients of ``log_prob(gradient_action) + entropy + value`` are taken on the
    sequence for recurrent models (it reaches every weight), else on step
    ``gradient_step``.
    """

    steps: tuple[StepInputs, ...]
    sequence: SequenceInputs | None = None
    gradient_step: int = 0

    def cast(self, dtype: str) -> "ProbeInputs":
        """These inputs with every float array rounded to ``dtype`` and held as
        float64: the float32 models and the float64 truth then see the very same
        numbers, so the truth measures the computation, not the input rounding."""
        return ProbeInputs(
            steps=tuple(_cast(s, dtype) for s in self.steps),
            sequence=None if self.sequence is None else _cast(self.sequence, dtype),
            gradient_step=self.gradient_step,
        )


    def nudged(self, dtype: str, seed: int) -> "ProbeInputs":
        """These inputs (already :meth:`cast`) with every float moved by at most one
        ``dtype`` ulp, at random: a copy on which rounding falls differently."""
        rng = np.random.default_rng(seed)
        return ProbeInputs(
            steps=tuple(_cast(s, dtype, rng) for s in self.steps),
            sequence=None if self.sequence is None else _cast(self.sequence, dtype, rng),
            gradient_step=self.gradient_step,
        )


def nudge(a: np.ndarray, dtype: str, rng: np.random.Generator) -> np.ndarray:
    """``a`` in ``dtype`` with each entry moved one ulp up, one down, or left, at random."""
    a = np.asarray(a, dtype)
    move = rng.integers(-1, 2, a.shape)
    return np.where(move > 0, np.nextafter(a, np.inf), np.where(move < 0, np.nextafter(a, -np.inf), a)).astype(dtype)


def _cast(inputs: Any, dtype: str, rng: np.random.Generator | None = None) -> Any:
    def rounded(a: Any) -> Any:
        if isinstance(a, dict):  # dict observations, key by key
            return {k: rounded(v) for k, v in a.items()}
        if a is None or a.dtype.kind != "f":
            return a
        return (np.asarray(a, dtype) if rng is None else nudge(a, dtype, rng)).astype(np.float64)

    return dataclasses.replace(inputs, **{f.name: rounded(getattr(inputs, f.name)) for f in dataclasses.fields(inputs)})


def box_bounds(metadata: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """A Box action space's ``(x_min, x_max)``, each ``(A,)``."""
    A, kwargs = metadata["action_space_size"], metadata["action_space"]["kwargs"]
    lo = np.broadcast_to(np.asarray(kwargs["x_min"], np.float64), (A,))
    return lo, np.broadcast_to(np.asarray(kwargs["x_max"], np.float64), (A,))


def space_kind(metadata: Mapping[str, Any]) -> str:
    """``"discrete"``, ``"Free"``, ``"Box"`` or ``"MaxNorm"``."""
    if metadata["discrete"]:
        return "discrete"
    return (metadata["action_space"] or {"type": "Free"})["type"]


def actions(metadata: Mapping[str, Any], batch: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Actions to score for a policy described by ``metadata``, ``(*batch, A)``
    (ints ``(*batch,)`` if discrete): inside the action space, and for bounded
    spaces some within 1e-6 of the bounds and some beyond them."""
    A, kind = metadata["action_space_size"], space_kind(metadata)
    if kind == "discrete":
        return rng.integers(0, A, batch)
    if kind == "Box":
        lo, hi = box_bounds(metadata)
        a = lo + (hi - lo) * rng.random((*batch, A))
        near = rng.random((*batch, A)) < 0.3  # push some components onto, near or past a bound
        offset = rng.choice(BOUND_OFFSETS, (*batch, A))
        upper = rng.random((*batch, A)) < 0.5
        return np.where(near, np.where(upper, hi + offset, lo - offset), a)
    if kind == "MaxNorm":
        limit = metadata["action_space"]["kwargs"].get("max_norm", 1.0)
        direction = rng.standard_normal((*batch, A))
        direction /= np.maximum(np.linalg.norm(direction, axis=-1, keepdims=True), 1e-12)
        radius = limit * rng.random((*batch, 1)) ** (1.0 / A)
        near = rng.random((*batch, 1)) < 0.3
        return direction * np.where(near, limit + rng.choice(BOUND_OFFSETS, (*batch, 1)), radius)
    return 2.0 * rng.standard_normal((*batch, A))


def interior(metadata: Mapping[str, Any], action: np.ndarray) -> np.ndarray:
    """``action`` pulled inside the action space, at most :data:`INTERIOR` of
    the way to a bound (unchanged for Free and discrete spaces).

    Gradients are probed on such actions: just inside a bound the inverse of
    the squashing amplifies rounding without limit (artanh' = 1 / (1 - u^2)), so
    a float32 gradient there says more about the action's last digit than
    about the model. Log-densities are still probed at, near and beyond the bounds.
    """
    kind = space_kind(metadata)
    if kind == "Box":
        lo, hi = box_bounds(metadata)
        centre, half = (lo + hi) / 2, (hi - lo) / 2
        return centre + np.clip((action - centre) / half, -INTERIOR, INTERIOR) * half
    if kind == "MaxNorm":
        norm = np.linalg.norm(action, axis=-1, keepdims=True)
        limit = INTERIOR * metadata["action_space"]["kwargs"].get("max_norm", 1.0)
        return action * np.minimum(1.0, limit / np.maximum(norm, 1e-300))
    return action


def random_step(
    metadata: Mapping[str, Any], batch: tuple[int, ...], rng: np.random.Generator, reset_probability: float = 0.0
) -> StepInputs:
    """Random :class:`StepInputs` for batch shape ``batch``."""
    A = metadata["action_space_size"]
    noise = rng.gumbel(size=(*batch, A)) if metadata["discrete"] else rng.standard_normal((*batch, A))
    reset = rng.random(batch[0]) < reset_probability if batch and reset_probability > 0 else None
    action = actions(metadata, batch, rng)
    return StepInputs(
        observation=random_observation(metadata["observation_space_size"], batch, rng),
        action=action,
        noise=noise,
        reset=reset,
        gradient_action=interior(metadata, action),
    )


def carry_entries(model_type: str, metadata: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """The carry of the built-in ``model_type`` as its configuration states it
    (``carry_shapes()``: each entry's name and shape for one environment);
    empty for a feed-forward model, and for a user-registered one, whose carry
    its metadata does not describe."""
    config = builtin_config(model_type)
    return {} if config is None else config.from_metadata(metadata).carry_shapes()


def random_sequence(
    model_type: str,
    metadata: Mapping[str, Any],
    steps: int,
    batch: tuple[int, ...],
    rng: np.random.Generator,
    done_probability: float = 0.2,
) -> SequenceInputs:
    """Random :class:`SequenceInputs` with ``done`` flags and an initial carry."""
    first = random_step(metadata, (steps, *batch), rng)
    entries = carry_entries(model_type, metadata)
    (event,) = set(entries.values())  # every entry of a built-in carry has one shape
    return SequenceInputs(
        observation=first.observation,
        action=first.action,
        noise=first.noise,
        gradient_action=first.gradient_action,
        done=rng.random((steps, *batch)) < done_probability,
        initial_carry=0.5 * rng.standard_normal((len(entries), *batch, *event)),
    )


def make_inputs(
    model_type: str,
    metadata: Mapping[str, Any],
    seed: int = 0,
    layout: Layout = DEFAULT_LAYOUT,
    reset_probability: float = 0.2,
) -> ProbeInputs:
    """Default probe inputs: for recurrent models a rollout through ``layout``
    (52 steps, 4 batch shapes) with random masked resets, and a sequence with
    ``done`` and an initial carry; for feed-forward models one step per batch
    shape (:data:`FEED_FORWARD_BATCHES`)."""
    rng = np.random.default_rng(seed)
    if not carry_entries(model_type, metadata):
        return ProbeInputs(steps=tuple(random_step(metadata, b, rng) for b in layout.feed_forward))
    rollout = tuple(random_step(metadata, b, rng, reset_probability) for b, n in layout.runs for _ in range(n))
    return ProbeInputs(steps=rollout, sequence=random_sequence(model_type, metadata, *layout.sequence, rng))
