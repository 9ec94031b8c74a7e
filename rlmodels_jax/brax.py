"""Import policies trained with Brax or MuJoCo Playground (see ``rlmodels_common.brax`` and docs/brax.md)."""

from __future__ import annotations

from typing import Any, Mapping

from rlmodels_common.brax import convert, read_brax
from rlmodels_common.checkpoint_format import PathLike

from .models import Model


def from_brax(
    source: PathLike | tuple[Any, ...], step: int | None = None, *, config: PathLike | Mapping[str, Any] | None = None
) -> Model:
    """The ``rlmodels_jax`` model computing what a Brax PPO policy computes: an
    ``ActorCritic`` with Brax's observation normaliser, LayerNorms, head
    (``tanh_normal`` or ``normal``) and activation (docs/brax.md).

    ``source`` is a run folder (the ``save_checkpoint_path`` of Brax's
    ``ppo.train``, holding numbered step folders; ``step`` picks one, default
    the latest), one step folder, a ``brax.io.model.save_params`` pickle (read
    through an allow-list: nothing in it is imported or executed), or the
    ``(normaliser, policy_params, value_params)`` tuple ``ppo.train`` returns.
    A pickle or a tuple needs ``config``: the ``ppo_network_config.json``
    Brax wrote (a path, or its dict). Reading Orbax folders needs tensorstore
    (the ``jaxdem`` extra); nothing needs JAX or Brax.

    Raises ``BraxError`` (a ``CheckpointError``) naming what does not fit.
    """
    imported = convert(read_brax(source, step, config=config))
    model = Model.from_metadata(imported.model_type, imported.metadata)
    model.load_canonical_params(imported.tensors, source=imported.source.description)
    return model


__all__ = ["from_brax"]
