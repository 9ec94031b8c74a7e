"""Reading ``brax.io.model.save_params`` pickles without importing or running
anything named in them.

A pickle names the functions and classes that rebuild its objects; an
ordinary ``pickle.load`` imports and calls them, so loading a file can run
code. :class:`AllowListUnpickler` resolves only the names below, each to a
function of ours that validates its arguments and builds plain data: numpy
arrays of numeric dtypes (from numpy's and JAX's pickled forms) and Brax's
normaliser records as :class:`Record`. Any other name is refused before
anything is imported.
"""

from __future__ import annotations

import io
import math
import pickle
from typing import Any, Callable

import numpy as np

from .source import BraxError, NormalizationMode

_NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, floating: no objects, strings or records


class Record:
    """A Brax dataclass as pickled (``RunningStatisticsState``, ``UInt64`` ...):
    its Brax name and its fields. :meth:`__setstate__` is what pickle's BUILD calls."""

    brax_name = ""
    fields: tuple[str, ...] = ()
    values: dict[str, Any] | None = None  # set by BUILD; pickle's NEWOBJ skips __init__

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise BraxError(f"{self.brax_name}: expected its fields as a dict, got {type(state).__name__}")
        unknown = sorted(set(state) - set(self.fields))
        if unknown:
            raise BraxError(
                f"{self.brax_name} has fields {unknown} this reader does not know (known: {list(self.fields)}); "
                "was it written by a newer Brax?"
            )
        self.values = dict(state)


def _record(brax_name: str, fields: tuple[str, ...]) -> type[Record]:
    return type(brax_name, (Record,), {"brax_name": brax_name, "fields": fields})


RunningStatisticsState = _record("RunningStatisticsState", ("mean", "std", "count", "summed_variance", "std_eps", "mode"))
NestedMeanStd = _record("NestedMeanStd", ("mean", "std"))
UInt64 = _record("UInt64", ("hi", "lo"))


class _Built:
    """A value one of our builders made, held until :func:`_resolve` takes it
    out, so that no pickle opcode (BUILD) can reach a numpy or enum object."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __setstate__(self, state: Any) -> None:
        raise BraxError(f"the pickle sets the state of a {type(self.value).__name__}; a Brax params pickle does not")


class _DtypeStub:
    """A numpy dtype being unpickled: ``numpy.dtype(name, align, copy)`` then BUILD with its state."""

    def __init__(self, name: Any, align: Any = False, copy: Any = False) -> None:
        if not isinstance(name, str):
            raise BraxError(f"numpy.dtype: expected a type code, got {name!r}")
        try:
            dtype = np.dtype(name)
        except TypeError:
            raise BraxError(f"numpy.dtype: unknown type code {name!r}") from None
        if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise BraxError(f"the pickle holds an array of dtype {dtype}; only numeric arrays are read")
        self.dtype = dtype

    def __setstate__(self, state: Any) -> None:
        # (version, byteorder, subarray, names, fields, elsize, alignment, flags) for a plain dtype
        if not (isinstance(state, tuple) and len(state) >= 5 and state[1] in ("<", ">", "|", "=") and state[2:5] == (None,) * 3):
            raise BraxError(f"numpy.dtype {self.dtype}: unexpected pickled state {state!r}")
        self.dtype = self.dtype.newbyteorder(state[1]) if state[1] in ("<", ">") else self.dtype


def _dtype(value: Any, where: str) -> np.dtype:
    if not isinstance(value, _DtypeStub):
        raise BraxError(f"{where}: expected a numpy dtype, got {type(value).__name__}")
    return value.dtype


def _array(raw: Any, dtype: np.dtype, shape: Any, fortran: bool, where: str) -> np.ndarray:
    """A native-byte-order copy of ``raw`` bytes as an array of ``shape``, after checking the size."""
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise BraxError(f"{where}: expected a shape tuple, got {shape!r}")
    if isinstance(raw, str):  # protocol 0-2 pickles from Python 2 store bytes as latin-1 text
        raw = raw.encode("latin-1")
    if not isinstance(raw, (bytes, bytearray)):
        raise BraxError(f"{where}: expected the array's bytes, got {type(raw).__name__}")
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise BraxError(f"{where}: {len(raw)} bytes for a {dtype} array of shape {shape}; is the file truncated?")
    array = np.frombuffer(raw, dtype).reshape(shape, order="F" if fortran else "C")
    return np.array(array, dtype.newbyteorder("="), order="C")  # a copy: ascontiguousarray would make 0-d arrays 1-d


class _ArrayStub:
    """A numpy array being unpickled: ``numpy.core.multiarray._reconstruct``, then BUILD."""

    def __init__(self, cls: Any, shape: Any, code: Any) -> None:
        if cls is not _NDARRAY:
            raise BraxError(f"numpy _reconstruct: expected numpy.ndarray, got {cls!r}")
        self.array: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        self.array = _from_state(state, "numpy array")


def _from_state(state: Any, where: str) -> np.ndarray:
    """An array from ``ndarray.__reduce__``'s state ``(version, shape, dtype, is_fortran, data)``."""
    if not (isinstance(state, tuple) and len(state) == 5):
        raise BraxError(f"{where}: unexpected pickled state {type(state).__name__}")
    _, shape, dtype, fortran, raw = state
    return _array(raw, _dtype(dtype, where), shape, bool(fortran), where)


