"""Export a torch policy for deployment, with its manifest embedded, and verify
the file against eager torch.

Formats (``rlmodels.formats``): ONNX (``.onnx``, onnxruntime), the
AOTInductor-compiled package (``.pt2``: ``torch._inductor.aoti_load_package`` in
Python, ``AOTIModelPackageLoader`` in C++; needs a C++ compiler at export time),
the plain ``torch.export`` program (``exported-program``, also ``.pt2``) and
TorchScript (``.pt``). What is exported is one step of the model: the
deterministic action (mapped through the action space), the value and, for a
recurrent model, the new carry, from the observation and the incoming carry,
named and laid out by a runtime contract (``rlmodels.export.signature``)::

    action, value, c_out, h_out = policy(observation, c, h, reset)   # rlmodels, LSTMActorCritic
    actions, h_out, c_out = policy(obs, h_in, c_in)                  # isaaclab, LSTMActorCritic

An ``ActorCritic`` reading dict observations takes one input per key it reads,
named by the key, in place of ``observation`` (``rlmodels`` contract only).
The batch size is dynamic. Every file carries its manifest
(``rlmodels.manifest``; ``rlmodels inspect FILE``): model type and metadata,
sizes, the action space, the contract, inputs and outputs with shapes and dtypes,
how to feed the carry back, our version.
"""

from rlmodels_common.convert import require

rt = require("torch", "rlmodels.export")

from ..formats import FORMATS  # noqa: E402
from .deploy import Deployed, deployed  # noqa: E402
from .runners import load, runner  # noqa: E402
from .signature import CONTRACTS, Port, Signature, example_inputs, manifest, signature  # noqa: E402
from .verify import Verification, reference, verify  # noqa: E402
from .writer import export  # noqa: E402

__all__ = [
    "CONTRACTS", "FORMATS", "Deployed", "Port", "Signature", "Verification", "deployed", "example_inputs", "export",
    "load", "manifest", "reference", "runner", "signature", "verify",
]  # fmt: skip
