"""rlmodels: tools that span both backends.

``compare`` and ``compare_checkpoint`` check that an ``rlmodels_jax`` model and
an ``rlmodels_torch`` model compute the same thing (``rlmodels.parity``, the
engine); ``rlmodels.strategies`` holds hypothesis strategies to fuzz models
with; ``rlmodels.cli`` is the ``rlmodels`` command. Importing this package
imports neither framework.
"""

from rlmodels_common import __version__  # noqa: F401 (the release, stated once)

from .parity import OutputError, ParityReport, compare, compare_checkpoint

__all__ = ["OutputError", "ParityReport", "compare", "compare_checkpoint"]
