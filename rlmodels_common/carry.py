"""Rules of the recurrent carry that both backends follow."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["check_carry", "entries", "from_entries", "map_carry", "nonfinite", "reset_mask_shape"]


def reset_mask_shape(batch: tuple[int, ...], mask: tuple[int, ...], event_ndim: int = 1) -> tuple[int, ...]:
    """The shape to view a ``reset`` mask of shape ``mask`` as, to broadcast it
    over a carry of batch shape ``batch`` and ``event_ndim`` trailing axes (an
    LSTM's ``(features,)``: 1; a MinGRU's ``(num_layers, features)``: 2).

    A mask has the carry's batch shape (``done[t]`` of a ``(T, *batch)``
    ``done``), or ``(batch[0],)``: one flag per environment along axis 0;
    an unbatched carry takes a single flag ``()``. ``ValueError`` otherwise.
    """
    if mask == batch:
        return (*mask, *(1,) * event_ndim)
    if len(batch) > 1 and mask == batch[:1]:
        return (*mask, *(1,) * (len(batch) - 1 + event_ndim))
    if not batch:
        rule = "() (a single flag: the carry has no batch axis)"
    elif len(batch) == 1:
        rule = f"{batch} (the carry's batch shape)"
    else:
        rule = f"{batch} (the carry's batch shape) or {batch[:1]} (one flag per environment along axis 0)"
    raise ValueError(f"expected mask shape {rule}, got {mask}")


def check_carry(carry: Any, batch: tuple[int, ...] | None, shapes: Mapping[str, tuple[int, ...]], what: str) -> None:
    """Raise ``ValueError`` unless ``carry`` is a carry with entries ``shapes``
    (name -> shape for one environment, ``configs``' ``carry_shapes``): the one
    array itself for a one-entry carry (a MinGRU's ``h``), else a tuple of them
    (an LSTM's ``(c, h)``), each ``(*batch, *shape)`` with one common ``batch``
    (any, if ``batch`` is None)."""
    names = tuple(shapes)
    if len(names) == 1:
        _check_array(carry, batch, tuple(shapes[names[0]]), f"{what} {names[0]}")
        return
    event = tuple(shapes[names[0]])
    label = f"{what} ({', '.join(names)})"
    want = f"(*batch, {', '.join(map(str, event))})" if batch is None else str((*batch, *event))
    if not (isinstance(carry, (tuple, list)) and len(carry) == len(names)):
        count = "two" if len(names) == 2 else len(names)
        raise ValueError(f"expected {label}, {count} arrays each {want}, got {_describe(carry)}")
    got = tuple(tuple(getattr(a, "shape", np.shape(a))) for a in carry)
    lead = got[0][: len(got[0]) - len(event)] if batch is None else batch
    if any(s != (*lead, *event) for s in got):
        raise ValueError(f"expected {label} of shapes {want}, got {got}")


def _check_array(carry: Any, batch: tuple[int, ...] | None, event: tuple[int, ...], label: str) -> None:
    want = f"(*batch, {', '.join(map(str, event))})" if batch is None else str((*batch, *event))
    shape = getattr(carry, "shape", None)
    if shape is None or isinstance(carry, (tuple, list)):
        raise ValueError(f"expected {label}, one array {want}, got {_describe(carry)}")
    shape = tuple(shape)
    lead, tail = shape[: len(shape) - len(event)], shape[len(shape) - len(event) :]
    if len(shape) < len(event) or tail != event or (batch is not None and lead != batch):
        raise ValueError(f"expected {label} of shape {want}, got {shape}")


def _describe(value: Any) -> str:
    """What was passed as a carry, briefly: ``None``, ``tuple of 3 items``, ``Tensor of shape (2, 5)``."""
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of {len(value)} items"
    shape = getattr(value, "shape", None)
    return f"{type(value).__name__} of shape {tuple(shape)}" if shape is not None else repr(value)


def map_carry(fn: Callable[[Any], Any], carry: Any) -> Any:
    """``fn`` applied to every array of ``carry``: a tuple of arrays (an LSTM's
    ``(c, h)``), one array, or None (a feed-forward model's)."""
    if carry is None:
        return None
    if isinstance(carry, (tuple, list)):
        return tuple(fn(a) for a in carry)
    return fn(carry)


def from_entries(entries: tuple[Any, ...]) -> Any:
    """The carry as a model takes it, from its entries in the order of
    ``contract.carry_shapes``: the array itself for a one-entry carry (a
    MinGRU's ``h``), else the tuple (an LSTM's ``(c, h)``)."""
    return entries[0] if len(entries) == 1 else tuple(entries)


def entries(carry: Any) -> tuple[Any, ...]:
    """The inverse of :func:`from_entries`: a carry's arrays as a tuple (empty for None)."""
    if carry is None:
        return ()
    return tuple(carry) if isinstance(carry, (tuple, list)) else (carry,)


def nonfinite(observation: np.ndarray) -> None:
    """Raise ``ValueError`` naming the environments (batch indices) whose
    observation ``(*batch, obs)`` holds a NaN or an infinity."""
    bad = ~np.isfinite(observation).all(axis=-1)
    if bad.any():
        where = "the observation holds" if not bad.ndim else "observations of environments {} hold".format(
            [tuple(i) if len(i) > 1 else i[0] for i in np.argwhere(bad).tolist()]
        )
        raise ValueError(f"{where} NaN or inf; expected finite values (the environment or the observation pipeline produced them)")

