"""What both backends share and must never drift apart on.

Framework-free (numpy and the standard library): the registry mixin, the
checkpoint format, activation names, the metadata schema, the parameters each
built-in model's metadata implies, Gauss-Hermite nodes and the parity
tolerances. ``__version__`` is the release of every rlmodels package (the
``rlmodels-parity`` distribution reads it from here).
"""

__version__ = "0.1.0"

from .activations import ACTIVATIONS, DEFAULT_ACTIVATION
from .checkpoint_format import (
    CONFIG_FILE,
    FORMAT_NAME,
    FORMAT_VERSION,
    WEIGHTS_FILE,
    Checkpoint,
    CheckpointError,
    check_tensors,
    is_checkpoint,
    read_checkpoint,
    write_checkpoint,
)
from .contract import check_checkpoint, parameter_shapes
from .factory import Factory, UnknownNameError, normalize_key
from .gauss_hermite import gauss_hermite, gauss_hermite_grid
from .metadata import BUILT_IN, CELL_TYPES, MODEL_PARAMETERS, KnownNames, action_space_entry, check_metadata, jsonable
from .tolerances import FIRST_REFERENCE_RUNS, REFERENCE_FACTOR, REFERENCE_RUNS, TOLERANCES, Tolerance, tolerance

__all__ = [
    "ACTIVATIONS",
    "BUILT_IN",
    "CELL_TYPES",
    "CONFIG_FILE",
    "Checkpoint",
    "CheckpointError",
    "DEFAULT_ACTIVATION",
    "FORMAT_NAME",
    "FIRST_REFERENCE_RUNS",
    "FORMAT_VERSION",
    "Factory",
    "KnownNames",
    "MODEL_PARAMETERS",
    "REFERENCE_FACTOR",
    "REFERENCE_RUNS",
    "TOLERANCES",
    "Tolerance",
    "UnknownNameError",
    "WEIGHTS_FILE",
    "action_space_entry",
    "check_checkpoint",
    "check_metadata",
    "check_tensors",
    "gauss_hermite",
    "gauss_hermite_grid",
    "is_checkpoint",
    "jsonable",
    "normalize_key",
    "parameter_shapes",
    "read_checkpoint",
    "tolerance",
    "write_checkpoint",
]
