"""How JaxDEM describes each model type, and what its metadata means here.

JaxDEM's metadata holds the constructor arguments of its models, which ours
share by design; it records callables (activations, LSTM cells) by import
path and the action space as ``{"type": "box", "kw": {...}}``. Nothing named
in a file is imported: callables map through allow-lists
(:data:`JAXDEM_ACTIVATIONS`, :data:`JAXDEM_CELLS`) to registered names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..configs import CELL_TYPES, ActorCriticConfig, LSTMActorCriticConfig, MinGRUActorCriticConfig, ModelConfig
from ..configs import SharedActorCriticConfig, action_space_entry
from ..initialization import ACTOR_SCALE, CRITIC_SCALE, IN_SCALE
from .reading import JaxdemError

__all__ = ["JAXDEM_ACTIVATIONS", "JAXDEM_CELLS", "LAYOUTS", "Layout", "translate_metadata"]

_NN_FUNCTIONS = {
    "gelu": "gelu", "relu": "relu", "tanh": "tanh", "silu": "silu", "swish": "silu", "elu": "elu",
    "leaky_relu": "leaky_relu", "sigmoid": "sigmoid", "softplus": "softplus", "identity": "identity",
}  # fmt: skip
_NN_MODULES = ("jax.nn", "jax._src.nn.functions", "flax.nnx", "flax.nnx.nn.activations", "flax.linen")
_TANH_MODULES = ("jax.numpy", "jax._src.numpy.ufuncs", "jax.lax", "jax._src.lax.lax", "numpy")

JAXDEM_ACTIVATIONS: dict[str, str] = {
    **{f"{module}.{fn}": name for module in _NN_MODULES for fn, name in _NN_FUNCTIONS.items()},
    **{f"{module}.tanh": "tanh" for module in _TANH_MODULES},
}
"""Dotted paths JaxDEM records for activations -> our registered names. The JAX
defaults match ours: ``gelu`` is the tanh approximation, ``leaky_relu`` has
slope 0.01."""

JAXDEM_CELLS: dict[str, str] = {
    f"{module}.{cell}": cell for module in ("flax.nnx.nn.recurrent", "flax.nnx") for cell in CELL_TYPES
}
"""Dotted paths JaxDEM records for LSTM cells -> our cell names."""

COMMON = ("observation_space_size", "action_space_size", "activation", "action_space", "actor_sigma_head", "discrete")
"""The metadata keys every JaxDEM model records."""

_DISTRAX_FLAGS = ("event_ndims_in", "event_ndims_out", "is_constant_jacobian", "is_constant_log_det")


@dataclass(frozen=True)
class Layout:
    """A JaxDEM model type: the configuration it maps to, the metadata keys
    JaxDEM records beyond :data:`COMMON`, the ones older JaxDEM omits (and what
    they then are; None: read from the stored carry), and whether the current
    JaxDEM computes the policy and the value from one ``fused_head``."""

    config: type[ModelConfig]
    keys: tuple[str, ...]
    absent: Mapping[str, Any] = field(default_factory=dict)
    fused: bool = False


_SCALES = {"in_scale": IN_SCALE, "actor_scale": ACTOR_SCALE, "critic_scale": CRITIC_SCALE}
_RECURRENT = {"remat": False, "carry_leading_shape": None}

LAYOUTS: dict[str, Layout] = {
    "sharedactorcritic": Layout(SharedActorCriticConfig, ("architecture", *_SCALES), _SCALES),
    "actorcritic": Layout(ActorCriticConfig, ("actor_architecture", "critic_architecture", *_SCALES), _SCALES),
    "lstmactorcritic": Layout(
        LSTMActorCriticConfig, ("hidden_features", "lstm_features", "cell_type", *_RECURRENT), _RECURRENT, fused=True
    ),
    "mingruactorcritic": Layout(
        MinGRUActorCriticConfig, ("hidden_features", "gru_features", "num_layers", *_RECURRENT), _RECURRENT, fused=True
    ),
}
"""The JaxDEM model types the importer maps, by JaxDEM's lower-case type name."""


