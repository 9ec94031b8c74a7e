"""``rlmodels import-jaxdem``: a JaxDEM checkpoint to a portable checkpoint,
checked against the numpy reference forward (``rlmodels_common.reference``)
on the parameters mapped from the arrays read (``rlmodels.importing``)."""

from __future__ import annotations

from rlmodels_common.checkpoint_format import PathLike
from rlmodels_common.jaxdem import convert, read_directory

from .importing import ImportReport, write_checked

__all__ = ["import_jaxdem"]


def import_jaxdem(
    directory: PathLike,
    out: PathLike,
    step: int | None = None,
    activation: str | None = None,
    backend: str | None = None,
    force: bool = False,
    examples: int = 8,
    seed: int = 0,
) -> ImportReport:
    """Import step ``step`` (default: the latest) of the JaxDEM checkpoint
    ``directory``, write it as a portable checkpoint at ``out`` (refusing to
    replace anything there unless ``force``), load that back with ``backend``
    (``"jax"`` or ``"torch"``; default whichever is installed, JAX first) and
    compare it with the numpy reference forward on ``examples`` random
    observations. Nothing is written when the input is bad."""
    imported = convert(read_directory(directory, step), activation)
    return write_checked(imported, out, backend, "the JaxDEM checkpoint", force, examples, seed)
