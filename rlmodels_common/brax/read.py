"""Reading a Brax PPO policy from what Brax writes, without JAX or Brax.

``brax.training.agents.ppo.train(save_checkpoint_path=run)`` writes one folder
per saved step::

    run/000000030720/           Orbax PyTreeCheckpointer (OCDBT, zarr) of the tuple
                                (normaliser, policy_params, value_params) as keys 0, 1, 2
    run/000000030720/ppo_network_config.json

and ``brax.io.model.save_params(path, params)`` pickles the same tuple. The
Orbax arrays are read with tensorstore (the ``jaxdem`` extra), the pickle by
an allow-listed unpickler, the JSON by our own parser.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..extras import install_hint
from ..orbax import read_state
from .config import CONFIG_FILE, BraxNetworkConfig, parse_config
from .source import BraxError, BraxNormalizer, BraxSource, NormalizationMode
from .unpickle import NestedMeanStd, RunningStatisticsState, UInt64, load_pickle

ConfigLike = str | os.PathLike[str] | Mapping[str, Any]
_ORBAX_MARKERS = ("_METADATA", "_CHECKPOINT_METADATA", "manifest.ocdbt")


def read_brax(source: Any, step: int | None = None, *, config: ConfigLike | None = None) -> BraxSource:
    """Read a Brax PPO policy.

    ``source`` is a run folder (numbered step folders; the latest unless
    ``step`` names one), one step folder, a ``save_params`` pickle, or the
    params tuple ``(normaliser, policy_params, value_params)`` in memory
    (numpy or JAX arrays, Brax's records or :class:`BraxNormalizer`).
    ``config`` (the path of ``ppo_network_config.json`` or its dict) is
    required for a pickle or a tuple; for a folder it replaces the JSON there.
    Raises ``BraxError`` saying what is wrong and what to do.
    """
    if isinstance(source, (tuple, list)):
        if step is not None:
            raise BraxError("step= chooses a saved step of a run folder; an in-memory params tuple has none")
        return _from_params("in-memory Brax params", "memory", source, _need_config(config, "a params tuple"), None)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(
            "source: expected a Brax run or step folder, a save_params pickle path, or the params tuple "
            f"(normaliser, policy_params, value_params); got {type(source).__name__}"
        )
    path = Path(source)
    if path.is_file():
        if step is not None:
            raise BraxError(f"{path} is a pickle of one set of params; step= applies to a run folder")
        description = f"the Brax params pickle {path}"
        parsed = parse_config(_need_config(config, description))
        return _from_params(description, "pickle", load_pickle(path.read_bytes(), description), parsed, None)
    if not path.is_dir():
        raise BraxError(f"{path} does not exist; expected a Brax run or step folder or a save_params pickle")
    step_dir, step = _step_folder(path, step)
    parsed = parse_config(config if config is not None else step_dir / CONFIG_FILE)
    return _from_params(str(step_dir), "orbax", _orbax_tuple(step_dir), parsed, step)


def step_numbers(run: str | os.PathLike[str]) -> list[int]:
    """The saved steps of a Brax run folder, ascending: its numbered Orbax folders
    (Orbax's unfinished ``<step>.orbax-checkpoint-tmp-*`` folders are not numbers)."""
    return sorted(int(p.name) for p in Path(run).iterdir() if p.name.isdigit() and _is_orbax(p))


def _is_orbax(path: Path) -> bool:
    return path.is_dir() and any((path / marker).exists() for marker in _ORBAX_MARKERS)


def _step_folder(path: Path, step: int | None) -> tuple[Path, int | None]:
    if _is_orbax(path):
        own = int(path.name) if path.name.isdigit() else None
        if step is not None and step != own:
            raise BraxError(f"{path} is the step folder {path.name}; pass its parent (the run folder) to choose step {step}")
        return path, own
    steps = step_numbers(path)
    if not steps:
        raise BraxError(
            f"{path} holds no Brax checkpoint steps (numbered Orbax folders); pass the folder given to "
            "ppo.train(save_checkpoint_path=...) or one of its step folders"
        )
    if step is None:
        step = steps[-1]
    elif step not in steps:
        raise BraxError(f"{path} has no step {step}; available steps: {', '.join(map(str, steps))}")
    return next(p for p in path.iterdir() if p.name.isdigit() and int(p.name) == step), step


def _need_config(config: ConfigLike | None, what: str) -> ConfigLike:
    if config is None:
        raise BraxError(
            f"{what} holds only the params, not the network's architecture; pass config= the "
            f"{CONFIG_FILE} that ppo.train wrote in its step folders (a path, or the JSON's dict)"
        )
    return config


# -- Orbax -------------------------------------------------------------------------


def _orbax_tuple(step_dir: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The saved tuple as three nested dicts of numpy arrays."""
    try:
        arrays = read_state(step_dir, BraxError)
    except ImportError:
        raise ImportError(
            f"reading Brax's Orbax checkpoint folders needs tensorstore, which is not installed; install it with "
            f"{install_hint('jaxdem')} (a save_params pickle needs only numpy)"
        ) from None
    names = _orbax_keys(step_dir)
    tree: dict[str, Any] = {}
    for name, value in arrays.items():
        keys = names.get(name) or tuple(name.split("."))
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    missing = [k for k in ("0", "1", "2") if k not in tree]
    if missing:
        raise BraxError(
            f"the Orbax checkpoint {step_dir} has no entries {missing} (it has {sorted(tree)}); "
            "expected Brax's (normaliser, policy_params, value_params)"
        )
    return tree["0"], tree["1"], tree["2"]


def _orbax_keys(step_dir: Path) -> dict[str, tuple[str, ...]]:
    """The array names ``read_state`` returns (key paths joined by dots) ->
    their exact key paths from Orbax's ``_METADATA`` (keys may hold dots)."""
    try:
        with open(step_dir / "_METADATA", encoding="utf-8") as f:
            entries = json.load(f)["tree_metadata"].values()
        paths = [tuple(str(k["key"]) for k in entry["key_metadata"]) for entry in entries]
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise BraxError(f"{step_dir / '_METADATA'} is truncated or corrupt: {e!r}") from None
    return {".".join(keys): keys for keys in paths}


# -- the params tuple ------------------------------------------------------------


def _from_params(
    description: str, kind: str, params: Any, config: ConfigLike | BraxNetworkConfig, step: int | None
) -> BraxSource:
    parsed = config if isinstance(config, BraxNetworkConfig) else parse_config(config)
    if not isinstance(params, (tuple, list)) or len(params) not in (2, 3):
        raise BraxError(
            f"{description}: expected the tuple (normaliser, policy_params, value_params) that ppo.train returns "
            f"(or (normaliser, policy_params)), got {type(params).__name__}"
            + (f" of length {len(params)}" if isinstance(params, (tuple, list)) else "")
        )
    normalizer = _normalizer(params[0], description)
    policy = _flatten(params[1], f"{description}: policy params")
    value = _flatten(params[2], f"{description}: value params") if len(params) == 3 else None
    _check_observations(normalizer, parsed, description)
    return BraxSource(description, kind, normalizer, policy, value, parsed, step)


def _flatten(tree: Any, where: str, prefix: str = "") -> dict[str, np.ndarray]:
    """Nested mappings of arrays -> ``{"params/hidden_0/kernel": array}``."""
    if not isinstance(tree, Mapping) or not tree:
        raise BraxError(f"{where}: expected a nested dict of arrays (Flax params), got {type(tree).__name__}")
    flat = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, where, path + "/"))
        else:
            flat[path] = _float_array(value, f"{where} {path}")
    return flat


def _float_array(value: Any, where: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind != "f":
        raise BraxError(f"{where}: expected a floating array, got dtype {array.dtype}")
    return array


def _normalizer(state: Any, description: str) -> BraxNormalizer:
    """Brax's normaliser in any of its forms: a pickled record, Orbax's dict, Brax's
    ``RunningStatisticsState`` object (read by attribute), or a :class:`BraxNormalizer`."""
    if isinstance(state, BraxNormalizer):
        return state
    if isinstance(state, (RunningStatisticsState, NestedMeanStd)):
        fields = dict(state.values or {})
    elif isinstance(state, Mapping):
        fields = dict(state)
    elif hasattr(state, "mean") and hasattr(state, "std"):
        names = ("mean", "std", "summed_variance", "count", "std_eps", "mode")
        fields = {name: getattr(state, name) for name in names if hasattr(state, name)}
    else:
        raise BraxError(f"{description}: the first entry is {type(state).__name__}, not Brax's normaliser state")
    where = f"{description}: normaliser"
    if "mean" not in fields or "std" not in fields:
        raise BraxError(f"{where} has no mean/std (it has {sorted(fields)})")
    mean, std = _statistic(fields["mean"], f"{where} mean"), _statistic(fields["std"], f"{where} std")
    variance = fields.get("summed_variance")
    summed = None if variance is None else _statistic(variance, f"{where} summed_variance")
    for name, other in (("std", std), ("summed_variance", summed)):
        if other is not None and _shapes(other) != _shapes(mean):
            raise BraxError(f"{where}: {name} has shapes {_shapes(other)}, mean {_shapes(mean)}")
    mode = fields.get("mode")
    return BraxNormalizer(
        mean, std, summed, _count(fields.get("count"), where), float(np.asarray(fields.get("std_eps", 0.0))),
        None if mode is None else NormalizationMode(int(mode)),
    )  # fmt: skip


def _statistic(value: Any, where: str) -> np.ndarray | dict[str, np.ndarray]:
    if isinstance(value, Mapping):
        if not value:
            raise BraxError(f"{where} is an empty dict")
        return {str(k): _float_array(v, f"{where}[{k!r}]") for k, v in value.items()}
    return _float_array(value, where)


def _shapes(stat: np.ndarray | dict[str, np.ndarray]) -> Any:
    return {k: v.shape for k, v in sorted(stat.items())} if isinstance(stat, dict) else stat.shape


def _count(value: Any, where: str) -> int | float | None:
    """Brax's ``UInt64(hi, lo)`` (a record, a dict or an object) as an int; an older plain count as is."""
    if value is None:
        return None
    if isinstance(value, UInt64):
        value = value.values or {}
    if not isinstance(value, Mapping) and hasattr(value, "hi") and hasattr(value, "lo"):
        value = {"hi": value.hi, "lo": value.lo}
    if isinstance(value, Mapping):
        try:
            return (int(np.asarray(value["hi"])) << 32) | int(np.asarray(value["lo"]))
        except (KeyError, TypeError, ValueError):
            raise BraxError(f"{where}: count should be UInt64(hi, lo), got {value!r}") from None
    count = np.asarray(value)
    return int(count) if count.dtype.kind in "iu" else float(count)


def _check_observations(normalizer: BraxNormalizer, config: BraxNetworkConfig, description: str) -> None:
    """The normaliser's statistics match the config's observations: same keys
    (Brax does not normalise ``pixels/`` keys) and sizes."""
    where = f"{description} and the network config {config.description}"
    shapes = config.observation_shape
    keys = normalizer.keys
    if isinstance(shapes, dict) != (keys is not None):
        raise BraxError(
            f"{where} disagree: the config's observations are {shapes}, the normaliser's statistics "
            f"{_shapes(normalizer.mean)}; is the config from another run?"
        )
    wanted = {k: s for k, s in shapes.items() if not k.startswith("pixels/")} if isinstance(shapes, dict) else shapes
    if _shapes(normalizer.mean) != wanted:
        raise BraxError(
            f"{where} disagree: observation shapes {wanted} in the config, {_shapes(normalizer.mean)} in the "
            "normaliser; is the config from another run?"
        )


__all__ = ["read_brax", "step_numbers"]
