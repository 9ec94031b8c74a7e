"""Probabilists' Gauss-Hermite quadrature for expectations under a Gaussian.

``E[f(X)]`` for ``X ~ N(mean, std**2)`` is ``sum_k w_k f(mean + std * z_k)``
with the nodes ``z_k`` and normalised weights ``w_k`` below (the weights sum
to 1). Both backends take their nodes from here so the analytic entropies agree.
"""

from __future__ import annotations

import functools

import numpy as np

BOX_NODES = 16
"""Nodes for the elementwise (Box) log-det expectation."""

MAX_NORM_NODES_PER_DIM = 5
"""Nodes per action dimension for the MaxNorm tensor-product rule (5**d points)."""


@functools.lru_cache(maxsize=None)
def gauss_hermite(num_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``(num_nodes,)`` and weights ``(num_nodes,)`` summing to 1, float64."""
    if num_nodes < 1:
        raise ValueError(f"expected num_nodes >= 1, got {num_nodes}")
    nodes, weights = np.polynomial.hermite_e.hermegauss(num_nodes)
    weights = weights / np.sqrt(2.0 * np.pi)
    nodes.setflags(write=False)
    weights.setflags(write=False)
    return nodes, weights


@functools.lru_cache(maxsize=None)
def gauss_hermite_grid(num_nodes: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Tensor-product rule in ``dim`` dimensions.

    Returns nodes ``(num_nodes**dim, dim)`` and weights ``(num_nodes**dim,)``
    summing to 1, float64.
    """
    if dim < 1:
        raise ValueError(f"expected dim >= 1, got {dim}")
    nodes, weights = gauss_hermite(num_nodes)
    grid = np.stack(np.meshgrid(*([nodes] * dim), indexing="ij"), axis=-1).reshape(-1, dim)
    grid_weights = np.prod(
        np.stack(np.meshgrid(*([weights] * dim), indexing="ij"), axis=-1).reshape(-1, dim),
        axis=-1,
    )
    grid.setflags(write=False)
    grid_weights.setflags(write=False)
    return grid, grid_weights
