"""The JAX primitives of :class:`tests.backends.frameworks.Backend`."""

from __future__ import annotations

from typing import Any, Callable, ContextManager

import distrax
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

import rlmodels_jax

from tests.backends.frameworks import Backend


def _join(path: tuple[Any, ...]) -> str:
    return ".".join(map(str, path))


class JaxBackend(Backend):
    name, other, rb = "jax", "torch", rlmodels_jax
    array_class, array_type, key_type = jax.Array, "ArrayImpl", "nnx.Rngs"
    compiles_per_shape = True
    categorical, gaussian_type = distrax.Categorical, distrax.MultivariateNormalDiag

    def array(self, a: Any, dtype: str = "float32") -> jax.Array:
        return jnp.asarray(a, dtype)

    def where(self, condition: Any, a: Any, b: Any) -> jax.Array:
        return jnp.where(condition, a, b)

    def dtype(self, name: str) -> Any:
        return getattr(jnp, name)

    def float64(self) -> ContextManager[Any]:
        return jax.enable_x64(True)

    def key(self, seed: int) -> nnx.Rngs:
        return nnx.Rngs(seed)

    def parameter_shapes(self, build: Callable[[], Any]) -> tuple[Any, dict[str, tuple[int, ...]]]:
        model = nnx.eval_shape(build)
        flat = nnx.to_flat_state(nnx.state(model, nnx.Param))
        return model, {_join(path): tuple(var.get_value().shape) for path, var in flat}

    def trainable_size(self, model: Any) -> int:
        return sum(var.get_value().size for _, var in nnx.to_flat_state(nnx.state(model, nnx.Param)))

    def grad(self, f: Callable[..., Any], *args: np.ndarray, dtype: str = "float32") -> tuple[np.ndarray, ...]:
        grads = jax.grad(f, argnums=tuple(range(len(args))))(*(jnp.asarray(a, dtype) for a in args))
        return tuple(np.asarray(g) for g in grads)

    def gradients(self, loss: Callable[[Any], Any], model: Any) -> dict[str, np.ndarray]:
        # Jitted: one program for the whole backward pass; eager, every op of it
        # compiles on its own (hundreds of programs per test).
        grads = nnx.to_flat_state(nnx.jit(nnx.grad(loss))(model))
        return {_join(path): np.asarray(var.get_value()) for path, var in grads}

    def gaussian(self, pi: Any) -> tuple[jax.Array, jax.Array]:
        return pi.distribution.loc, pi.distribution.scale_diag

    def diagonal_gaussian(self, mean: Any, std: Any) -> distrax.MultivariateNormalDiag:
        return distrax.MultivariateNormalDiag(mean, std)

    def normal(self, loc: float, scale: float) -> distrax.Normal:
        return distrax.Normal(loc, scale)

    def sample(self, pi: Any, seed: int, sample_shape: tuple[int, ...] = ()) -> jax.Array:
        return pi.sample(seed=jax.random.key(seed), sample_shape=sample_shape)

    def forward(self, bij: Any, x: Any) -> jax.Array:
        return bij.forward(x)

    def inverse(self, bij: Any, y: Any) -> jax.Array:
        return bij.inverse(y)

    def forward_log_det(self, bij: Any, x: Any) -> jax.Array:
        return bij.forward_log_det_jacobian(x)

    def forward_log_dets(self, bij: Any, x: Any) -> dict[str, jax.Array]:
        return {"forward_log_det_jacobian": bij.forward_log_det_jacobian(x), "forward_and_log_det": bij.forward_and_log_det(x)[1]}

    def inverse_log_dets(self, bij: Any, y: Any) -> dict[str, jax.Array]:
        return {"inverse_log_det_jacobian": bij.inverse_log_det_jacobian(y), "inverse_and_log_det": bij.inverse_and_log_det(y)[1]}

    def jacobian(self, f: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
        return np.asarray(jax.jacfwd(f)(jnp.asarray(x, jnp.float64)))


BACKEND = JaxBackend()
