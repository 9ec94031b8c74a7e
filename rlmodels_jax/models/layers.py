"""The layers models are built of: linear layers, a recording ``Sequential``
whose parameter paths are the canonical names, the observation normaliser."""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
from flax import nnx

from rlmodels_common.initialization import ACTOR_SCALE, CRITIC_SCALE
from rlmodels_common.intermediates import record

__all__ = ["Normalizer", "Sequential", "Statistic", "fused_head", "linear", "skip_linear", "split_fused_head"]


def linear(
    in_features: int, out_features: int, scale: float, key: nnx.Rngs, dtype: str, bias: float = 0.0,
    init: str = "orthogonal",
) -> nnx.Linear:  # fmt: skip
    """Linear layer: an orthogonal kernel scaled by ``scale`` and a constant
    ``bias``, or (``init="lecun_uniform"``) a LeCun-uniform kernel and a zero bias."""
    orthogonal = init == "orthogonal"
    return nnx.Linear(
        in_features,
        out_features,
        kernel_init=nnx.initializers.orthogonal(scale) if orthogonal else nnx.initializers.lecun_uniform(),
        bias_init=nnx.initializers.constant(bias if orthogonal else 0.0),
        param_dtype=dtype,
        rngs=key,
    )


class Statistic(nnx.Variable):
    """A saved quantity that is not trained (an observation normaliser's
    statistics): part of the canonical parameters, not an ``nnx.Param``, so
    ``nnx.grad`` and optimizers leave it alone."""


class Normalizer(nnx.Module):
    """``(x - mean) / std`` over the last axis, with ``mean`` (zeros) and ``std``
    (ones) ``(features,)`` as :class:`Statistic`."""

    def __init__(self, features: int, dtype: str) -> None:
        self.mean = Statistic(jnp.zeros((features,), dtype))
        self.std = Statistic(jnp.ones((features,), dtype))

    def __call__(self, x: jax.Array) -> jax.Array:
        return (x - self.mean[...]) / self.std[...]


class Sequential(nnx.Sequential):
    """Layers applied in order, held in ``layers`` (so parameter paths read
    ``network.layers.0.kernel``); each layer's output is recorded as
    ``<path>.layers.<i>`` (``rlmodels_common.intermediates``)."""

    def __init__(self, path: str, *layers: Callable[..., Any]) -> None:
        super().__init__(*layers)
        self.path = path

    def __call__(self, x: jax.Array) -> jax.Array:  # type: ignore[override]
        for index, layer in enumerate(self.layers):
            x = record(f"{self.path}.layers.{index}", layer(x))
        return x


# JaxDEM's recurrent models build heads they never use, and draw for them: the
# same key gives JaxDEM's initial weights only if these draws are made too.


def skip_linear(key: nnx.Rngs) -> None:
    """Advance ``key`` past a Linear layer's two draws (kernel, then bias)."""
    key.params()
    key.params()


def fused_head(in_features: int, actions: int, key: nnx.Rngs, dtype: str) -> nnx.Linear:
    """One ``Linear(in, A + 1)`` for the policy (columns ``[:A]``) and the value
    (column ``A``): its kernel key split in two, the actor columns orthogonal
    with gain ``ACTOR_SCALE``, the value column with ``CRITIC_SCALE``; zero bias."""

    def kernel_init(key: jax.Array, shape: tuple[int, int], dtype: Any = jnp.float32) -> jax.Array:
        actor, critic = jax.random.split(key)
        return jnp.concatenate([
            nnx.initializers.orthogonal(ACTOR_SCALE)(actor, (shape[0], shape[1] - 1), dtype),
            nnx.initializers.orthogonal(CRITIC_SCALE)(critic, (shape[0], 1), dtype),
        ], axis=-1)  # fmt: skip

    return nnx.Linear(in_features, actions + 1, kernel_init=kernel_init, bias_init=nnx.initializers.zeros, param_dtype=dtype, rngs=key)


def split_fused_head(in_features: int, actions: int, key: nnx.Rngs, dtype: str) -> tuple[nnx.Linear, nnx.Linear]:
    """``actor_mu`` ``Linear(in, A)`` and ``critic`` ``Linear(in, 1)`` holding
    the columns of a :func:`fused_head` drawn from ``key``."""
    fused = fused_head(in_features, actions, key, dtype)

    def columns(start: int, stop: int) -> nnx.Linear:
        return nnx.Linear(
            in_features, stop - start, kernel_init=lambda *_: fused.kernel[...][:, start:stop],
            bias_init=nnx.initializers.zeros, param_dtype=dtype, rngs=nnx.Rngs(0),
        )  # fmt: skip

    return columns(0, actions), columns(actions, actions + 1)

