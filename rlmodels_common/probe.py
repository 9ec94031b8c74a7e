"""Inputs on which two implementations of a model are compared (numpy only).

A probe is a list of :class:`Step` s, run one after another through the
model's single-step call (feed-forward models simply evaluate each), and for
recurrent models a :class:`Sequence` run in sequence mode. Steps may change
the batch shape (the LSTM then re-allocates its carry) and may reset the carry
of some environments afterwards. Every array is float64 (or int64 / bool); the
backends cast to the model's dtype.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

BOUND_OFFSETS = (-1e-6, -1e-7, 0.0, 1e-7, 1e-6, 1e-3)
"""How far past an upper bound (negative: inside) probe actions are placed."""


@dataclass(frozen=True)
class Step:
    """One single-step call.

    ``observation`` ``(*b, obs)``; ``action`` ``(*b, A)`` (continuous) or ``(*b,)``
    ints (discrete) to score with ``log_prob``; ``noise`` ``(*b, A)``: standard
    normal base noise (continuous) or Gumbel noise (discrete) to draw a sample
    from; ``reset``: ``None`` or a ``(b[0],)`` bool mask applied with
    ``reset(mask=...)`` after the step; ``gradient_action``: the actions the
    gradient probe scores (``action`` pulled inside the space, see :func:`interior`).
    """

    observation: np.ndarray
    action: np.ndarray
    noise: np.ndarray
    reset: np.ndarray | None = None
    gradient_action: np.ndarray | None = None


@dataclass(frozen=True)
class Sequence:
    """One sequence-mode call: ``observation`` ``(T, *B, obs)``, ``done``
    ``(T, *B)`` or None, ``initial_carry`` ``(2, *B, H)`` (c, h) or None, and
    ``action``/``noise`` shaped like a step's with leading ``(T, *B)``."""

    observation: np.ndarray
    action: np.ndarray
    noise: np.ndarray
    done: np.ndarray | None = None
    initial_carry: np.ndarray | None = None
    gradient_action: np.ndarray | None = None


@dataclass(frozen=True)
class ProbeInputs:
    steps: tuple[Step, ...]
    sequence: Sequence | None = None
    gradient_step: int = 0
    """Feed-forward models: the step whose loss is differentiated (recurrent
    models differentiate the sequence, which reaches every weight)."""
    extra: dict[str, Any] = field(default_factory=dict)


