"""``rlmodels import-brax``: a Brax (or MuJoCo Playground) PPO policy to a
portable checkpoint, checked against the numpy reference forward, which
computes Brax's formulas (docs/brax.md), on the mapped parameters
(``rlmodels.importing``)."""

from __future__ import annotations

from typing import Any

from rlmodels_common.brax import convert, read_brax
from rlmodels_common.checkpoint_format import PathLike

from .importing import ImportReport, write_checked

__all__ = ["import_brax"]


def import_brax(
    source: PathLike | tuple[Any, ...],
    out: PathLike,
    step: int | None = None,
    config: PathLike | None = None,
    backend: str | None = None,
    force: bool = False,
    examples: int = 8,
    seed: int = 0,
) -> ImportReport:
    """Import the Brax policy ``source`` (a run folder, a step folder, a
    ``save_params`` pickle with ``config``, or the params tuple), write it as a
    portable checkpoint at ``out`` (refusing to replace anything there unless
    ``force``), load that back with ``backend`` and compare it with the numpy
    reference forward on ``examples`` random observations. Nothing is written
    when the input is bad."""
    imported = convert(read_brax(source, step, config=config))
    return write_checked(imported, out, backend, "the Brax policy", force, examples, seed)