def translate_metadata(
    layout: Layout, jaxdem: Mapping[str, Any], activation: str | None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Our constructor arguments from JaxDEM's metadata (``carry_leading_shape``
    None where it is to be read from the carry), and the metadata entries
    dropped. ``activation`` replaces the metadata's (for a callable outside
    the allow-list)."""
    known = set(COMMON) | set(layout.keys)
    unknown = sorted(set(jaxdem) - known)
    if unknown:
        raise JaxdemError(
            f"JaxDEM metadata has entries the importer does not know for {layout.config.model_type}: {unknown}; "
            "it may come from a newer JaxDEM whose models compute something else"
        )
    missing = sorted(k for k in known - set(jaxdem) if k not in layout.absent)
    if missing:
        raise JaxdemError(f"JaxDEM metadata lacks {missing} for {layout.config.model_type}")
    m = {k: jaxdem.get(k, layout.absent.get(k)) for k in (*COMMON, *layout.keys)}
    for flag in ("discrete", "actor_sigma_head", *(["remat"] if "remat" in m else [])):
        if not isinstance(m[flag], bool):
            raise JaxdemError(f"JaxDEM metadata: expected {flag} true or false, got {m[flag]!r}")
    m["actor_sigma_head"] = m["actor_sigma_head"] and not m["discrete"]  # JaxDEM ignores it when discrete
    override = "from_jaxdem(path, activation='gelu') or rlmodels import-jaxdem DIR --activation gelu"
    if activation is None:
        m["activation"] = callable_name(jaxdem["activation"], JAXDEM_ACTIVATIONS, "activation", override)
    elif isinstance(activation, str):
        m["activation"] = activation
    else:
        raise TypeError(f"expected activation to be a registered activation name, got {type(activation).__name__}")
    if "cell_type" in m:
        no_override = "no override: only Flax's OptimizedLSTMCell and LSTMCell are mapped"
        m["cell_type"] = callable_name(m["cell_type"], JAXDEM_CELLS, "LSTM cell", no_override)
    m["action_space"] = None if m["discrete"] else _action_space(m["action_space"])
    dropped = [] if activation is None else [("activation", f"replaced by activation={activation!r}")]
    return m, dropped


def callable_name(entry: Any, table: Mapping[str, str], what: str, override: str) -> str:
    """Our name for a JaxDEM callable entry (``{"_callable": true, "path": ...}``),
    looked up in ``table``; never imports the path."""
    path = entry.get("path") if isinstance(entry, Mapping) and entry.get("_callable") else entry
    if isinstance(path, str) and path in table:
        return table[path]
    known = sorted(set(table.values()))
    raise JaxdemError(
        f"JaxDEM metadata names the {what} {path!r}, which is not on the importer's allow-list "
        f"(it maps {', '.join(known)} from the paths JAX and Flax record; nothing named in a file is "
        f"imported). If it computes one of the registered names, pass it explicitly: {override}"
    )


def _action_space(entry: Any) -> dict[str, Any]:
    """Our action-space entry from JaxDEM's ``{"type": "box", "kw": {...}}`` (null: Free)."""
    if entry is None:
        return action_space_entry("Free", {})
    if not (isinstance(entry, Mapping) and isinstance(entry.get("type"), str) and isinstance(entry.get("kw", {}), Mapping)):
        raise JaxdemError(f'JaxDEM metadata: expected action_space null or {{"type": str, "kw": {{...}}}}, got {entry!r}')
    kinds = {"box": ("Box", ("x_min", "x_max", "width", "eps"), 0), "maxnorm": ("MaxNorm", ("max_norm", "eps"), 1), "free": ("Free", (), 0)}
    kind = entry["type"].lower().replace("_", "").removesuffix("space")
    if kind not in kinds:
        raise JaxdemError(f"JaxDEM metadata: unknown action space {entry['type']!r}; supported: Box, MaxNorm, Free")
    ours, names, event_ndims = kinds[kind]
    kw = dict(entry.get("kw", {}))
    unknown = sorted(set(kw) - set(names) - set(_DISTRAX_FLAGS))
    if unknown:
        raise JaxdemError(f"JaxDEM metadata: {ours} has arguments the importer does not know: {unknown}")
    if kw.get("event_ndims_in", event_ndims) != event_ndims:
        raise JaxdemError(
            f"JaxDEM metadata: {ours} with event_ndims_in={kw['event_ndims_in']} is not the {ours} "
            f"JaxDEM's models build (event_ndims_in={event_ndims})"
        )
    return action_space_entry(ours, {k: kw[k] for k in names if k in kw})