def actions(metadata: Mapping[str, Any], batch: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Actions to score for a policy described by ``metadata``, shape ``(*batch, A)``
    (ints ``(*batch,)`` if discrete): inside the action space, and for bounded
    spaces some within 1e-6 of the bounds and some outside them."""
    A = metadata["action_space_size"]
    if metadata["discrete"]:
        return rng.integers(0, A, batch)
    space = metadata["action_space"] or {"type": "Free", "kwargs": {}}
    kind, kwargs = space["type"], space["kwargs"]
    if kind == "Box":
        lo = np.broadcast_to(np.asarray(kwargs["x_min"], np.float64), (A,))
        hi = np.broadcast_to(np.asarray(kwargs["x_max"], np.float64), (A,))
        a = lo + (hi - lo) * rng.random((*batch, A))
        near = rng.random((*batch, A)) < 0.3  # push some components onto, near or past a bound
        offset = rng.choice(BOUND_OFFSETS, (*batch, A))
        upper = rng.random((*batch, A)) < 0.5
        return np.where(near, np.where(upper, hi + offset, lo - offset), a)
    if kind == "MaxNorm":
        direction = rng.standard_normal((*batch, A))
        direction /= np.maximum(np.linalg.norm(direction, axis=-1, keepdims=True), 1e-12)
        radius = kwargs.get("max_norm", 1.0) * rng.random((*batch, 1)) ** (1.0 / A)
        near = rng.random((*batch, 1)) < 0.3
        radius = np.where(near, kwargs.get("max_norm", 1.0) + rng.choice(BOUND_OFFSETS, (*batch, 1)), radius)
        return direction * radius
    return 2.0 * rng.standard_normal((*batch, A))


INTERIOR = 0.99
"""Gradient actions lie at most this fraction of the way from the centre to a bound."""


def interior(metadata: Mapping[str, Any], action: np.ndarray) -> np.ndarray:
    """``action`` pulled inside the action space, at most :data:`INTERIOR` of
    the way to a bound (unchanged for Free and discrete spaces).

    Gradients are probed on such actions. Just inside a bound the inverse of
    the squashing amplifies rounding without limit (artanh' = 1 / (1 - u^2)):
    there a float32 gradient is not defined to better than the action's own
    last digit, in any implementation. Log-densities are still probed at, near
    and beyond the bounds, against an error scale that accounts for this.
    """
    space = metadata.get("action_space")
    if metadata["discrete"] or space is None or space["type"] == "Free":
        return action
    kwargs = space["kwargs"]
    if space["type"] == "Box":
        A = metadata["action_space_size"]
        lo = np.broadcast_to(np.asarray(kwargs["x_min"], np.float64), (A,))
        hi = np.broadcast_to(np.asarray(kwargs["x_max"], np.float64), (A,))
        centre, half = (lo + hi) / 2, (hi - lo) / 2
        return centre + np.clip((action - centre) / half, -INTERIOR, INTERIOR) * half
    norm = np.linalg.norm(action, axis=-1, keepdims=True)
    limit = INTERIOR * kwargs.get("max_norm", 1.0)
    return action * np.minimum(1.0, limit / np.maximum(norm, 1e-300))


def step(
    metadata: Mapping[str, Any], batch: tuple[int, ...], rng: np.random.Generator, reset_probability: float = 0.0
) -> Step:
    """A random :class:`Step` for batch shape ``batch``."""
    A = metadata["action_space_size"]
    noise = rng.gumbel(size=(*batch, A)) if metadata["discrete"] else rng.standard_normal((*batch, A))
    reset = rng.random(batch[0]) < reset_probability if batch and reset_probability > 0 else None
    action = actions(metadata, batch, rng)
    return Step(
        observation=rng.standard_normal((*batch, metadata["observation_space_size"])),
        action=action,
        noise=noise,
        reset=reset,
        gradient_action=interior(metadata, action),
    )


def sequence(
    metadata: Mapping[str, Any], steps: int, batch: tuple[int, ...], rng: np.random.Generator, done_probability: float = 0.2
) -> Sequence:
    """A random :class:`Sequence` with ``done`` flags and an initial carry."""
    first = step(metadata, (steps, *batch), rng)
    return Sequence(
        observation=first.observation,
        action=first.action,
        noise=first.noise,
        gradient_action=first.gradient_action,
        done=rng.random((steps, *batch)) < done_probability,
        initial_carry=0.5 * rng.standard_normal((2, *batch, metadata["lstm_features"])),
    )


ROLLOUT_BATCHES = ((4,), (2, 3), (), (4,))
"""Batch shapes a default rollout walks through: the LSTM re-allocates its
carry at each change (including back to a shape it had before)."""


def make_inputs(
    model_type: str,
    metadata: Mapping[str, Any],
    seed: int = 0,
    steps: int = 52,
    sequence_steps: int = 12,
    reset_probability: float = 0.2,
) -> ProbeInputs:
    """Default probe inputs: for recurrent models a ``steps``-long rollout through
    :data:`ROLLOUT_BATCHES` with random masked resets plus a sequence with
    ``done`` and an initial carry; for feed-forward models one step per batch
    shape ``()``, ``(3,)``, ``(2, 3)``."""
    rng = np.random.default_rng(seed)
    if "lstm_features" not in metadata:
        return ProbeInputs(steps=tuple(step(metadata, b, rng) for b in ((3,), (), (2, 3))))
    per = -(-steps // len(ROLLOUT_BATCHES))
    rollout = tuple(
        step(metadata, batch, rng, reset_probability) for batch in ROLLOUT_BATCHES for _ in range(per)
    )
    return ProbeInputs(steps=rollout, sequence=sequence(metadata, sequence_steps, (3,), rng))
