"""What a test needs of a backend beyond its package, for suites that check the
same contract in both: each framework's way to make arrays, read them back,
enable float64, differentiate, and spell its types in error messages.

Only these primitives are written per framework (``jax_backend.py``,
``torch_backend.py``); the suites are written once. A framework is imported
only when its tests run, so each tox env runs with one framework installed."""

from __future__ import annotations

import contextlib
import importlib
from types import ModuleType
from typing import Any, Callable, ContextManager

import numpy as np


class Backend:
    """One framework: ``rb`` is its rlmodels package (``rlmodels_jax`` or
    ``rlmodels_torch``); the methods are the primitives the suites use."""

    name: str
    """``"jax"`` or ``"torch"``."""
    other: str
    """The other framework's name (``from_<other>`` imports it lazily)."""
    rb: ModuleType
    array_class: type
    """The framework's array (``jax.Array``, ``torch.Tensor``)."""
    array_type: str
    """The class name errors give for one of this framework's arrays."""
    compiles_per_shape: bool
    """Eager calls compile once per new shape: tests draw few shapes (see ``builders.sizes``)."""
    key_type: str
    """How the key type error names the framework's random key."""
    categorical: type
    """The class of a discrete policy."""
    gaussian_type: type
    """The class of a continuous policy's base distribution."""

    def __repr__(self) -> str:
        return self.name

    # -- arrays ----------------------------------------------------------------------------

    def array(self, a: Any, dtype: str = "float32") -> Any:
        """numpy (or anything numpy reads) -> this framework's array of dtype ``dtype``."""
        raise NotImplementedError

    @staticmethod
    def numpy(a: Any) -> np.ndarray:
        """Any array or tensor as a numpy copy (a later in-place update of ``a`` does not show)."""
        return a.detach().cpu().numpy().copy() if hasattr(a, "detach") else np.array(a)

    def where(self, condition: Any, a: Any, b: Any) -> Any:
        """``a`` where ``condition`` else ``b``, elementwise (the framework's ``where``)."""
        raise NotImplementedError

    def dtype(self, name: str) -> Any:
        """The framework's spelling of dtype ``name`` (``jnp.float32``, ``torch.float32``)."""
        raise NotImplementedError

    def dtype_repr(self, name: str) -> str:
        """How this framework prints dtype ``name`` (``"int32"``) in an error."""
        return name

    # -- contexts --------------------------------------------------------------------------

    def float64(self) -> ContextManager[Any]:
        """Where float64 models may be built and run (JAX: x64 enabled)."""
        return contextlib.nullcontext()

    def precision(self, dtype: str) -> ContextManager[Any]:
        """Where models of ``dtype`` (``"float32"`` or ``"float64"``) may be built and run."""
        return self.float64() if dtype == "float64" else contextlib.nullcontext()

    def no_grad(self) -> ContextManager[Any]:
        """Where calls record nothing for gradients (torch's rollout mode)."""
        return contextlib.nullcontext()

    # -- models ----------------------------------------------------------------------------

    def key(self, seed: int) -> Any:
        """The framework's own random key seeded with ``seed`` (what ``key=seed`` means)."""
        raise NotImplementedError

    def copy(self, model: Any, **kwargs: Any) -> Any:
        """``from_<name>``: a model of this framework copied from one of this framework."""
        return getattr(self.rb, f"from_{self.name}")(model, **kwargs)

    def parameter_shapes(self, build: Callable[[], Any]) -> tuple[Any, dict[str, tuple[int, ...]]]:
        """The model ``build()`` returns and its canonical parameter shapes
        (JAX: built abstractly, no initialisation compiled per shape)."""
        model = build()
        return model, {name: tuple(value.shape) for name, value in model.canonical_params().items()}

    def trainable_size(self, model: Any) -> int:
        """The number of trainable numbers the framework holds for ``model``."""
        raise NotImplementedError

    def grad(self, f: Callable[..., Any], *args: np.ndarray, dtype: str = "float32") -> tuple[np.ndarray, ...]:
        """The gradient of the scalar ``f(*args)`` by each of ``args``, taken in ``dtype``."""
        raise NotImplementedError

    def gradients(self, loss: Callable[[Any], Any], model: Any) -> dict[str, np.ndarray]:
        """The gradient of ``loss(model)`` (a scalar) by every parameter, under
        the canonical names."""
        raise NotImplementedError

    # -- distributions and action spaces ---------------------------------------------------

    def gaussian(self, pi: Any) -> tuple[Any, Any]:
        """A continuous policy's base Gaussian ``(loc, scale)``."""
        raise NotImplementedError

    def diagonal_gaussian(self, mean: Any, std: Any) -> Any:
        """The base distribution of a continuous policy: independent normals over the last axis."""
        raise NotImplementedError

    def normal(self, loc: float, scale: float) -> Any:
        """A scalar normal distribution (no policy returns one)."""
        raise NotImplementedError

    def sample(self, pi: Any, seed: int, sample_shape: tuple[int, ...] = ()) -> Any:
        """A sample of ``pi`` drawn with random seed ``seed``."""
        raise NotImplementedError

    def forward(self, bij: Any, x: Any) -> Any:
        """The action space's map on ``x``, called as the framework calls it."""
        raise NotImplementedError

    def inverse(self, bij: Any, y: Any) -> Any:
        """The inverse map on ``y``, called as the framework calls it."""
        raise NotImplementedError

    def forward_log_det(self, bij: Any, x: Any) -> Any:
        """log|det J| of the forward map at ``x``, by the framework's usual method."""
        raise NotImplementedError

    def forward_log_dets(self, bij: Any, x: Any) -> dict[str, Any]:
        """log|det J| of the forward map at ``x``, by every method the framework offers for it."""
        raise NotImplementedError

    def inverse_log_dets(self, bij: Any, y: Any) -> dict[str, Any]:
        """log|det J| of the inverse map at ``y``, by every method the framework offers for it."""
        raise NotImplementedError

    def jacobian(self, f: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
        """The autodiff Jacobian of ``f`` at float64 ``x`` ``(d,)``, as numpy ``(d, d)``."""
        raise NotImplementedError


def load(name: str) -> Backend:
    """The :class:`Backend` of ``"jax"`` or ``"torch"`` (the framework is imported here)."""
    return importlib.import_module(f"tests.backends.{name}_backend").BACKEND