def _jax_array(fun: Any, args: Any, arr_state: Any, aval_state: Any) -> _Built:
    """``jax._src.array._reconstruct_array(fun, args, arr_state, aval_state)``, as numpy."""
    if fun is not _ArrayStub or not isinstance(aval_state, dict):
        raise BraxError("jax array: unexpected pickled form (expected numpy's _reconstruct and an aval dict)")
    _ArrayStub(*args)  # validates args
    return _Built(_from_state(arr_state, "jax array"))


def _frombuffer(buf: Any, dtype: Any, shape: Any, order: Any, axis_order: Any = None) -> _Built:
    """``numpy.core.numeric._frombuffer``: numpy's pickle protocol 5 form."""
    if order not in ("C", "F") or axis_order is not None:
        raise BraxError(f"numpy array: unsupported memory order {order!r} / axis order {axis_order!r}")
    raw = bytes(buf) if isinstance(buf, (bytearray, memoryview)) else buf
    return _Built(_array(raw, _dtype(dtype, "numpy array"), shape, order == "F", "numpy array"))


def _scalar(dtype: Any, raw: Any) -> _Built:
    """``numpy.core.multiarray.scalar(dtype, bytes)``: a numpy scalar."""
    return _Built(_array(raw, _dtype(dtype, "numpy scalar"), (), False, "numpy scalar")[()])


def _mode(value: Any) -> _Built:
    """``NormalizationMode(value)``, as our own enum."""
    return _Built(NormalizationMode(value))


def _latin1(text: Any, encoding: Any = "latin1") -> bytes:
    """``_codecs.encode(text, "latin1")``: how protocol 2 writes bytes."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise BraxError("the pickle calls _codecs.encode with arguments other than (text, 'latin1')")
    return text.encode("latin-1")


_NDARRAY = object()  # stands for numpy.ndarray, which is only ever _reconstruct's first argument

ALLOWED: dict[tuple[str, str], Any] = {
    **{(f"numpy.{core}.multiarray", "_reconstruct"): _ArrayStub for core in ("core", "_core")},
    **{(f"numpy.{core}.multiarray", "scalar"): _scalar for core in ("core", "_core")},
    **{(f"numpy.{core}.numeric", "_frombuffer"): _frombuffer for core in ("core", "_core")},
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DtypeStub,
    ("_codecs", "encode"): _latin1,
    ("jax._src.array", "_reconstruct_array"): _jax_array,
    ("brax.training.acme.running_statistics", "RunningStatisticsState"): RunningStatisticsState,
    ("brax.training.acme.running_statistics", "NestedMeanStd"): NestedMeanStd,
    ("brax.training.acme.running_statistics", "NormalizationMode"): _mode,
    ("brax.training.types", "UInt64"): UInt64,
    ("flax.core.frozen_dict", "FrozenDict"): dict,  # pickled as FrozenDict(dict): the dict is the data
}  # fmt: skip
"""``(module, name)`` a Brax params pickle may name -> what this reader builds instead."""


class AllowListUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` whose ``find_class`` resolves only :data:`ALLOWED`
    names (to our own builders) and refuses every other, importing nothing."""

    def __init__(self, file: Any, description: str) -> None:
        super().__init__(file)
        self.description = description

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            allowed = ", ".join(sorted({m.split(".")[0] for m, _ in ALLOWED} - {"_codecs"}))
            raise BraxError(
                f"{self.description} names {module}.{name}, which a Brax params pickle does not need; refusing it. "
                f"Nothing in the file was imported or executed (the reader rebuilds only arrays and Brax's "
                f"normaliser records, from {allowed}). If you trust the file, load it with "
                "brax.io.model.load_params and pass the params tuple to read_brax instead."
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise BraxError(f"{self.description} refers to an external object ({pid!r}); a Brax params pickle has none")


def load_pickle(data: bytes, description: str) -> Any:
    """Unpickle ``data`` with :class:`AllowListUnpickler`: nested dicts, lists and
    tuples of numpy arrays, numbers and :class:`Record` objects."""
    try:
        return _resolve(AllowListUnpickler(io.BytesIO(data), description).load(), description)
    except BraxError:
        raise
    except Exception as e:  # every malformed-stream error pickle can raise
        raise BraxError(f"{description} is truncated or not a pickle: {type(e).__name__}: {e}") from None


def _resolve(obj: Any, description: str) -> Any:
    """Replace the array stubs by their arrays, recursively."""
    walk: Callable[[Any], Any] = lambda o: _resolve(o, description)  # noqa: E731
    if isinstance(obj, _Built):
        return obj.value
    if isinstance(obj, _ArrayStub):
        if obj.array is None:
            raise BraxError(f"{description}: an array was never given its data; is the file truncated?")
        return obj.array
    if isinstance(obj, _DtypeStub):
        raise BraxError(f"{description} holds a bare numpy dtype where data was expected")
    if isinstance(obj, dict):
        return {key: walk(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(walk(value) for value in obj)
    if isinstance(obj, Record):
        if obj.values is None:
            raise BraxError(f"{description}: a {obj.brax_name} was never given its fields; is the file truncated?")
        obj.values = {key: walk(value) for key, value in obj.values.items()}
    return obj


__all__ = ["ALLOWED", "AllowListUnpickler", "NestedMeanStd", "Record", "RunningStatisticsState", "UInt64", "load_pickle"]
