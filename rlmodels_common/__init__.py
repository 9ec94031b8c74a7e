"""What both backends share and must never drift apart on.

Framework-free (numpy and the standard library), in layers that import only
downwards: errors and names (``errors``, ``factory``, ``dtypes``,
``activations``, ``action_spaces``, ``gauss_hermite``, ``tolerances``), the
checkpoint files (``checkpoint_format``), one description per model family
(``configs``), what a checkpoint must hold (``contract``), saving and loading
a backend's model (``checkpoint``), conversion (``convert``); beside them the
carry rules (``carry``), the intermediates models record (``intermediates``),
the numpy reference forward (``reference``) and the importers' readers
(``orbax``, ``jaxdem``). ``__version__`` is the release of every rlmodels
package (the ``rlmodels-parity`` distribution reads it from here).
"""

__version__ = "0.2.0"

from .activations import ACTIVATIONS, DEFAULT_ACTIVATION
from .checkpoint_format import (
    CONFIG_FILE,
    FORMAT_NAME,
    FORMAT_VERSION,
    WEIGHTS_FILE,
    Checkpoint,
    check_tensors,
    is_checkpoint,
    read_checkpoint,
    write_checkpoint,
)
from .configs import BUILT_IN, CONFIGS, KnownNames, ModelConfig, action_space_entry, jsonable
from .contract import check_checkpoint, check_metadata, parameter_shapes
from .errors import CheckpointError, UnknownNameError
from .factory import Factory, normalize_key
from .gauss_hermite import gauss_hermite, gauss_hermite_grid
from .tolerances import FIRST_REFERENCE_RUNS, REFERENCE_FACTOR, REFERENCE_RUNS, TOLERANCES, Tolerance, tolerance

__all__ = [
    "ACTIVATIONS",
    "BUILT_IN",
    "CONFIGS",
    "CONFIG_FILE",
    "Checkpoint",
    "CheckpointError",
    "DEFAULT_ACTIVATION",
    "FIRST_REFERENCE_RUNS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Factory",
    "KnownNames",
    "ModelConfig",
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
