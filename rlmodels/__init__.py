"""rlmodels: tools that span both backends.

``compare`` and ``compare_checkpoint`` check that an ``rlmodels_jax`` model and
an ``rlmodels_torch`` model compute the same thing; ``rlmodels.strategies``
holds hypothesis strategies to fuzz models with; ``rlmodels.cli`` is the
``rlmodels`` command. Importing this package imports neither framework.
"""

from rlmodels_common import __version__  # noqa: F401 (the release, stated once)
from rlmodels_common.report import OutputError, ParityReport

from .parity import compare, compare_checkpoint

__all__ = ["OutputError", "ParityReport", "compare", "compare_checkpoint"]
