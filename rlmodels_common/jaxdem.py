"""Importing policies trained with JaxDEM: read its checkpoints, recognise the
parameter layout, map it to canonical names. Framework-free: numpy, and
tensorstore (the ``jaxdem`` extra) to read the Orbax state, imported only when
a directory is read.

JaxDEM's ``CheckpointModelWriter`` writes one folder per saved step::

    run/7/model_state/               Orbax pytree (OCDBT + zarr) of nnx.split(model)[1]
    run/7/model_metadata/metadata    JSON: constructor arguments and model_type

Two parameter layouts exist, recognised from the state, never from a flag:

- seed-era (JaxDEM 531f8d8): ``_log_std`` and ``_actor_sigma.layers.0.*``,
  both stored whether or not they are used; the heads are ``actor_mu`` and
  ``critic``.
- current (JaxDEM 5d9c13a): ``_log_std`` in every model (used only without a
  sigma head), a sigma head as ``actor_sigma.net.layers.0.*``; the recurrent
  models compute the mean (or logits) and the value from one ``fused_head``
  ``(F, A + 1)`` and still store ``actor_mu`` and ``critic``, unused and stale.

Either way the state may also hold the recurrent carry (``c``, ``h``) at the
training shape and action-space constants (``bij.*``), which are checked
against the metadata and dropped. Nothing named in the metadata is imported:
callables map through an allow-list (:data:`JAXDEM_ACTIVATIONS`,
:data:`JAXDEM_CELLS`) to registered names.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from .action_spaces import box_constants, max_norm_constants
from .activations import ACTIVATIONS
from .carry import from_entries
from .checkpoint_format import CheckpointError, PathLike
from .initialization import ACTOR_SCALE, CRITIC_SCALE, IN_SCALE, layer_sizes, positive_int
from .metadata import CELL_TYPES, action_space_entry, check_metadata, jsonable
from .tolerances import tolerance

INSTALL_HINT = "pip install 'rlmodels-parity[jaxdem]'"
STATE_DIR = "model_state"
METADATA_FILE = ("model_metadata", "metadata")

Shape = tuple[int, ...]


class JaxdemError(CheckpointError):
    """A JaxDEM checkpoint or model the importer cannot take; the message says
    what is wrong and what to do."""


# -- the allow-list of callables --------------------------------------------------

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


# -- what was read ----------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A JaxDEM model as read: its type name (JaxDEM's, e.g. ``lstmactorcritic``),
    its metadata (JSON as JaxDEM wrote it) and its state arrays under dotted
    paths without Flax's trailing ``.value``."""

    description: str
    model_type: str
    metadata: dict[str, Any]
    arrays: dict[str, np.ndarray]
    step: int | None = None


@dataclass(frozen=True)
class Imported:
    """A JaxDEM model mapped to ours: ``Model.from_metadata(model_type, metadata)``
    then ``load_canonical_params(tensors)`` builds it. ``carry`` holds the
    entries of the stored recurrent carry in our order (``(c, h)`` for the
    LSTM, each ``(*carry_leading_shape, lstm_features)``; ``(h,)`` for the
    MinGRU, ``(*carry_leading_shape, num_layers, gru_features)``) or is None;
    :attr:`model_carry` is it as the model takes it. ``mapped`` lists
    ``(source entry, canonical name)``, ``dropped`` ``(source entry, why)``."""

    source: Source
    layout: str
    model_type: str
    metadata: dict[str, Any]
    tensors: dict[str, np.ndarray]
    carry: tuple[np.ndarray, ...] | None
    mapped: tuple[tuple[str, str], ...]
    dropped: tuple[tuple[str, str], ...]

    @property
    def model_carry(self) -> Any:
        """The stored carry as ``model.step`` takes it: ``(c, h)``, the MinGRU's one array ``h``, or None."""
        return None if self.carry is None else from_entries(self.carry)

    def table(self) -> str:
        """The mapping as a readable table: every source entry, where it went or why it was dropped."""
        rows = [(src, dst) for src, dst in self.mapped] + [(src, f"(dropped: {why})") for src, why in self.dropped]
        width = max(len(src) for src, _ in rows)
        head = f"{self.source.description}: JaxDEM {self.source.model_type} ({self.layout} layout) -> {self.model_type}"
        return "\n".join([head, f"  {'JaxDEM entry':<{width}}  rlmodels name", *(f"  {s:<{width}}  {d}" for s, d in rows)])


