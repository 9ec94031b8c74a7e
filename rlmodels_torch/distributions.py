"""The policy distributions models return, and their deterministic action."""

from __future__ import annotations

import torch
from torch.distributions import Categorical, Distribution, Independent, Normal, TransformedDistribution

from rlmodels_common.action_spaces import HALF_LOG_2PI

from .action_spaces import ActionSpace, Block


class Transformed(TransformedDistribution):
    """A diagonal Gaussian pushed through an action-space transform, with an
    analytic entropy; the torch counterpart of ``rlmodels_jax.Transformed``.

    ``distribution`` is the base ``Independent(Normal, 1)``; ``bijector`` is an
    action space lifted to vectors (``Block`` or ``MaxNorm``). ``log_prob(y)``
    inverts the bijector with its own clipped inverse and log-det (as distrax
    does), and ``entropy() = H(base) + E[log|det J(x)|]`` by the bijector's
    Gauss-Hermite ``log_det_expectation``. Argument validation is off: models
    build one per call.
    """

    def __init__(self, distribution: Independent, bijector: ActionSpace | Block) -> None:
        base = getattr(distribution, "base_dist", None)
        if not (isinstance(base, Normal) and distribution.reinterpreted_batch_ndims == 1):
            raise TypeError(f"expected an Independent(Normal, 1) base distribution, got {distribution!r}")
        # The bijectors keep shapes, so the base shapes are ours; skipping
        # TransformedDistribution's shape inference keeps construction cheap.
        self.base_dist = distribution
        self.transforms = [bijector]
        Distribution.__init__(self, distribution.batch_shape, distribution.event_shape, validate_args=False)

    @property
    def distribution(self) -> Independent:
        """The base Gaussian (distrax's name for it)."""
        return self.base_dist

    @property
    def bijector(self) -> ActionSpace | Block:
        return self.transforms[0]

    @property
    def action_space(self) -> ActionSpace:
        """The model's action space (``bijector``, unlifted)."""
        return self.bijector.bijector if isinstance(self.bijector, Block) else self.bijector

    def __repr__(self) -> str:
        return f"Transformed({self.base_dist!r}, action_space={self.action_space!r})"

    def sample(self, sample_shape: torch.Size | tuple[int, ...] = torch.Size()) -> torch.Tensor:
        """Actions ``(*sample_shape, *batch_shape, A)``, without gradient (``rsample`` has one)."""
        if not torch.is_grad_enabled():  # rollouts: no context to enter
            return self._sample(sample_shape)
        with torch.no_grad():
            return self._sample(sample_shape)

    def _sample(self, sample_shape: torch.Size | tuple[int, ...]) -> torch.Tensor:
        normal = self.base_dist.base_dist
        # One sample per state is the rollout's call: torch.normal on the (already
        # batch-shaped) parameters is what Normal.sample runs, the same draw,
        # without two Python layers around it.
        # |scale|: a standard deviation that may go negative (sigma_activation identity) draws as distrax's does
        x = torch.normal(normal.loc, torch.abs(normal.scale)) if not sample_shape else self.base_dist.sample(sample_shape)
        return x if self.bijector.is_identity else self.bijector(x)

    def rsample(self, sample_shape: torch.Size | tuple[int, ...] = torch.Size()) -> torch.Tensor:
        return self.bijector(self.base_dist.rsample(sample_shape))

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """Log-density of actions ``(..., A)``; returns ``batch_shape``."""
        if value.shape[-1:] != self._event_shape:  # else a broadcasting error deep inside, or a wrong sum
            raise ValueError(f"expected actions of shape (..., {self._event_shape[0]}), got {tuple(value.shape)}")
        normal = self.base_dist.base_dist
        if self.bijector.is_identity:
            return _diagonal_normal_log_prob(value, normal.loc, normal.scale)
        x, log_det = self.bijector.inverse_and_log_det(value)
        return _diagonal_normal_log_prob(x, normal.loc, normal.scale) + log_det

    def entropy(self) -> torch.Tensor:
        """Entropy in nats, shape ``batch_shape``."""
        normal = self.base_dist.base_dist
        base = torch.sum(torch.log(torch.abs(normal.scale)), dim=-1) + normal.loc.shape[-1] * (0.5 + HALF_LOG_2PI)
        return base + self.bijector.log_det_expectation(normal.loc, normal.scale)


def _diagonal_normal_log_prob(x: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """``Independent(Normal(loc, scale), 1).log_prob(x)``, summed over the last axis.

    Written out (``-sum(z^2 / 2 + log|scale|) - d log(2 pi) / 2`` with
    ``z = (x - loc) / scale``, as distrax computes it) rather than through
    torch's ``Normal.log_prob`` and ``Independent``, whose Python layers cost
    ~14 us of a ~130 us act step at batch 1 (benchmarks/).
    """
    z = (x - loc) / scale
    # log|scale|, as distrax's diagonal linear map has it (a negative standard
    # deviation from sigma_activation identity); 0.5 z^2 + log|scale| in one op:
    # each op with a Python float costs ~1.5 us.
    return -(torch.sum(torch.addcmul(torch.log(torch.abs(scale)), z, z, value=0.5), dim=-1) + z.shape[-1] * HALF_LOG_2PI)


def deterministic_action(pi: Transformed | Categorical) -> torch.Tensor:
    """The action a policy takes when it does not explore.

    Continuous: the bijector applied to the Gaussian mean, ``(..., A)``.
    Discrete: the most likely action, ``(...)`` integers.
    """
    if isinstance(pi, Categorical):
        return torch.argmax(pi.logits, dim=-1)
    if isinstance(pi, Transformed):
        return pi.bijector(pi.base_dist.base_dist.loc)
    raise TypeError(
        f"expected a policy returned by an rlmodels model (Transformed or Categorical), got {type(pi).__name__}"
    )
