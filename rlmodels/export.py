"""Export a torch policy for deployment (ONNX, ``torch.export`` ``.pt2``,
TorchScript), with its manifest embedded, and verify the file.

What is exported is :func:`deployed`: the deterministic action and the value,
and with ``stochastic=True`` the policy's parameters too (the Gaussian's
``mean`` and ``std`` before the action space, or the categorical
``logits``) for runtimes that sample themselves. A recurrent model is
exported as one step with its carry explicit, so the runtime keeps it::

    action, value, c_out, h_out = policy(observation, c, h, reset)     # LSTMActorCritic
    action, value, h_out = policy(observation, h, reset)               # MinGRUActorCritic

``observation`` is ``(B, observation_space_size)``; the LSTM's ``c`` and ``h``
are ``(B, lstm_features)``, the MinGRU's ``h`` is ``(B, num_layers,
gru_features)``; ``reset`` is a ``(B,)`` bool flag that zeroes the incoming
carry of environments starting a new episode (pass the previous step's
``done``); the batch size ``B`` is dynamic.

Every file carries its manifest (``rlmodels.manifest``): model type and
metadata, sizes, action space and whether the action is mapped through it,
input and output names, shapes and dtypes, the carry, our version; in ONNX
``metadata_props``, in the ``.pt2`` and TorchScript archives' extra files.
``rlmodels inspect FILE`` prints it. The format follows the extension
(``.onnx``, ``.pt2``, ``.pt``). ONNX needs the ``onnx`` extra; ``.pt2`` and
TorchScript need only torch. TorchScript (``torch.jit.trace``) is deprecated
in torch 2.13 in favour of ``torch.export``; it stays while libtorch (C++)
still loads it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from rlmodels_common.carry import entries, map_carry
from rlmodels_common.convert import require
from rlmodels_common.tolerances import tolerance

from .manifest import MANIFEST_FILE, MANIFEST_KEY, carry_shapes, describe, format_for, read_manifest

rt = require("torch", "rlmodels.export")
import torch  # noqa: E402  (after require: a missing torch gets the install hint)

FORMATS = ("onnx", "pt2", "torchscript")
ONNX_PACKAGES = ("onnx", "onnxscript", "onnxruntime")


class DeployedPolicy(torch.nn.Module):
    """``action, value[, head...] = policy(observation)`` for a feed-forward
    rlmodels torch model; ``head`` is ``mean, std`` or ``logits`` when
    ``stochastic``."""

    def __init__(self, model: rt.Model, stochastic: bool = False) -> None:
        super().__init__()
        self.model = model
        self.stochastic = stochastic

    def forward(self, observation: torch.Tensor) -> tuple[torch.Tensor, ...]:
        pi, value = self.model(observation)
        return rt.deterministic_action(pi), value, *(_head(pi) if self.stochastic else ())


class DeployedRecurrentPolicy(torch.nn.Module):
    """``action, value[, head...], c_out, h_out = policy(observation, c, h, reset)``:
    one step of an ``LSTMActorCritic`` with the carry explicit; ``reset`` zeroes
    the incoming carry of the environments it flags."""

    def __init__(self, model: rt.Model, stochastic: bool = False) -> None:
        super().__init__()
        self.model = model
        self.stochastic = stochastic

    def forward(
        self, observation: torch.Tensor, c: torch.Tensor, h: torch.Tensor, reset: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        return self.step(observation, (c, h), reset)

    def step(self, observation: torch.Tensor, carry: Any, reset: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The outputs, then the new carry's entries, from ``carry`` zeroed where ``reset``."""
        # where, not a multiply: a NaN left in a finished episode's carry must not survive the reset
        carry = map_carry(lambda a: torch.where(reset.reshape(-1, *(1,) * (a.ndim - 1)), torch.zeros_like(a), a), carry)
        pi, value, carry = self.model.step(observation, carry)
        return rt.deterministic_action(pi), value, *(_head(pi) if self.stochastic else ()), *entries(carry)