# -- reading a checkpoint directory ----------------------------------------------


def step_numbers(directory: PathLike) -> list[int]:
    """The saved steps in a JaxDEM checkpoint directory, ascending: its numbered
    folders holding a ``model_state`` (Orbax's unfinished saves are not numbers)."""
    root = Path(directory)
    return sorted(int(p.name) for p in root.iterdir() if p.name.isdigit() and (p / STATE_DIR).is_dir())


def read_directory(directory: PathLike, step: int | None = None) -> Source:
    """Read ``step`` (default: the latest) of the JaxDEM checkpoint ``directory``.

    ``directory`` is the folder given to JaxDEM's ``CheckpointModelWriter``
    (holding numbered step folders) or one step folder. Raises
    ``JaxdemError`` for a directory without steps, a missing step (listing
    the available ones) and a truncated or corrupt state; ``ImportError``
    naming the extra when tensorstore is missing.
    """
    root = Path(directory)
    if not root.is_dir():
        raise JaxdemError(f"{root} is not a directory; expected a JaxDEM checkpoint directory")
    if (root / STATE_DIR).is_dir():  # one step folder
        own = int(root.name) if root.name.isdigit() else None
        if step is not None and step != own:
            raise JaxdemError(f"{root} is the step folder {root.name}; pass its parent to choose step {step}")
        step_dir, step = root, own
    else:
        steps = step_numbers(root)
        if not steps:
            raise JaxdemError(
                f"{root} holds no JaxDEM checkpoint steps (numbered folders with {STATE_DIR}/); "
                "pass the directory JaxDEM's CheckpointModelWriter wrote to"
            )
        if step is None:
            step = steps[-1]
        elif step not in steps:
            raise JaxdemError(f"{root} has no step {step}; available steps: {', '.join(map(str, steps))}")
        step_dir = root / str(step)
    metadata = read_metadata(step_dir)
    model_type = metadata.pop("model_type", None)
    if not isinstance(model_type, str):
        raise JaxdemError(f"{step_dir.joinpath(*METADATA_FILE)} has no model_type; is it a JaxDEM model checkpoint?")
    return Source(str(step_dir), model_type, metadata, read_state(step_dir / STATE_DIR), step)


