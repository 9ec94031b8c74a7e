"""Export a torch policy for deployment (ONNX, TorchScript) and verify the file.

What is exported is :class:`Deployed`: the deterministic action and the value.
A recurrent model is exported as one step with its state explicit, so the
runtime keeps the carry::

    action, value, c_out, h_out = policy(observation, c, h, reset)

``observation`` is ``(B, observation_space_size)``, ``c`` and ``h`` are
``(B, lstm_features)``, ``reset`` is a ``(B,)`` bool flag that zeroes the
incoming carry of environments starting a new episode (pass the previous
step's ``done``); the batch size ``B`` is dynamic. ONNX needs the ``onnx``
extra (onnx, onnxscript, onnxruntime); TorchScript needs only torch.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from rlmodels_common.convert import require
from rlmodels_common.tolerances import tolerance

rt = require("torch", "rlmodels.export")
import torch  # noqa: E402  (after require: a missing torch gets the install hint)

FORMATS = ("onnx", "torchscript")
ONNX_PACKAGES = ("onnx", "onnxscript", "onnxruntime")


class DeployedPolicy(torch.nn.Module):
    """``action, value = policy(observation)``: the deterministic action and the
    value of a feed-forward rlmodels torch model."""

    def __init__(self, model: rt.Model) -> None:
        super().__init__()
        self.model = model

    def forward(self, observation: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pi, value = self.model(observation)
        return rt.deterministic_action(pi), value


class DeployedRecurrentPolicy(torch.nn.Module):
    """``action, value, c_out, h_out = policy(observation, c, h, reset)``: one step
    of an ``LSTMActorCritic`` with the carry explicit; ``reset`` zeroes the
    incoming carry of the environments it flags."""

    def __init__(self, model: rt.LSTMActorCritic) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, observation: torch.Tensor, c: torch.Tensor, h: torch.Tensor, reset: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        # where, not a multiply: a NaN left in a finished episode's carry must not survive the reset
        fresh = reset.unsqueeze(-1)
        c = torch.where(fresh, torch.zeros_like(c), c)
        h = torch.where(fresh, torch.zeros_like(h), h)
        pi, value, (c, h) = self.model.step(observation, (c, h))
        return rt.deterministic_action(pi), value, c, h


def deployed(model: rt.Model) -> DeployedPolicy | DeployedRecurrentPolicy:
    """``model`` wrapped for export, in eval mode."""
    if isinstance(model, rt.LSTMActorCritic):
        return DeployedRecurrentPolicy(model).eval()
    return DeployedPolicy(model).eval()


def io_names(model: rt.Model) -> tuple[list[str], list[str]]:
    """Input and output names of the exported graph for ``model``."""
    if "lstm_features" in model.metadata:
        return ["observation", "c", "h", "reset"], ["action", "value", "c_out", "h_out"]
    return ["observation"], ["action", "value"]


def example_inputs(model: rt.Model, batch: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Random inputs of batch size ``batch`` for :func:`deployed` ``(model)``: a
    standard normal observation and, for the LSTM, a carry and reset flags."""
    meta = model.metadata
    rng = np.random.default_rng(seed)
    dtype = getattr(torch, meta["dtype"])
    obs = torch.as_tensor(rng.standard_normal((batch, meta["observation_space_size"])), dtype=dtype)
    if "lstm_features" not in meta:
        return (obs,)
    c, h = (torch.as_tensor(0.5 * rng.standard_normal((batch, meta["lstm_features"])), dtype=dtype) for _ in "ch")
    reset = torch.as_tensor(rng.random(batch) < 0.3)
    return obs, c, h, reset


def export(model: rt.Model, path: str | Path, format: str) -> Path:
    """Write the deployed policy of ``model`` to ``path`` as ``format`` ("onnx" or "torchscript")."""
    if format not in FORMATS:
        raise ValueError(f"expected format one of {list(FORMATS)}, got {format!r}")
    path = Path(path)
    if path.parent and not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: directory {path.parent} does not exist")
    policy = deployed(model)
    # batch 3, not 1: exporters specialise size-1 dimensions
    args = example_inputs(model, batch=3)
    inputs, outputs = io_names(model)
    if format == "onnx":
        _require_onnx()
        batch = torch.export.Dim("batch", min=1)
        with _quiet_exporter():
            torch.onnx.export(
                policy,
                args,
                str(path),
                input_names=inputs,
                output_names=outputs,
                dynamic_shapes=tuple({0: batch} for _ in args),
                dynamo=True,
                # from opset 20 Gelu is one op, which onnxruntime computes in float32 for float64 inputs
                opset_version=18,
                external_data=False,
                verbose=False,
            )
        return path
    with torch.no_grad(), warnings.catch_warnings():
        # torch.jit.trace is deprecated in favour of torch.export, but TorchScript is
        # still the format libtorch (C++) loads. The tracer's warnings are about the
        # models' shape checks, which compare the fixed feature dimension.
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(policy, args, check_trace=False)
    traced.save(str(path))
    return path


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


def verify(model: rt.Model, path: str | Path, format: str, batches: tuple[int, ...] = (1, 7, 256), seed: int = 0) -> Verification:
    """Run the exported file at ``path`` and eager torch on random inputs of each
    batch size in ``batches`` (one recurrent step from a random carry with some
    resets) and compare their outputs."""
    policy = deployed(model)
    run = _runner(path, format, io_names(model)[0])
    tol = tolerance(model.metadata["dtype"])
    errors: dict[str, float] = {}
    ratio = 0.0
    for i, batch in enumerate(batches):
        args = example_inputs(model, batch, seed=seed + i)
        with torch.no_grad():
            want = [t.numpy() for t in policy(*args)]
        got = run(args)
        for name, a, b in zip(io_names(model)[1], got, want):
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
                f"(Erf, used by gelu_exact); export a float32 copy (rlmodels_torch.with_dtype) or use torchscript"
            ) from None
        return lambda args: session.run(None, {n: a.numpy() for n, a in zip(inputs, args)})
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
    import importlib.util

    from rlmodels_common.extras import install_hint

    missing = [p for p in ONNX_PACKAGES if importlib.util.find_spec(p) is None]
    if missing:
        raise ImportError(
            f"ONNX export needs {', '.join(missing)}, which is not installed; install it with {install_hint('onnx')}"
        )


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
