"""Reading what JaxDEM saved: a checkpoint directory, or a model in memory.

JaxDEM's ``CheckpointModelWriter`` writes one folder per saved step::

    run/7/model_state/               Orbax pytree (OCDBT + zarr) of nnx.split(model)[1]
    run/7/model_metadata/metadata    JSON: constructor arguments and model_type
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..checkpoint_format import PathLike
from ..configs.fields import jsonable
from ..errors import CheckpointError
from ..orbax import read_state, strip_value

__all__ = ["JaxdemError", "Source", "read_directory", "read_metadata", "source_from_state", "step_numbers"]

STATE_DIR = "model_state"
METADATA_FILE = ("model_metadata", "metadata")


class JaxdemError(CheckpointError):
    """A JaxDEM checkpoint or model the importer cannot take; the message says
    what is wrong and what to do."""


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
    arrays = {strip_value(k): v for k, v in read_state(step_dir / STATE_DIR, JaxdemError).items()}
    return Source(str(step_dir), model_type, metadata, arrays, step)


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


def source_from_state(description: str, model_type: str, metadata: Mapping[str, Any], flat: Mapping[str, Any]) -> Source:
    """A :class:`Source` from an in-memory model's type name, metadata and flat
    state (dotted path -> array); callables in the metadata become their dotted
    paths, as JaxDEM's writer records them."""
    arrays = {strip_value(k): np.asarray(v) for k, v in flat.items()}
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