def read_metadata(step_dir: PathLike) -> dict[str, Any]:
    """The JSON metadata JaxDEM stored beside the state of one step."""
    path = Path(step_dir).joinpath(*METADATA_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            metadata = json.load(f)
    except FileNotFoundError:
        raise JaxdemError(f"{path} is missing; is {step_dir} a JaxDEM model checkpoint step?") from None
    except (OSError, ValueError) as e:
        raise JaxdemError(f"{path} is truncated or corrupt: {e}") from None
    if not isinstance(metadata, dict):
        raise JaxdemError(f"{path}: expected a JSON object, got {type(metadata).__name__}")
    return metadata


def read_state(state_dir: PathLike) -> dict[str, np.ndarray]:
    """Every array of an Orbax pytree checkpoint (OCDBT or plain zarr folders,
    zarr v2 or v3) as numpy, by dotted path without the trailing ``.value``."""
    ts = _tensorstore()
    path = Path(state_dir).resolve()
    base: dict[str, Any] = {"driver": "file", "path": f"{path}/"}
    kvstore = {"driver": "ocdbt", "base": base} if (path / "manifest.ocdbt").is_file() else base
    try:
        keys = [k.decode() for k in ts.KvStore.open(kvstore).result().list().result()]
    except ValueError as e:
        raise JaxdemError(f"the Orbax state in {path} is truncated or corrupt: {e}") from None
    drivers = {"/.zarray": "zarr", "/zarr.json": "zarr3"}
    found = {k[: -len(suffix)]: driver for k in keys for suffix, driver in drivers.items() if k.endswith(suffix)}
    listed = _listed_arrays(path)
    missing = sorted(set(listed) - set(found))
    if missing or not found:
        raise JaxdemError(
            f"the Orbax state in {path} is truncated or corrupt: "
            + (f"arrays {missing} are listed in _METADATA but not stored" if missing else "it stores no arrays")
        )
    arrays = {}
    for name, driver in sorted(found.items()):
        spec = {"driver": driver, "kvstore": {**kvstore, "path": f"{name}/"}}
        try:
            arrays[_strip_value(name)] = np.asarray(ts.open(spec, open=True, read=True).result().read().result())
        except ValueError as e:
            raise JaxdemError(f"the Orbax state in {path} is truncated or corrupt: reading {name}: {e}") from None
    return arrays


def _listed_arrays(path: Path) -> list[str]:
    """The array names Orbax's ``_METADATA`` lists (empty if the file is absent)."""
    try:
        with open(path / "_METADATA", encoding="utf-8") as f:
            tree = json.load(f)["tree_metadata"]
        return [".".join(str(k["key"]) for k in entry["key_metadata"]) for entry in tree.values()]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise JaxdemError(f"{path / '_METADATA'} is truncated or corrupt: {e!r}") from None


def _tensorstore() -> Any:
    try:
        import tensorstore
    except ImportError:
        raise ImportError(
            f"reading JaxDEM (Orbax) checkpoints needs tensorstore, which is not installed; "
            f"install the extra: {INSTALL_HINT}"
        ) from None
    return tensorstore


def _strip_value(path: str) -> str:
    return path[: -len(".value")] if path.endswith(".value") else path


def source_from_state(description: str, model_type: str, metadata: Mapping[str, Any], flat: Mapping[str, Any]) -> Source:
    """A :class:`Source` from an in-memory model's type name, metadata and flat
    state (dotted path -> array); callables in the metadata become their dotted
    paths, as JaxDEM's writer records them."""
    arrays = {_strip_value(k): np.asarray(v) for k, v in flat.items()}
    return Source(description, model_type, _encode_callables(dict(metadata)), arrays)


def _encode_callables(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _encode_callables(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode_callables(v) for v in value]
    if callable(value):
        module, name = getattr(value, "__module__", None), getattr(value, "__name__", None)
        return {"_callable": True, "path": f"{module}.{name}"}
    return jsonable(value)


# -- the model types ---------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How JaxDEM stores one model type, and what it becomes here.

    ``torso(metadata)`` gives the JaxDEM entries before the policy and value
    heads (path -> shape; they keep their names) and the heads' feature size.
    ``carry`` names the state entries holding the recurrent carry, in our
    order, and ``carry_tail(metadata)`` their shape after the leading
    (batch) axes: ``(lstm_features,)`` for the LSTM, ``(num_layers,
    gru_features)`` for the MinGRU's ``h``.
    ``critic_head``: the value is a ``critic`` Linear on the head features
    (else the torso holds the critic). ``fused``: the current layout computes
    the actor and the value from one ``fused_head``; ``fused_kept``: our model
    has that ``fused_head`` too (the MinGRU), so it is required and copied
    whole instead of split into ``actor_mu`` and ``critic``.
    """

    model_type: str
    parameters: tuple[str, ...]
    torso: Callable[[Mapping[str, Any]], tuple[dict[str, Shape], int]]
    critic_head: bool = True
    carry: tuple[str, ...] = ()
    carry_tail: Callable[[Mapping[str, Any]], Shape] | None = None
    fused: bool = False
    fused_kept: bool = False
    defaults: Mapping[str, Any] = field(default_factory=dict)


def _linear(name: str, n_in: int, n_out: int) -> dict[str, Shape]:
    return {f"{name}.kernel": (n_in, n_out), f"{name}.bias": (n_out,)}


def _mlp(name: str, n_in: int, sizes: tuple[int, ...]) -> tuple[dict[str, Shape], int]:
    """``Linear, activation`` pairs in an ``nnx.Sequential``: kernels at ``layers.0, 2, ...``."""
    entries: dict[str, Shape] = {}
    for i, size in enumerate(sizes):
        entries |= _linear(f"{name}.layers.{2 * i}", n_in, size)
        n_in = size
    return entries, n_in


def _shared_torso(m: Mapping[str, Any]) -> tuple[dict[str, Shape], int]:
    return _mlp("network", m["observation_space_size"], layer_sizes("architecture", m["architecture"]))


def _actor_critic_torso(m: Mapping[str, Any]) -> tuple[dict[str, Shape], int]:
    obs = m["observation_space_size"]
    actor, features = _mlp("actor_torso", obs, layer_sizes("actor_architecture", m["actor_architecture"]))
    sizes = layer_sizes("critic_architecture", m["critic_architecture"])
    critic, critic_features = _mlp("critic", obs, sizes)
    return actor | critic | _linear(f"critic.layers.{2 * len(sizes)}", critic_features, 1), features


def _lstm_torso(m: Mapping[str, Any]) -> tuple[dict[str, Shape], int]:
    hidden = positive_int("hidden_features", m["hidden_features"])
    lstm = positive_int("lstm_features", m["lstm_features"])
    entries = _linear("encoder.layers.0", m["observation_space_size"], hidden)
    if m["cell_type"] == "OptimizedLSTMCell":
        entries |= {"cell.dense_i.kernel": (hidden, 4 * lstm), **_linear("cell.dense_h", lstm, 4 * lstm)}
    else:
        for gate in ("i", "f_", "g", "o"):  # Flax's LSTMCell names the forget gate's input kernel "if_"
            entries |= {f"cell.i{gate}.kernel": (hidden, lstm), **_linear(f"cell.h{gate[0]}", lstm, lstm)}
    return entries, lstm


def _mingru_torso(m: Mapping[str, Any]) -> tuple[dict[str, Shape], int]:
    hidden = positive_int("hidden_features", m["hidden_features"])
    features = positive_int("gru_features", m["gru_features"])
    layers = positive_int("num_layers", m["num_layers"])
    entries = _linear("encoder.layers.0", m["observation_space_size"], hidden)
    if hidden != features:
        entries |= _linear("proj_in", hidden, features)
    return entries | {"mingru_kernel": (layers, features, 3 * features)}, features


_SCALES = {"in_scale": IN_SCALE, "actor_scale": ACTOR_SCALE, "critic_scale": CRITIC_SCALE}

LAYOUTS: dict[str, Layout] = {
    "sharedactorcritic": Layout(
        "SharedActorCritic", ("architecture", "in_scale", "actor_scale", "critic_scale"), _shared_torso,
        defaults=_SCALES,
    ),
    "actorcritic": Layout(
        "ActorCritic", ("actor_architecture", "critic_architecture", "in_scale", "actor_scale", "critic_scale"),
        _actor_critic_torso, critic_head=False, defaults=_SCALES,
    ),
    "lstmactorcritic": Layout(
        "LSTMActorCritic", ("hidden_features", "lstm_features", "cell_type", "remat", "carry_leading_shape"),
        _lstm_torso, carry=("c", "h"), carry_tail=lambda m: (m["lstm_features"],), fused=True,
        defaults={"remat": False, "carry_leading_shape": None},
    ),
    "mingruactorcritic": Layout(
        "MinGRUActorCritic", ("hidden_features", "gru_features", "num_layers", "remat", "carry_leading_shape"),
        _mingru_torso, carry=("h",), carry_tail=lambda m: (m["num_layers"], m["gru_features"]), fused=True,
        fused_kept=True, defaults={"remat": False, "carry_leading_shape": None},
    ),
}  # fmt: skip
"""The JaxDEM model types the importer maps, by JaxDEM's lower-case type name."""

_COMMON = ("observation_space_size", "action_space_size", "activation", "action_space", "actor_sigma_head", "discrete")
_DISTRAX_FLAGS = ("event_ndims_in", "event_ndims_out", "is_constant_jacobian", "is_constant_log_det")


# -- mapping ------------------------------------------------------------------------


def convert(source: Source, activation: str | None = None) -> Imported:
    """Map a JaxDEM model to ours, validating everything against its metadata.

    ``activation``: a registered activation name to use instead of the
    metadata's (needed when the metadata names a callable outside the
    allow-list). Raises ``JaxdemError`` naming the offending entries for an
    unknown model type, metadata the importer does not understand, missing,
    unexpected or mis-shaped arrays, a ``fused_head`` whose width is not
    ``A + 1``, and action-space constants that contradict the metadata.
    """
    name = source.model_type.lower().replace("_", "")
    layout = LAYOUTS.get(name)
    if layout is None:
        raise JaxdemError(
            f"{source.description}: unknown JaxDEM model type {source.model_type!r}; "
            f"supported: {', '.join(layout.model_type for layout in LAYOUTS.values())}"
        )
    try:
        metadata, dropped = _metadata(layout, source.metadata, activation)
        torso, features = layout.torso(metadata)
    except (ValueError, TypeError) as e:
        if isinstance(e, JaxdemError):
            raise
        raise JaxdemError(f"{source.description}: JaxDEM metadata: {e}") from None
    arrays = source.arrays
    era = "seed-era" if any(k.startswith("_actor_sigma.") for k in arrays) else "current"
    fused = era == "current" and layout.fused and ("fused_head.kernel" in arrays or layout.fused_kept)
    sigma_stored = source.metadata.get("actor_sigma_head") is True
    heads = _heads(metadata, features, layout.critic_head, era, fused, sigma_stored, layout.fused_kept)
    carry_entries = _carry_entries(layout, metadata, arrays)
    constants = {k for k in arrays if k.startswith("bij.")}
    expected = {**torso, **{k: shape for k, (shape, _, _) in heads.items()}, **carry_entries}
    _check_entries(source.description, era, layout, expected, set(arrays) - constants, arrays)
    dtype = _dtype(source.description, arrays)
    dropped += _check_constants(source.description, metadata, {k: arrays[k] for k in constants})

    tensors: dict[str, np.ndarray] = {}
    mapped: list[tuple[str, str]] = []
    for path in sorted(torso):
        tensors[path] = arrays[path]
        mapped.append((path, path))
    for key, (_, target, columns) in sorted(heads.items()):
        path = key.split("#")[0]
        if target is None:
            dropped.append((path, str(columns)))
        elif isinstance(columns, slice):
            tensors[target] = np.ascontiguousarray(arrays[path][..., columns])
            mapped.append((f"{path}[..., {columns.start}:{columns.stop}]", target))
        else:
            tensors[target] = arrays[path]
            mapped.append((path, target))
    carry = tuple(arrays[k] for k in layout.carry) if layout.carry else None
    dropped += [(k, "the recurrent carry, not a parameter (with_carry=True hands it over)") for k in layout.carry]
    metadata = {**metadata, "dtype": dtype}
    if carry is not None and layout.carry_tail is not None:
        metadata["carry_leading_shape"] = list(carry[0].shape[: carry[0].ndim - len(layout.carry_tail(metadata))])
    check_metadata(layout.model_type, metadata)
    return Imported(source, era, layout.model_type, metadata, tensors, carry, tuple(mapped), tuple(dropped))


def _metadata(
    layout: Layout, jaxdem: Mapping[str, Any], activation: str | None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Our metadata (without dtype) from JaxDEM's, and the metadata entries dropped."""
    known = set(_COMMON) | set(layout.parameters)
    unknown = sorted(set(jaxdem) - known)
    if unknown:
        raise JaxdemError(
            f"JaxDEM metadata has entries the importer does not know for {layout.model_type}: {unknown}; "
            "it may come from a newer JaxDEM whose models compute something else"
        )
    missing = sorted(k for k in known - set(jaxdem) if k not in layout.defaults)
    if missing:
        raise JaxdemError(f"JaxDEM metadata lacks {missing} for {layout.model_type}")
    m = {k: jaxdem.get(k, layout.defaults.get(k)) for k in (*_COMMON, *layout.parameters)}
    m["observation_space_size"] = positive_int("observation_space_size", m["observation_space_size"])
    m["action_space_size"] = positive_int("action_space_size", m["action_space_size"])
    m["discrete"] = _flag("discrete", m["discrete"])
    sigma_head = _flag("actor_sigma_head", m["actor_sigma_head"])
    m["actor_sigma_head"] = sigma_head and not m["discrete"]
    override = "from_jaxdem(path, activation='gelu') or rlmodels import-jaxdem DIR --activation gelu"
    if activation is None:
        m["activation"] = callable_name(jaxdem["activation"], JAXDEM_ACTIVATIONS, "activation", override)
    elif isinstance(activation, str):
        m["activation"] = activation
    else:
        raise TypeError(f"expected activation to be a registered activation name, got {type(activation).__name__}")
    if "cell_type" in m:
        m["cell_type"] = callable_name(
            m["cell_type"], JAXDEM_CELLS, "LSTM cell", "no override: only Flax's OptimizedLSTMCell and LSTMCell are mapped"
        )
    if "remat" in m:
        m["remat"] = _flag("remat", m["remat"])
    m["action_space"] = None if m["discrete"] else _action_space(m["action_space"])
    for key in ("architecture", "actor_architecture", "critic_architecture"):
        if key in m:
            m[key] = list(layer_sizes(key, m[key]))
    dropped = [] if activation is None else [("activation", f"replaced by activation={activation!r}")]
    return m, dropped


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise JaxdemError(f"JaxDEM metadata: expected {name} true or false, got {value!r}")
    return value


def _action_space(entry: Any) -> dict[str, Any] | None:
    """Our action-space entry from JaxDEM's ``{"type": "box", "kw": {...}}``."""
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


def _heads(
    m: Mapping[str, Any], features: int, critic_head: bool, era: str, fused: bool, sigma_stored: bool, fused_kept: bool
) -> dict[str, tuple[Shape, str | None, slice | str | None]]:
    """JaxDEM head entries -> (expected shape, our name or None to drop, columns
    or the reason to drop). ``sigma_stored``: JaxDEM built a sigma head (which
    a discrete model, built here without one, ignores). ``fused_kept``: our
    model has the ``fused_head`` itself."""
    A, F = m["action_space_size"], features
    gaussian = not m["discrete"]
    std_param = gaussian and not m["actor_sigma_head"]
    unused = "the model is discrete" if m["discrete"] else "the model has a sigma head"
    heads: dict[str, tuple[Shape, str | None, slice | str | None]] = {
        "_log_std": ((1, A), "log_std", None) if std_param else ((1, A), None, f"unused: {unused}"),
    }
    sigma = "_actor_sigma.layers.0" if era == "seed-era" else "actor_sigma.net.layers.0"
    if era == "seed-era" or sigma_stored:
        why = "unused: the seed-era layout stores a sigma head in every model" if std_param else f"unused: {unused}"
        for part, shape in _linear(sigma, F, A).items():
            target = "actor_sigma.layers.0." + part.rsplit(".", 1)[1]
            heads[part] = (shape, target, None) if m["actor_sigma_head"] else (shape, None, why)
    linear_heads = _linear("actor_mu", F, A) | (_linear("critic", F, 1) if critic_head else {})
    for part, shape in linear_heads.items():
        stale = "stale: the current layout computes the actor and the value from fused_head"
        heads[part] = (shape, None, stale) if fused else (shape, part, None)
    if fused and fused_kept:
        heads |= {part: (shape, part, None) for part, shape in _linear("fused_head", F, A + 1).items()}
    elif fused:
        for part, shape in _linear("fused_head", F, A + 1).items():
            kind = part.rsplit(".", 1)[1]
            heads[f"{part}#actor"] = (shape, f"actor_mu.{kind}", slice(0, A))
            heads[f"{part}#critic"] = (shape, f"critic.{kind}", slice(A, A + 1))
    return heads


def _carry_entries(layout: Layout, m: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> dict[str, Shape]:
    """The carry entries' expected shapes: ``(*lead, features)``, ``lead`` from
    the metadata's ``carry_leading_shape`` or else as stored."""
    if layout.carry_tail is None:
        return {}
    tail = tuple(layout.carry_tail(m))
    lead = m.get("carry_leading_shape")
    if lead is None:
        stored = arrays.get(layout.carry[0])
        lead = () if stored is None else stored.shape[: max(stored.ndim - len(tail), 0)]
    return {k: (*tuple(lead), *tail) for k in layout.carry}


def _check_entries(
    where: str, era: str, layout: Layout, expected: Mapping[str, Shape], stored: set[str], arrays: Mapping[str, np.ndarray]
) -> None:
    """Missing, unexpected and mis-shaped entries, all named in one error."""
    wanted = {k.split("#")[0]: shape for k, shape in expected.items()}
    problems = []
    fused = arrays.get("fused_head.kernel")
    if "fused_head.kernel" in wanted and fused is not None and fused.shape[-1] != wanted["fused_head.kernel"][-1]:
        a = wanted["fused_head.kernel"][-1] - 1
        problems.append(
            f"fused_head.kernel is {tuple(fused.shape)}: expected width action_space_size + 1 = {a + 1} "
            f"(columns [:{a}] the actor, [{a}] the critic)"
        )
    missing = sorted(set(wanted) - stored)
    unexpected = sorted(stored - set(wanted))
    if missing:
        problems.append(f"missing entries {missing}")
    if unexpected:
        problems.append(f"unexpected entries {unexpected}")
    shapes = [
        f"{k}: expected {shape}, got {tuple(arrays[k].shape)}"
        for k, shape in sorted(wanted.items())
        if k in arrays and tuple(arrays[k].shape) != tuple(shape) and not (k == "fused_head.kernel" and problems)
    ]
    if shapes:
        problems.append("shapes contradicting the metadata: " + "; ".join(shapes))
    if problems:
        raise JaxdemError(f"{where}: not a {era} JaxDEM {layout.model_type} with this metadata: " + "; ".join(problems))


def _dtype(where: str, arrays: Mapping[str, np.ndarray]) -> str:
    dtypes = sorted({a.dtype.name for k, a in arrays.items() if not k.startswith("bij.")})
    if len(dtypes) != 1 or dtypes[0] not in ("float32", "float64"):
        raise JaxdemError(f"{where}: expected every parameter float32 or every one float64, got {dtypes}")
    return dtypes[0]


def _check_constants(where: str, m: Mapping[str, Any], stored: Mapping[str, np.ndarray]) -> list[tuple[str, str]]:
    """Check the stored action-space constants (``bij.*``) against the ones the
    metadata's action space implies; return them as dropped entries."""
    if not stored:
        return []
    entry = m["action_space"]
    expected: dict[str, np.ndarray] = {}
    if entry is not None and entry["type"] == "Box":
        k = box_constants(**entry["kwargs"])
        expected = {name: np.asarray(getattr(k, name), np.float64) for name in ("center", "half", "x_max", "x_min")}
    dropped = []
    for path, value in sorted(stored.items()):
        dtype = value.dtype.name if value.dtype.name in ("float32", "float64") else "float32"
        tol = tolerance(dtype)
        match = next((name for name, want in expected.items() if _agrees(value, want, tol)), None)
        if match is None:
            space = "no action space" if entry is None else f"{entry['type']}({entry['kwargs']})"
            raise JaxdemError(
                f"{where}: the stored action-space constant {path} = {np.asarray(value).tolist()} is none of the "
                f"constants of {space} in the metadata ({', '.join(expected) or 'it has none'}): "
                "the metadata and the state disagree"
            )
        dropped.append((path, f"{entry['type']} constant {match}, equal to the metadata's (checked)"))
    return dropped


def _agrees(value: np.ndarray, want: np.ndarray, tol: Any) -> bool:
    try:
        want = np.broadcast_to(want, value.shape)
    except ValueError:
        return False
    return tol.error(value, want) <= 1


def reject_jaxdem_metadata(model_type: str, metadata: Mapping[str, Any]) -> None:
    """Raise ``CheckpointError`` if ``metadata`` is JaxDEM's (callables by
    import path, action space as ``{"type", "kw"}``), which only the importer reads."""
    entry = metadata.get("action_space")
    jaxdem_entry = isinstance(entry, Mapping) and "kw" in entry and "kwargs" not in entry
    callables = [k for k, v in metadata.items() if isinstance(v, Mapping) and v.get("_callable")]
    if jaxdem_entry or callables:
        raise CheckpointError(
            f"this is JaxDEM metadata for {model_type} (callables by import path, action space as "
            '{"type", "kw"}), not the rlmodels schema; import JaxDEM checkpoints with '
            "from_jaxdem(directory) or `rlmodels import-jaxdem DIR -o OUT`"
        )


__all__ = [
    "INSTALL_HINT",
    "JAXDEM_ACTIVATIONS",
    "JAXDEM_CELLS",
    "LAYOUTS",
    "Imported",
    "JaxdemError",
    "Layout",
    "Source",
    "convert",
    "read_directory",
    "read_metadata",
    "read_state",
    "reject_jaxdem_metadata",
    "source_from_state",
    "step_numbers",
]