class DeployedMinGRUPolicy(DeployedRecurrentPolicy):
    """``action, value[, head...], h_out = policy(observation, h, reset)``: one step
    of a ``MinGRUActorCritic`` with its carry ``h`` ``(B, num_layers,
    gru_features)`` explicit; ``reset`` zeroes it for the environments it flags."""

    def forward(self, observation: torch.Tensor, h: torch.Tensor, reset: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.step(observation, h, reset)


def _head(pi: Any) -> tuple[torch.Tensor, ...]:
    """The policy's parameters: ``(logits,)`` (normalised: log-probabilities) or
    the base Gaussian's ``(mean, std)``."""
    if isinstance(pi, torch.distributions.Categorical):
        return (pi.logits,)
    normal = pi.base_dist.base_dist
    return normal.loc, normal.scale


def deployed(model: rt.Model, stochastic: bool = False) -> DeployedPolicy | DeployedRecurrentPolicy:
    """``model`` wrapped for export, in eval mode."""
    count = len(carry_shapes(model))  # the carry's arrays: the LSTM's (c, h), the MinGRU's h
    if count == 2:
        return DeployedRecurrentPolicy(model, stochastic).eval()
    if count == 1:
        return DeployedMinGRUPolicy(model, stochastic).eval()
    return DeployedPolicy(model, stochastic).eval()


def io_names(model: rt.Model, stochastic: bool = False) -> tuple[list[str], list[str]]:
    """Input and output names of the exported graph for ``model``."""
    carry = list(carry_shapes(model))
    head = (["logits"] if model.discrete else ["mean", "std"]) if stochastic else []
    return ["observation", *carry, *(["reset"] if carry else [])], ["action", "value", *head, *(f"{n}_out" for n in carry)]


def manifest(model: rt.Model, format: str, stochastic: bool = False) -> dict[str, Any]:
    """What the file exported from ``model`` takes and gives (embedded in it)."""
    facts = describe(model)
    A, dtype, carry = facts["action_size"], facts["dtype"], carry_shapes(model)
    shapes = {
        "observation": ["batch", facts["observation_size"]], "reset": ["batch"], "value": ["batch", 1],
        "action": ["batch"] if model.discrete else ["batch", A], "mean": ["batch", A], "std": ["batch", A],
        "logits": ["batch", A],
        **{n: ["batch", *s] for n, s in carry.items()}, **{f"{n}_out": ["batch", *s] for n, s in carry.items()},
    }  # fmt: skip
    dtypes = {"reset": "bool", "action": "int64" if model.discrete else dtype}
    inputs, outputs = io_names(model, stochastic)
    entry = lambda name: {"name": name, "shape": shapes[name], "dtype": dtypes.get(name, dtype)}  # noqa: E731
    if model.discrete:
        action = "the most likely choice (argmax of the logits)"
        sampling = "sample an index from softmax(logits) (logits are log-probabilities)"
    else:
        space = facts["action_space"]["type"]
        action = f"the deterministic action, already mapped through the action space ({space} applied to the Gaussian mean)"
        sampling = f"sample u ~ Normal(mean, std) per dimension, then map u through the action space ({space}); mean and std are not mapped"
    return {
        **facts,
        "format": format,
        "inputs": [entry(n) for n in inputs],
        "outputs": [entry(n) for n in outputs],
        "action": action,
        "action_mapped": not model.discrete,
        "stochastic_head": sampling if stochastic else None,
        "carry_rule": (
            f"feed {', '.join(f'{n}_out' for n in carry)} back as {', '.join(carry)} at the next step; start from zeros "
            "or set reset True where an episode starts (it zeroes the incoming carry)"
        ) if carry else None,
    }  # fmt: skip


def example_inputs(model: rt.Model, batch: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Random inputs of batch size ``batch`` for :func:`deployed` ``(model)``: a
    standard normal observation and, for a recurrent model, a carry and reset flags."""
    meta = model.metadata
    rng = np.random.default_rng(seed)
    dtype = getattr(torch, meta["dtype"])
    obs = torch.as_tensor(rng.standard_normal((batch, meta["observation_space_size"])), dtype=dtype)
    carry = carry_shapes(model)
    if not carry:
        return (obs,)
    state = (torch.as_tensor(0.5 * rng.standard_normal((batch, *shape)), dtype=dtype) for shape in carry.values())
    reset = torch.as_tensor(rng.random(batch) < 0.3)
    return obs, *state, reset


def export(model: rt.Model, path: str | Path, format: str | None = None, stochastic: bool = False) -> Path:
    """Write the deployed policy of ``model`` to the file ``path`` with its
    manifest embedded. ``format`` ("onnx", "pt2" or "torchscript") defaults to
    the one the extension names (``.onnx``, ``.pt2``, ``.pt``)."""
    format = format_for(path, format)
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"expected a file to write the {format} export to, got the directory {path}; name a file in it, e.g. {path / ('policy' + _extension(format))}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: directory {path.parent} does not exist")
    policy = deployed(model, stochastic)
    # batch 3, not 1: exporters specialise size-1 dimensions
    args = example_inputs(model, batch=3)
    inputs, outputs = io_names(model, stochastic)
    text = json.dumps(manifest(model, format, stochastic))
    batch = torch.export.Dim("batch", min=1)
    dynamic = tuple({0: batch} for _ in args)
    if format == "onnx":
        _require_onnx()
        import onnx

        with _quiet_exporter():
            torch.onnx.export(
                policy,
                args,
                str(path),
                input_names=inputs,
                output_names=outputs,
                dynamic_shapes=dynamic,
                dynamo=True,
                # from opset 20 Gelu is one op, which onnxruntime computes in float32 for float64 inputs
                opset_version=18,
                # onnxscript's optimizer removes a multiply by any scalar within 1e-5 of 1
                # as a no-op: the Box and MaxNorm scale (1 - eps) * half-width vanished and
                # actions grew by eps. onnxruntime optimises the graph when it loads it.
                optimize=False,
                external_data=False,
                verbose=False,
            )
        proto = onnx.load(str(path))
        proto.metadata_props.add(key=MANIFEST_KEY, value=text)
        onnx.save(proto, str(path))
    elif format == "pt2":
        with torch.no_grad():
            program = torch.export.export(policy, args, dynamic_shapes=dynamic)
        torch.export.save(program, str(path), extra_files={MANIFEST_FILE: text})
    else:
        with torch.no_grad(), warnings.catch_warnings():
            # torch.jit.trace is deprecated in favour of torch.export, but TorchScript is
            # still the format libtorch (C++) loads. The tracer's other warnings are about
            # the models' shape checks, which compare the fixed feature dimension.
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(policy, args, check_trace=False)
        torch.jit.save(traced, str(path), _extra_files={MANIFEST_FILE: text})
    return path


def _extension(format: str) -> str:
    return {"onnx": ".onnx", "pt2": ".pt2", "torchscript": ".pt"}[format]


@dataclass(frozen=True)
class Verification:
    """How far an exported policy is from eager torch: the largest absolute error
    per output over every checked input, and the largest error in units of the
    parity tolerance for the model's dtype (at most 1 means agreement)."""

    max_abs: dict[str, float]
    ratio: float
    batches: tuple[int, ...]

    @property
    def ok(self) -> bool:
        return self.ratio <= 1.0


def verify(
    model: rt.Model, path: str | Path, format: str | None = None, batches: tuple[int, ...] = (1, 7, 256), seed: int = 0
) -> Verification:
    """Run the exported file at ``path`` and eager torch on random inputs of each
    batch size in ``batches`` (one recurrent step from a random carry with some
    resets) and compare every output the file's manifest names.

    Raises ``ValueError`` if the file's manifest describes another model
    configuration than ``model``'s.
    """
    stated = read_manifest(path)
    if (stated["model_type"], stated["metadata"]) != (model.type_name, model.metadata):
        raise ValueError(
            f"{path} holds a {stated['model_type']} with metadata {stated['metadata']}, "
            f"not this {model.type_name} with metadata {model.metadata}"
        )
    format = format_for(path, format or stated["format"])
    stochastic = stated["stochastic_head"] is not None
    policy = deployed(model, stochastic)
    inputs, outputs = io_names(model, stochastic)
    run = _runner(path, format, inputs)
    tol = tolerance(model.metadata["dtype"])
    errors: dict[str, float] = {}
    ratio = 0.0
    for i, batch in enumerate(batches):
        args = example_inputs(model, batch, seed=seed + i)
        with torch.no_grad():
            want = [t.numpy() for t in policy(*args)]
        got = run(args)
        if len(got) != len(want):
            raise ValueError(f"{path} gives {len(got)} outputs, expected {len(want)} ({outputs})")
        for name, a, b in zip(outputs, got, want):
            if a.shape != b.shape:
                raise ValueError(f"exported output {name!r}: expected shape {b.shape}, got {a.shape}")
            diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
            errors[name] = max(errors.get(name, 0.0), float(diff.max(initial=0.0)))
            ratio = max(ratio, tol.error(a, b))
    return Verification(max_abs=errors, ratio=ratio, batches=tuple(batches))


def _runner(path: str | Path, format: str, inputs: list[str]) -> Any:
    """A function from input tensors to output arrays, running the exported file."""
    if format == "onnx":
        _require_onnx()
        import onnxruntime

        try:
            session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own untyped errors
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ValueError(
                f"onnxruntime cannot run {path}: {first}. onnxruntime lacks some float64 kernels "
                f"(Erf, used by gelu_exact); export a float32 copy (rlmodels_torch.with_dtype) or use .pt2"
            ) from None
        return lambda args: session.run(None, {n: a.numpy() for n, a in zip(inputs, args)})
    if format == "pt2":
        program = torch.export.load(str(path)).module()

        def run_program(args: tuple[Any, ...]) -> list[np.ndarray]:
            with torch.no_grad():
                return [t.numpy() for t in program(*args)]

        return run_program
    if format == "torchscript":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # see export(): TorchScript is deprecated, still loaded by libtorch
            loaded = torch.jit.load(str(path))

        def run(args: tuple[Any, ...]) -> list[np.ndarray]:
            with torch.no_grad():
                return [t.numpy() for t in loaded(*args)]

        return run
    raise ValueError(f"expected format one of {list(FORMATS)}, got {format!r}")


def _require_onnx() -> None:
    from rlmodels_common.extras import require_extra

    require_extra("onnx", ONNX_PACKAGES, "ONNX export")


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Silence the ONNX exporter's chatter (absent torchvision ops, deprecations)
    for the duration of an export; its errors still raise."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
