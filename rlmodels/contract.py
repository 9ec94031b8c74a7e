"""What a model takes and gives, stated once for the tools that drive it from
outside (exported files, TorchRL, Stable-Baselines3): observation and action
sizes, the action space, and the recurrent carry's names and shapes.

Reads only ``model.metadata`` and ``model.type_name``, so it works for either
backend and imports neither framework.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

__all__ = ["carry_shapes", "describe", "version"]


def carry_shapes(model: Any) -> dict[str, tuple[int, ...]]:
    """The recurrent carry's entries, in the order the model takes them, and
    the shape of each for one environment; empty for a feed-forward model.

    ``LSTMActorCritic``: ``{"c": (lstm_features,), "h": (lstm_features,)}``,
    the ``(c, h)`` of ``model.step(x, (c, h))``. A model whose carry is one
    array (MinGRU's ``h`` ``(num_layers, gru_features)``) has one entry.
    """
    meta = model.metadata
    if "lstm_features" in meta:
        return {"c": (meta["lstm_features"],), "h": (meta["lstm_features"],)}
    return {}


def describe(model: Any) -> dict[str, Any]:
    """The model's contract as JSON-serialisable facts: type and metadata,
    sizes, the action space (``None`` when discrete), the carry, our version."""
    meta = model.metadata
    return {
        "model_type": model.type_name,
        "metadata": meta,
        "observation_size": meta["observation_space_size"],
        "action_size": meta["action_space_size"],
        "discrete": meta["discrete"],
        "action_space": meta["action_space"],
        "dtype": meta["dtype"],
        "carry": {name: list(shape) for name, shape in carry_shapes(model).items()},
        "rlmodels_version": version(),
    }


def version() -> str:
    """The installed ``rlmodels-parity`` distribution's version, or ``"unknown"``
    when running from a source tree that was never installed."""
    try:
        return metadata.version("rlmodels-parity")
    except metadata.PackageNotFoundError:
        return "unknown"
