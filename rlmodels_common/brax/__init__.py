"""Reading Brax (and MuJoCo Playground) PPO policies without JAX or Brax:
numpy, and tensorstore (the ``jaxdem`` extra) for Brax's Orbax folders.

:func:`read_brax` takes what Brax writes (a run folder of Orbax step folders
with ``ppo_network_config.json``, one step folder, a ``save_params`` pickle)
or the params tuple in memory, and returns a :class:`BraxSource`: the
observation normaliser, the policy and value parameters as flat dicts of
numpy arrays, the parsed network config and the step. Nothing named in a file
is imported or executed. :func:`convert` maps it to our ``ActorCritic``; the
backends' ``from_brax`` and ``rlmodels import-brax`` build on both.
"""

from .config import CONFIG_FILE, PPO_NETWORK_DEFAULTS, BraxNetworkConfig, parse_config
from .mapping import BRAX_ACTIVATIONS, Imported, convert
from .read import read_brax, step_numbers
from .source import BraxError, BraxNormalizer, BraxSource, NormalizationMode
from .unpickle import ALLOWED, AllowListUnpickler, load_pickle

__all__ = [
    "ALLOWED",
    "BRAX_ACTIVATIONS",
    "AllowListUnpickler",
    "BraxError",
    "BraxNetworkConfig",
    "BraxNormalizer",
    "BraxSource",
    "CONFIG_FILE",
    "Imported",
    "NormalizationMode",
    "PPO_NETWORK_DEFAULTS",
    "convert",
    "load_pickle",
    "parse_config",
    "read_brax",
    "step_numbers",
]
