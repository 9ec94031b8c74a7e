"""What a checkpoint of a built-in model must hold, known without a framework.

The metadata a built-in model records (``metadata.check_metadata``) determines
its canonical parameters: :func:`parameter_shapes` states them once, for both
backends (tests build every configuration in each backend and compare).
:func:`check_checkpoint` is the check ``rlmodels inspect`` and both backends'
``load`` run, so a damaged checkpoint gets the same message from each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from .checkpoint_format import CONFIG_FILE, Checkpoint, CheckpointError, PathLike, check_tensors
from .metadata import BUILT_IN, KnownNames, builtin_model, check_metadata

Shapes = dict[str, tuple[int, ...]]


def parameter_shapes(model_type: str, metadata: Mapping[str, Any]) -> Shapes:
    """Canonical name -> shape of every parameter of the built-in ``model_type``
    described by valid ``metadata`` (JAX layout: Linear kernels are ``(in, out)``)."""
    m, name = metadata, builtin_model(model_type)
    if name == "SharedActorCritic":
        shapes, features = _mlp("network", m["observation_space_size"], m["architecture"])
        shapes |= _linear("critic", features, 1)
    elif name == "ActorCritic":
        shapes, features = _mlp("actor_torso", m["observation_space_size"], m["actor_architecture"])
        critic, critic_features = _mlp("critic", m["observation_space_size"], m["critic_architecture"])
        shapes |= critic | _linear(f"critic.layers.{2 * len(m['critic_architecture'])}", critic_features, 1)
    elif name == "LSTMActorCritic":
        hidden, features = m["hidden_features"], m["lstm_features"]
        shapes = _linear("encoder.layers.0", m["observation_space_size"], hidden)
        shapes |= _lstm_cell("cell", hidden, features, m["cell_type"]) | _linear("critic", features, 1)
    elif name == "MinGRUActorCritic":
        hidden, features, layers = m["hidden_features"], m["gru_features"], m["num_layers"]
        shapes = _linear("encoder.layers.0", m["observation_space_size"], hidden)
        if hidden != features:
            shapes |= _linear("proj_in", hidden, features)
        # one (H, 3H) kernel per layer, columns hidden | gate | proj; the mean (or
        # logits) and the value come from one head: columns [:A], then [A]
        shapes |= {"mingru_kernel": (layers, features, 3 * features)}
        shapes |= _linear("fused_head", features, m["action_space_size"] + 1)
    else:
        raise ValueError(f"{model_type!r} is not a built-in model; its parameters are its own")
    actions = m["action_space_size"]
    if name != "MinGRUActorCritic":
        shapes |= _linear("actor_mu", features, actions)
    if not m["discrete"]:
        shapes |= _linear("actor_sigma.layers.0", features, actions) if m["actor_sigma_head"] else {"log_std": (1, actions)}
    return shapes


def carry_shapes(model_type: str, metadata: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """The recurrent carry of the built-in ``model_type``: each entry's name, in
    the order the model takes them, and its shape for one environment; empty
    for a feed-forward model. ``LSTMActorCritic``: ``{"c": (H,), "h": (H,)}``,
    the ``(c, h)`` of ``model.step(x, (c, h))``; ``MinGRUActorCritic``:
    ``{"h": (num_layers, H)}``, the one array of ``model.step(x, h)``."""
    name = builtin_model(model_type)
    if name == "LSTMActorCritic":
        return {"c": (metadata["lstm_features"],), "h": (metadata["lstm_features"],)}
    if name == "MinGRUActorCritic":
        return {"h": (metadata["num_layers"], metadata["gru_features"])}
    return {}


def check_checkpoint(path: PathLike, checkpoint: Checkpoint, known: KnownNames = BUILT_IN) -> None:
    """Raise ``CheckpointError`` naming the file unless the checkpoint read from
    ``path`` describes a model ``known`` can build and, for a built-in model,
    holds exactly its parameters (names, shapes, dtype)."""
    path = Path(path)
    try:
        check_metadata(checkpoint.model_type, checkpoint.metadata, known)
    except CheckpointError as e:
        raise CheckpointError(f"{path / CONFIG_FILE}: {e}") from None
    if builtin_model(checkpoint.model_type) is None:
        return  # a user-registered model checks its own parameters when loading them
    dtype = checkpoint.metadata["dtype"]
    expected = {k: (shape, dtype) for k, shape in parameter_shapes(checkpoint.model_type, checkpoint.metadata).items()}
    check_tensors(expected, checkpoint.tensors, source=f"checkpoint {path}")


def _linear(prefix: str, fan_in: int, fan_out: int) -> Shapes:
    return {f"{prefix}.kernel": (fan_in, fan_out), f"{prefix}.bias": (fan_out,)}


def _mlp(prefix: str, features: int, sizes: list[int]) -> tuple[Shapes, int]:
    """``Linear, activation`` pairs in a ``Sequential``: kernels at ``layers.0, layers.2, ...``."""
    shapes: Shapes = {}
    for i, size in enumerate(sizes):
        shapes |= _linear(f"{prefix}.layers.{2 * i}", features, size)
        features = size
    return shapes, features


def _lstm_cell(prefix: str, fan_in: int, features: int, cell_type: str) -> Shapes:
    """Flax's cells: ``OptimizedLSTMCell`` fuses the gates i, f, g, o into ``(., 4H)``
    kernels with one bias; ``LSTMCell`` has a kernel per gate (``if_`` for the
    input forget gate: ``if`` is a keyword) and the bias on the recurrent ones."""
    if cell_type == "OptimizedLSTMCell":
        return {
            f"{prefix}.dense_i.kernel": (fan_in, 4 * features),
            f"{prefix}.dense_h.kernel": (features, 4 * features),
            f"{prefix}.dense_h.bias": (4 * features,),
        }
    shapes: Shapes = {}
    for gate in "ifgo":
        shapes[f"{prefix}.i{'f_' if gate == 'f' else gate}.kernel"] = (fan_in, features)
        shapes |= _linear(f"{prefix}.h{gate}", features, features)
    return shapes
