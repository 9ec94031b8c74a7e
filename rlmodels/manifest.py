"""What a model takes and gives, stated once for the tools that drive it from
outside (exported files, TorchRL, Stable-Baselines3): observation and action
sizes, the action space, and the recurrent carry's names and shapes.

Reads only ``model.metadata`` and ``model.type_name``, so it works for either
backend and imports neither framework.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from rlmodels_common import __version__

from rlmodels_common.observations import observation_sizes

from .formats import CONTRACTS

__all__ = ["MANIFEST_KEY", "MANIFEST_FILE", "carry_shapes", "describe", "manifest_summary", "observation_inputs", "read_manifest"]


def carry_shapes(model: Any) -> dict[str, tuple[int, ...]]:
    """``model.config.carry_shapes()``: the recurrent
    carry's entries in the order the model takes them, each's shape for one
    environment; empty for a feed-forward model."""
    config = getattr(model, "config", None)
    return {} if config is None else config.carry_shapes()


def observation_inputs(model: Any) -> int | dict[str, int]:
    """What the model reads: its observation size, or with dict observations the
    size of each key it reads (``rlmodels_common.observations.observation_sizes``)."""
    config = getattr(model, "config", None)
    return model.metadata["observation_space_size"] if config is None else observation_sizes(config)


def describe(model: Any) -> dict[str, Any]:
    """The model's manifest: its interface as JSON-serialisable facts: type and metadata,
    sizes, the action space (``None`` when discrete), the carry, our version; with
    dict observations ``observation_keys``, the key the actor and the critic read."""
    meta, sizes = model.metadata, observation_inputs(model)
    keys = list(sizes) if isinstance(sizes, dict) else None  # the actor's key first, the critic's last
    return ({} if keys is None else {"observation_keys": {"actor": keys[0], "critic": keys[-1]}}) | {
        "model_type": model.type_name,
        "metadata": meta,
        "observation_size": meta["observation_space_size"],
        "action_size": meta["action_space_size"],
        "discrete": meta["discrete"],
        "action_space": meta["action_space"],
        "dtype": meta["dtype"],
        "carry": {name: list(shape) for name, shape in carry_shapes(model).items()},
        "rlmodels_version": __version__,
    }


# -- the manifest embedded in exported files -------------------------------------

MANIFEST_KEY = "rlmodels_manifest"
"""ONNX ``metadata_props`` key holding the manifest as JSON; in torch archives
(``.pt2``, TorchScript) the extra file ``rlmodels_manifest.json``; in a compiled
``.pt2`` also the library's metadata entry ``rlmodels_manifest`` (read at run time
with ``get_metadata()``)."""
MANIFEST_FILE = f"{MANIFEST_KEY}.json"
def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest embedded in an exported file (ONNX, ``.pt2`` of either kind, TorchScript).

    Reads only the embedded JSON: no graph is loaded and nothing is unpickled.
    ONNX files need the ``onnx`` package; torch archives need nothing.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no exported file at {path}")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith(f"/extra/{MANIFEST_FILE}")]
            if not names:
                raise ValueError(f"{path} is a torch archive without an rlmodels manifest (not written by rlmodels export)")
            return json.loads(archive.read(names[0]))
    try:
        import onnx
    except ImportError:
        raise ImportError(
            f"reading the manifest of {path} (not a torch archive, so ONNX) needs onnx, which is not "
            f"installed; install it with pip install 'rlmodels-parity[onnx]'"
        ) from None
    try:
        proto = onnx.load(str(path), load_external_data=False)
    except Exception:  # protobuf raises its own untyped errors
        raise ValueError(f"{path} is neither an ONNX file nor a torch archive (.pt2, TorchScript)") from None
    props = {p.key: p.value for p in proto.metadata_props}
    if MANIFEST_KEY not in props:
        raise ValueError(f"{path} is an ONNX file without an rlmodels manifest (not written by rlmodels export)")
    return json.loads(props[MANIFEST_KEY])


def manifest_summary(path: str | Path) -> str:
    """A readable summary of the manifest of the exported file at ``path``."""
    c = read_manifest(path)

    def signature(entries: list[dict[str, Any]]) -> str:
        return ", ".join(f"{e['name']} ({', '.join(map(str, e['shape']))}) {e['dtype']}" for e in entries)

    space = c["action_space"]
    space_text = "discrete" if c["discrete"] else f"{space['type']}({_kwargs(space['kwargs'])})"
    contract = c.get("contract", "rlmodels")  # files written before contracts existed follow rlmodels'
    lines = [
        f"{path}: {c['format']} export of {c['model_type']} (rlmodels {c['rlmodels_version']}), {c['dtype']}",
        f"  {_observations(c)}, action size {c['action_size']}, action space {space_text}",
        f"  contract {contract}: {CONTRACTS.get(contract, 'unknown to this version')}",
        f"  action   {c['action']}",
        f"  inputs   {signature(c['inputs'])}",
        f"  outputs  {signature(c['outputs'])}",
    ]
    if c["stochastic_head"]:
        lines.append(f"  sampling {c['stochastic_head']}")
    if c["carry"]:
        lines.append(f"  carry    {c['carry_rule']}")
    if c.get("nonfinite_check"):
        lines.append(f"  check    {c['nonfinite_check']}")
    if c.get("tune_batch"):
        lines.append(f"  compiled matrix multiplies tuned for batch {c['tune_batch']} (any batch runs)")
    width = max(map(len, c["metadata"]))
    lines += ["", "configuration"] + [f"  {k:<{width}}  {json.dumps(v)}" for k, v in sorted(c["metadata"].items())]
    return "\n".join(lines)


def _observations(c: dict[str, Any]) -> str:
    """``observation size 8``, or ``observations state (11, actor), privileged_state (19, critic)``."""
    keys = c.get("observation_keys")
    if keys is None:
        return f"observation size {c['observation_size']}"
    roles = {key: " and ".join(r for r in ("actor", "critic") if keys[r] == key) for key in dict.fromkeys(keys.values())}
    return "observations " + ", ".join(f"{k} ({c['observation_size'][k]}, {role})" for k, role in roles.items())


def _kwargs(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v)}" for k, v in kwargs.items())
