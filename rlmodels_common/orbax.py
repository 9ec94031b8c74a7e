"""Reading an Orbax pytree checkpoint (what JaxDEM and Brax write) with
tensorstore alone: no JAX, no Orbax. tensorstore is an optional dependency
(the ``jaxdem`` extra), imported only when a checkpoint is read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .checkpoint_format import PathLike
from .errors import CheckpointError

__all__ = ["INSTALL_HINT", "read_state", "strip_value"]

INSTALL_HINT = "pip install 'rlmodels-parity[jaxdem]'"


def read_state(state_dir: PathLike, error: type[CheckpointError] = CheckpointError) -> dict[str, np.ndarray]:
    """Every array of an Orbax pytree checkpoint (OCDBT or plain zarr folders,
    zarr v2 or v3) as numpy, by dotted path as stored (a Flax state's paths end
    in ``.value``: see :func:`strip_value`). A truncated or corrupt checkpoint
    raises ``error`` naming the folder."""
    ts = _tensorstore()
    path = Path(state_dir).resolve()
    base: dict[str, Any] = {"driver": "file", "path": f"{path}/"}
    kvstore = {"driver": "ocdbt", "base": base} if (path / "manifest.ocdbt").is_file() else base
    try:
        keys = [k.decode() for k in ts.KvStore.open(kvstore).result().list().result()]
    except ValueError as e:
        raise error(f"the Orbax state in {path} is truncated or corrupt: {e}") from None
    drivers = {"/.zarray": "zarr", "/zarr.json": "zarr3"}
    found = {k[: -len(suffix)]: driver for k in keys for suffix, driver in drivers.items() if k.endswith(suffix)}
    listed = _listed_arrays(path, error)
    missing = sorted(set(listed) - set(found))
    if missing or not found:
        raise error(
            f"the Orbax state in {path} is truncated or corrupt: "
            + (f"arrays {missing} are listed in _METADATA but not stored" if missing else "it stores no arrays")
        )
    arrays = {}
    for name, driver in sorted(found.items()):
        spec = {"driver": driver, "kvstore": {**kvstore, "path": f"{name}/"}}
        try:
            arrays[name] = np.asarray(ts.open(spec, open=True, read=True).result().read().result())
        except ValueError as e:
            raise error(f"the Orbax state in {path} is truncated or corrupt: reading {name}: {e}") from None
    return arrays


def strip_value(path: str) -> str:
    """A state path without Flax's trailing ``.value``."""
    return path[: -len(".value")] if path.endswith(".value") else path


def _listed_arrays(path: Path, error: type[CheckpointError]) -> list[str]:
    """The array names Orbax's ``_METADATA`` lists (empty if the file is absent)."""
    try:
        with open(path / "_METADATA", encoding="utf-8") as f:
            tree = json.load(f)["tree_metadata"]
        return [".".join(str(k["key"]) for k in entry["key_metadata"]) for entry in tree.values()]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise error(f"{path / '_METADATA'} is truncated or corrupt: {e!r}") from None


def _tensorstore() -> Any:
    try:
        import tensorstore
    except ImportError:
        raise ImportError(
            f"reading Orbax checkpoints (JaxDEM's, Brax's) needs tensorstore, which is not installed; "
            f"install the extra: {INSTALL_HINT}"
        ) from None
    return tensorstore
