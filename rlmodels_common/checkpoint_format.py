"""The portable checkpoint format, independent of either framework.

A checkpoint is a directory::

    my_policy/
      config.json        {"format": "rlmodels", "format_version": 1,
                          "model_type": "LSTMActorCritic", "metadata": {...}}
      model.safetensors  parameters under canonical names, JAX layout
                         (Linear kernels are (in, out))

The backends turn a model into ``(model_type, metadata, tensors)`` and back;
everything about files, atomicity and validation lives here. Nothing here
unpickles or imports a module named by a file.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import safetensors
import safetensors.numpy

from .dtypes import SAFETENSORS_DTYPES, SUPPORTED_DTYPES
from .errors import CheckpointError

__all__ = [
    "CONFIG_FILE", "FORMAT_NAME", "FORMAT_VERSION", "WEIGHTS_FILE", "Checkpoint", "CheckpointError",
    "PathLike", "check_tensors", "is_checkpoint", "read_checkpoint", "write_checkpoint",
]  # fmt: skip

FORMAT_NAME = "rlmodels"
FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Checkpoint:
    """The contents of a checkpoint directory, validated for format but not for a model."""

    model_type: str
    metadata: dict[str, Any]
    tensors: dict[str, np.ndarray]


def is_checkpoint(path: PathLike) -> bool:
    """True if ``path`` is a directory holding an rlmodels ``config.json``."""
    try:
        with open(Path(path) / CONFIG_FILE, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and config.get("format") == FORMAT_NAME


def write_checkpoint(
    path: PathLike,
    model_type: str,
    metadata: Mapping[str, Any],
    tensors: Mapping[str, np.ndarray],
) -> Path:
    """Write a checkpoint directory atomically and return its path.

    The files are written to a temporary sibling directory, flushed to disk and
    renamed into place, so a crash never leaves a partial checkpoint under
    ``path``. An existing checkpoint at ``path`` is replaced; any other existing
    file or non-empty directory is refused.
    """
    path = Path(path)
    config = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "model_type": model_type,
        "metadata": dict(metadata),
    }
    try:
        config_text = json.dumps(config, indent=2, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise CheckpointError(
            f"cannot write checkpoint {path}: metadata is not plain JSON ({e}); "
            "every metadata value must be a str, number, bool, None, list or dict"
        ) from None
    arrays = {}
    for name, value in tensors.items():
        array = np.ascontiguousarray(value)
        if array.dtype.name not in SUPPORTED_DTYPES:
            raise CheckpointError(
                f"cannot write checkpoint {path}: tensor {name!r} has dtype "
                f"{array.dtype.name}, expected one of {', '.join(SUPPORTED_DTYPES)}"
            )
        arrays[name] = array
    if path.exists() and not (is_checkpoint(path) or _is_empty_dir(path)):
        raise CheckpointError(
            f"refusing to overwrite {path}: it exists and is not an rlmodels checkpoint; "
            "remove it or choose another path"
        )

    weights_bytes = safetensors.numpy.save(
        arrays, metadata={"format": FORMAT_NAME, "format_version": str(FORMAT_VERSION)}
    )

    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with os.mkdir / open, not mkdtemp / save_file (0700 / 0600), so the
    # umask decides the modes (0755 / 0644 under umask 022), as for any file the
    # user writes: a model served by another user or a container stays readable.
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
    os.mkdir(tmp, 0o777)
    old: Path | None = None
    try:
        _write_synced(tmp / WEIGHTS_FILE, weights_bytes)
        _write_synced(tmp / CONFIG_FILE, (config_text + "\n").encode("utf-8"))
        if path.exists():
            old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
            os.rename(path, old)
        os.rename(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not path.exists():
            os.rename(old, path)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return path


def read_checkpoint(path: PathLike) -> Checkpoint:
    """Read and validate the format of the checkpoint directory at ``path``."""
    path = Path(path)
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a directory"
        raise CheckpointError(
            f"{path} {what}; a checkpoint is a directory holding {CONFIG_FILE} and {WEIGHTS_FILE}"
        )
    config_path = path / CONFIG_FILE
    try:
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        hint = ""
        if any(p.name.isdigit() and p.is_dir() for p in path.iterdir()) or (path / "model_metadata").is_dir():
            hint = f" (step folders: a JaxDEM/Orbax checkpoint? convert it with rlmodels import-jaxdem {path} -o OUT)"
        raise CheckpointError(f"{path} is not a checkpoint: {CONFIG_FILE} is missing{hint}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{config_path} is corrupt or truncated: {e}") from None
    if not isinstance(config, dict):
        raise CheckpointError(f"{config_path}: expected a JSON object, got {type(config).__name__}")
    if config.get("format") != FORMAT_NAME:
        raise CheckpointError(
            f"{config_path}: expected format {FORMAT_NAME!r}, got {config.get('format')!r}"
        )
    version = config.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:  # not True, not 1.0
        raise CheckpointError(
            f"{config_path}: unsupported format_version {version!r}; this rlmodels reads "
            f"version {FORMAT_VERSION}. Install the rlmodels release that wrote it."
        )
    model_type = config.get("model_type")
    metadata = config.get("metadata")
    if not isinstance(model_type, str):
        raise CheckpointError(f"{config_path}: expected a string model_type, got {model_type!r}")
    if not isinstance(metadata, dict):
        raise CheckpointError(f"{config_path}: expected a metadata object, got {type(metadata).__name__}")

    weights = path / WEIGHTS_FILE
    if not weights.is_file():
        raise CheckpointError(f"{path} is not a complete checkpoint: {WEIGHTS_FILE} is missing")
    try:
        with safetensors.safe_open(str(weights), framework="np") as f:  # the header only
            dtypes = {name: f.get_slice(name).get_dtype() for name in f.keys()}
    except (safetensors.SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"{weights} is corrupt or truncated: {e}") from None
    # Checked before numpy sees them: numpy may lack the type (bfloat16) or, once
    # ml_dtypes is imported, load it silently; either way it is not a parameter here.
    foreign = {name: d for name, d in sorted(dtypes.items()) if d not in SAFETENSORS_DTYPES.values()}
    if foreign:
        raise CheckpointError(
            f"{weights}: tensors {foreign} have unsupported dtypes; expected "
            f"{' or '.join(SUPPORTED_DTYPES)} parameters (cast the model before saving)"
        )
    try:
        tensors = safetensors.numpy.load_file(str(weights))
    except (safetensors.SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"{weights} is corrupt or truncated: {e}") from None
    return Checkpoint(model_type=model_type, metadata=metadata, tensors=tensors)


def check_tensors(
    expected: Mapping[str, tuple[tuple[int, ...], str]],
    tensors: Mapping[str, np.ndarray],
    source: str = "checkpoint",
) -> None:
    """Raise ``CheckpointError`` unless ``tensors`` has exactly the expected names,
    shapes and dtypes. ``expected`` maps name to ``(shape, dtype name)``."""
    problems = []
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing:
        problems.append(f"missing keys {missing}")
    if unexpected:
        problems.append(f"unexpected keys {unexpected}")
    for name in sorted(set(expected) & set(tensors)):
        shape, dtype = expected[name]
        got = tensors[name]
        if tuple(got.shape) != tuple(shape):
            problems.append(f"{name!r}: expected shape {tuple(shape)}, got {tuple(got.shape)}")
        elif got.dtype.name != dtype:
            problems.append(f"{name!r}: expected dtype {dtype}, got {got.dtype.name}")
    if problems:
        raise CheckpointError(
            f"{source} does not match the model it describes: " + "; ".join(problems)
        )


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync(path)
    except OSError:  # some filesystems do not fsync directories; the rename is still atomic
        pass
