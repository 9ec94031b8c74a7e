"""Hypothesis strategies over action spaces and points, framework-free: each
draws constructor arguments, and the test builds the action space in its
backend."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

finite = st.floats(-10, 10, allow_nan=False)
vectors = st.lists(st.floats(-100, 100), min_size=1, max_size=5).map(np.array)


@st.composite
def boxes(draw, d=None) -> tuple[dict[str, Any], int]:
    """(Box keyword arguments, d) with random per-dimension bounds, width and eps."""
    d = d or draw(st.integers(1, 4))
    lo = np.array(draw(st.lists(finite, min_size=d, max_size=d)))
    span = np.array(draw(st.lists(st.floats(0.1, 10), min_size=d, max_size=d)))
    width = draw(st.floats(0.2, 5))
    eps = draw(st.sampled_from([1e-6, 1e-4]))
    return {"x_min": lo.tolist(), "x_max": (lo + span).tolist(), "width": width, "eps": eps}, d


@st.composite
def boxes_and_points(draw) -> tuple[dict[str, Any], np.ndarray]:
    """(Box keyword arguments, x) with x inside the unclipped range."""
    box, d = draw(boxes())
    # |x / width| <= 4.5 keeps u = tanh inside the unclipped range [-1 + eps, 1 - eps].
    z = np.array(draw(st.lists(st.floats(-4.5, 4.5), min_size=d, max_size=d)))
    return box, z * box["width"]


@st.composite
def max_norm_points(draw, max_radius=4.0) -> tuple[dict[str, Any], np.ndarray]:
    """(MaxNorm keyword arguments, x) with |x| <= max_radius, including the origin and tiny x."""
    kwargs = {"max_norm": draw(st.floats(0.1, 10)), "eps": draw(st.sampled_from([1e-6, 1e-4]))}
    d = draw(st.integers(1, 5))
    direction = np.array(draw(st.lists(st.floats(-1, 1), min_size=d, max_size=d)))
    radius = draw(st.one_of(st.just(0.0), st.floats(1e-9, 1e-3), st.floats(0, max_radius)))
    norm = np.linalg.norm(direction)
    x = direction / norm * radius if norm > 0 else np.zeros(d)
    return kwargs, x
