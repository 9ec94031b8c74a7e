"""The action-space base class: a registered torch Transform with a known
expected log-det, so that the transformed policy has an analytic entropy."""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable, TypeVar

import numpy as np
import torch
from torch.distributions import Transform

from rlmodels_common.action_spaces import LOG2
from rlmodels_common.factory import Factory
from rlmodels_common.configs.base import action_space_entry
from rlmodels_common.configs.fields import frozen

F = TypeVar("F", bound=Callable[..., Any])


def outside_compile(fn: F) -> F:
    """``fn`` kept out of ``torch.compile`` graphs (it builds cached constants).

    ``torch.compiler.disable`` imports dynamo (~0.7 s), which a policy that is
    never compiled should not pay: until dynamo is loaded nothing can be
    compiling, so ``fn`` runs as is.
    """
    disabled: list[Any] = []

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if not disabled:
            if "torch._dynamo" not in sys.modules:
                return fn(*args, **kwargs)
            disabled.append(torch.compiler.disable(fn))
        return disabled[0](*args, **kwargs)

    return call  # type: ignore[return-value]


class ActionSpace(Factory, Transform):
    """Base class of the action-space transforms (``Free``, ``Box``, ``MaxNorm``).

    Subclasses implement ``forward_and_log_det``, ``inverse_and_log_det``,
    ``log_det_expectation`` and ``kwargs``, with the same formulas as
    ``rlmodels_jax``; the ``Transform`` interface (``__call__``, ``inv``,
    ``log_abs_det_jacobian``) is derived from them. Constants are float64 and
    cast to the input's dtype and device at call time.
    """

    bijective = True
    is_identity = False
    """True for ``Free``: eager torch pays per op, so ``Transformed`` skips a
    map that does nothing and a log-det that is zero."""

    def __init__(self) -> None:
        super().__init__(cache_size=0)
        self._constants: dict[tuple[torch.dtype, torch.device], dict[str, torch.Tensor]] = {}

    @property
    def kwargs(self) -> dict[str, Any]:
        """Constructor arguments, JSON-serialisable."""
        raise NotImplementedError

    @property
    def metadata(self) -> dict[str, Any]:
        """``{"type": registered name, "kwargs": constructor arguments}``."""
        return action_space_entry(self.type_name, self.kwargs)

    def forward_and_log_det(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def inverse_and_log_det(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def log_det_expectation(self, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
        """``E[log|det J(x)|]`` for ``x ~ N(mean, diag(std**2))``.

        ``mean`` and ``std`` have shape ``(..., d)``. Returns ``(..., d)`` for a
        scalar transform (one term per component) and ``(...)`` for a vector one.
        """
        raise NotImplementedError

    def _call(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_and_log_det(x)[0]

    def _inverse(self, y: torch.Tensor) -> torch.Tensor:
        return self.inverse_and_log_det(y)[0]

    def log_abs_det_jacobian(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.forward_and_log_det(x)[1]

    def constants(self, like: torch.Tensor) -> dict[str, torch.Tensor]:
        """The float64 constants of :meth:`_constant_values` as tensors of
        ``like``'s dtype and device (built once per dtype and device)."""
        found = self._constants.get((like.dtype, like.device))
        return self._build_constants(like.dtype, like.device) if found is None else found

    @outside_compile
    def _build_constants(self, dtype: torch.dtype, device: torch.device) -> dict[str, torch.Tensor]:
        built = {
            name: torch.tensor(np.asarray(value, dtype=np.float64), dtype=dtype, device=device)
            for name, value in self._constant_values().items()
        }
        self._constants[(dtype, device)] = built
        return built

    def _prebuild_constants(self) -> None:
        # CPU float32/float64 are built here, so a compiled policy on CPU only looks them up.
        for dtype in (torch.float32, torch.float64):
            self._build_constants(dtype, torch.device("cpu"))

    def _constant_values(self) -> dict[str, Any]:
        return {}

    def __eq__(self, other: object) -> bool:
        # Equal when built from equal arguments, so that models with equal
        # configurations have equal (hashable) static structure and share
        # compiled code.
        return type(other) is type(self) and other.kwargs == self.kwargs

    def __hash__(self) -> int:
        return hash((type(self), frozen(self.kwargs)))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{type(self).__name__}({args})"


def log_sech2(z: torch.Tensor) -> torch.Tensor:
    """``log(sech(z)**2)`` without overflow: ``2 (log 2 - z - softplus(-2 z))``."""
    return 2.0 * (LOG2 - z - torch.logaddexp(-2.0 * z, torch.zeros((), dtype=z.dtype, device=z.device)))

