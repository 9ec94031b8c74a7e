"""What a Brax PPO policy is, as read: the observation normaliser, the policy
and value parameters, the network config and where they came from. Plain
data: numpy arrays and our own records, nothing of Brax's."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..checkpoint_format import CheckpointError

if TYPE_CHECKING:
    from .config import BraxNetworkConfig

Statistic = np.ndarray | dict[str, np.ndarray]
"""One array ``(D,)`` for array observations, or one per observation key."""


class BraxError(CheckpointError):
    """A Brax checkpoint, pickle, config or params tuple the reader cannot take;
    the message says what is wrong and what to do."""


class NormalizationMode(enum.IntEnum):
    """How Brax updated the statistics (``running_statistics.NormalizationMode``).
    Either way the networks apply the stored ``mean`` and ``std``; in ``EMA``
    mode ``summed_variance`` holds a variance, not a sum."""

    WELFORD = 0
    EMA = 1


@dataclass(frozen=True)
class BraxNormalizer:
    """Brax's ``RunningStatisticsState``: the networks compute ``(x - mean) / std``
    with the stored ``std`` (no epsilon, no clipping at use: ``std_eps`` was
    added inside the square root and ``std`` clipped to [1e-6, 1e6] when the
    statistics were updated). With dict observations each statistic is a dict
    by key, and each network normalises only its own key.

    ``count`` is the number of observations seen (Brax's ``UInt64`` as an int),
    ``mode`` is None when the source does not record it (Orbax saves do not:
    it is a static field).
    """

    mean: Statistic
    std: Statistic
    summed_variance: Statistic | None = None
    count: int | float | None = None
    std_eps: float = 0.0
    mode: NormalizationMode | None = None

    @property
    def keys(self) -> tuple[str, ...] | None:
        """The observation keys of dict observations, sorted; None for array observations."""
        return tuple(sorted(self.mean)) if isinstance(self.mean, dict) else None

    def statistics(self, key: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, std)``, each ``(D,)``, for the network reading observation
        ``key`` (Brax's ``normalizer_select``); ``key`` is ignored for array observations."""
        if not isinstance(self.mean, dict):
            return self.mean, self.std  # type: ignore[return-value]
        if key not in self.mean:
            raise BraxError(
                f"the normaliser has statistics for the observation keys {list(self.keys or ())}, not {key!r}; "
                "check policy_obs_key / value_obs_key in the network config"
            )
        return self.mean[key], self.std[key]  # type: ignore[index]


@dataclass(frozen=True)
class BraxSource:
    """A Brax PPO policy as read by :func:`rlmodels_common.brax.read_brax`.

    ``policy_params`` and ``value_params`` map Flax paths joined by ``/``
    (``params/hidden_0/kernel``, kernels ``(in, out)``) to numpy arrays;
    ``value_params`` is None for a pickle or tuple holding only
    ``(normaliser, policy_params)``. ``kind`` is ``"orbax"``, ``"pickle"`` or
    ``"memory"``; ``step`` the training step of an Orbax folder (None otherwise);
    ``description`` names the source in error messages.
    """

    description: str
    kind: str
    normalizer: BraxNormalizer
    policy_params: dict[str, np.ndarray]
    value_params: dict[str, np.ndarray] | None
    config: BraxNetworkConfig
    step: int | None = None


__all__ = ["BraxError", "BraxNormalizer", "BraxSource", "NormalizationMode", "Statistic"]
