"""The parity engine: does a torch model compute what a JAX model computes?

One engine for every comparison (the ``rlmodels check`` command, the parity
suite, users fuzzing their own models), in four parts:

- ``inputs``: the probe inputs (a rollout with resets and batch-shape changes,
  a sequence with ``done``), numpy only;
- ``run_jax`` / ``run_torch``: each backend run on them, the JAX side as one
  compiled function per configuration;
- ``oracle``: the rule, against the float64 truth;
- ``report``: the ``ParityReport`` (per output, each backend's distance from
  the truth; where torch first parts from it).

``compare`` and ``compare_checkpoint`` tie them together; ``strategies`` holds
hypothesis strategies (needs the ``test`` extra). Importing this package
imports neither framework.
"""

from .compare import compare, compare_checkpoint
from .inputs import ProbeInputs, SequenceInputs, StepInputs, make_inputs
from .report import Divergence, OutputError, ParityReport

__all__ = [
    "Divergence",
    "OutputError",
    "ParityReport",
    "ProbeInputs",
    "SequenceInputs",
    "StepInputs",
    "compare",
    "compare_checkpoint",
    "make_inputs",
]
