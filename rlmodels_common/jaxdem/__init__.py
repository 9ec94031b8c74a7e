"""Importing policies trained with JaxDEM: read its checkpoints (``reading``,
numpy and tensorstore only, the ``jaxdem`` extra), translate its metadata
(``layouts``) and map its parameters to our canonical names (``mapping``).
The models know nothing of JaxDEM; the backends' ``from_jaxdem`` and
``rlmodels import-jaxdem`` build on this.
"""

from ..orbax import INSTALL_HINT, read_state
from .layouts import JAXDEM_ACTIVATIONS, JAXDEM_CELLS, LAYOUTS, Layout
from .mapping import Imported, convert, rename_map
from .reading import JaxdemError, Source, read_directory, read_metadata, source_from_state, step_numbers

__all__ = [
    "INSTALL_HINT",
    "JAXDEM_ACTIVATIONS",
    "JAXDEM_CELLS",
    "LAYOUTS",
    "Imported",
    "JaxdemError",
    "Layout",
    "Source",
    "convert",
    "read_directory",
    "read_metadata",
    "read_state",
    "rename_map",
    "source_from_state",
    "step_numbers",
]
