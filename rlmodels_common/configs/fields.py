"""What a model configuration's fields may hold, each kind stated once.

A field's kind turns a constructor argument into the value the configuration
keeps (leniently: numpy integers, tuples or lists, anything truthy for a flag)
and checks a JSON value read from a checkpoint (strictly: a flag must be a
JSON boolean). Both raise ``ValueError`` naming the field, what was expected
and what was given.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = [
    "AT_LEAST_ZERO",
    "DRAWS",
    "FLAG",
    "NUMBER",
    "OBSERVATION_KEY",
    "OBSERVATION_SIZE",
    "POSITIVE",
    "POSITIVE_INT",
    "SIZES",
    "Kind",
    "frozen",
    "jsonable",
    "kind_of",
    "layer_sizes",
    "maybe",
    "one_of",
    "option",
    "positive_int",
]


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int, or ``ValueError`` naming ``name`` unless it is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"expected {name} to be a positive integer, got {value!r}")
    return int(value)


def observation_size(name: str, value: Any) -> int | dict[str, int]:
    """An observation size: a positive int, or (dict observations) a non-empty
    mapping key -> positive int, keys non-empty strings without ``.`` (they
    become parts of parameter names)."""
    if not isinstance(value, Mapping):
        return positive_int(name, value)
    if not value:
        raise ValueError(f"expected {name} to be a positive integer or a non-empty mapping key -> positive integer, got {{}}")
    for key in value:
        _check_key("observation keys to be non-empty strings without '.'", key)
    return {key: positive_int(f"{name}[{key!r}]", size) for key, size in value.items()}


def _check_key(expected: str, key: Any) -> str:
    if not (isinstance(key, str) and key and "." not in key):
        raise ValueError(f"expected {expected}, got {key!r}")
    return key


def _observation_key(name: str, key: Any) -> str:
    return _check_key(f"{name} to be a non-empty string without '.' or null", key)


def layer_sizes(name: str, sizes: Any) -> tuple[int, ...]:
    """Layer sizes (or a shape) as a tuple of positive ints (empty allowed)."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise ValueError(f"expected {name} to be a sequence of positive integers, got {sizes!r}")
    return tuple(positive_int(f"every {name} entry", s) for s in sizes)


def jsonable(value: Any) -> Any:
    """``value`` with tuples as lists and numpy scalars/arrays as Python values."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return jsonable(value.tolist())
    return value


def frozen(value: Any) -> Any:
    """A hashable copy of a JSON-like value (dicts become sorted tuples of pairs)."""
    if isinstance(value, Mapping):
        return tuple(sorted((k, frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(frozen(v) for v in value)
    return value


@dataclass(frozen=True)
class Kind:
    """A field kind: ``convert(name, value)`` for constructor arguments and
    ``check(name, value)`` for JSON values (which must already be exact);
    ``choices``, the names a choice field takes."""

    convert: Callable[[str, Any], Any]
    check: Callable[[str, Any], None]
    choices: tuple[str, ...] | None = None


def _check_flag(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"expected {name} to be true or false, got {value!r}")


def _check_number(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected {name} to be a number, got {value!r}")


def _check_sizes(name: str, value: Any) -> None:
    if not isinstance(value, list):
        raise ValueError(f"expected {name} to be a list of positive integers, got {value!r}")
    layer_sizes(name, value)


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"expected {name} to be a number, got {value!r}")
    return float(value)


def _at_least_zero(name: str, value: Any) -> float:
    value = _number(name, value)
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"expected {name} to be a finite number >= 0, got {value!r}")
    return value


def _positive(name: str, value: Any) -> float:
    value = _number(name, value)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"expected {name} to be a finite number > 0, got {value!r}")
    return value


def _json(convert: Callable[[str, Any], Any]) -> Callable[[str, Any], None]:
    """A number check for JSON values: a number (not a bool) that ``convert`` accepts."""

    def check(name: str, value: Any) -> None:
        _check_number(name, value)
        convert(name, value)

    return check


POSITIVE_INT = Kind(positive_int, positive_int)
FLAG = Kind(lambda name, value: bool(value), _check_flag)
NUMBER = Kind(_number, _check_number)
AT_LEAST_ZERO = Kind(_at_least_zero, _json(_at_least_zero))
POSITIVE = Kind(_positive, _json(_positive))
OBSERVATION_SIZE = Kind(observation_size, observation_size)
"""An observation size, or one per key of dict observations (JSON: an object)."""
OBSERVATION_KEY = Kind(_observation_key, _observation_key)
"""A key of dict observations (use with :func:`maybe`)."""
SIZES = Kind(layer_sizes, _check_sizes)
"""Layer sizes or a leading shape: a sequence of positive integers, possibly empty."""


def one_of(choices: Sequence[str]) -> Kind:
    """One of the names ``choices`` (named in errors as given: a list or a tuple)."""

    def convert(name: str, value: Any) -> str:
        if not (isinstance(value, str) and value in choices):
            raise ValueError(f"expected {name} in {choices!r}, got {value!r}")
        return value

    return Kind(convert, convert, tuple(choices))


DRAWS = ("width", "depth", "widths", "flag")
"""What fuzzing draws for a field (``rlmodels.strategies``): a layer ``width``,
a ``depth`` (a number of layers), ``widths`` (an MLP's layer sizes), a
``flag`` (true or false). A field without one is drawn from its choices if it
has any, else keeps its default."""


def maybe(kind: Kind) -> Kind:
    """``kind``, or None (JSON null)."""

    def convert(name: str, value: Any) -> Any:
        return None if value is None else kind.convert(name, value)

    def check(name: str, value: Any) -> None:
        if value is not None:
            kind.check(name, value)

    return Kind(convert, check, kind.choices)


def option(kind: Kind, default: Any = dataclasses.MISSING, draw: str | None = None, added: str | None = None) -> Any:
    """A configuration field of :class:`Kind` ``kind``, with its default (none:
    required), what fuzzing draws for it (one of :data:`DRAWS`) and, for a
    field added after the first release, the release that ``added`` it:
    checkpoints written before lack it and mean its default."""
    if draw is not None and draw not in DRAWS:
        raise ValueError(f"expected draw in {DRAWS}, got {draw!r}")
    if added is not None and default is dataclasses.MISSING:
        raise ValueError(f"a field added in {added} needs a default, which older checkpoints mean")
    return dataclasses.field(default=default, metadata={"kind": kind, "draw": draw, "added": added})


def kind_of(field: dataclasses.Field) -> Kind | None:
    """The :class:`Kind` of a configuration field (None for ``activation`` and
    ``action_space``, which name registered things and are checked apart)."""
    return field.metadata.get("kind")
