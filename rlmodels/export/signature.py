"""What an exported file takes and gives: its inputs and outputs (names, shapes,
dtypes, roles) under a runtime contract, and the manifest embedded in it.

Two contracts name and lay out the same step:

- ``rlmodels`` (default): ``observation[, c, h | h], reset`` -> ``action, value[,
  mean, std | logits][, c_out, h_out | h_out]``; carries batch-major, ``(B, H)``
  for the LSTM's ``c`` and ``h``, ``(B, num_layers, H)`` for the MinGRU's ``h``;
  ``reset`` ``(B,)`` bool zeroes the incoming carry where an episode starts.
  An ``ActorCritic`` reading dict observations takes one input per key it
  reads instead of ``observation``, named by the key (``state``,
  ``privileged_state``: ``(B, size)`` each).
- ``isaaclab``: the names and layout Isaac Lab's ``export_policy_as_onnx`` and
  rsl_rl's ``OnPolicyRunner.export_policy_to_onnx`` write: ``obs[, h_in, c_in |
  h_in]`` -> ``actions[, h_out, c_out | h_out]``, carries layer-major
  ``(num_layers, B, H)`` as ``nn.LSTM`` / ``nn.GRU`` hold them (the LSTM has one
  layer; the MinGRU's ``num_layers`` layers take the GRU's place), no value and no
  reset input: the runtime zeroes ``h_in`` / ``c_in`` of environments that were
  done, as rsl_rl's ``reset(dones)`` does.

With ``check_finite`` both end with a ``(B,)`` bool output, True for the
environments whose observation holds a NaN or an infinity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..formats import CONTRACTS
from rlmodels_common.observations import describe_keys

from ..manifest import carry_shapes, describe, observation_inputs

__all__ = ["CONTRACTS", "BATCH", "Port", "Signature", "example_inputs", "manifest", "manifest_text", "observation", "signature"]

BATCH = "batch"
"""The symbolic batch dimension in the manifest's shapes."""


@dataclass(frozen=True)
class Port:
    """One input or output of an exported file."""

    name: str
    shape: tuple[int | str, ...]
    """With :data:`BATCH` for the dynamic batch dimension."""
    dtype: str
    role: str
    """``observation``, ``carry``, ``reset``, ``action``, ``value``, ``mean``,
    ``std``, ``logits`` or ``nonfinite``."""
    carry: str | None = None
    """For a carry port, the model's carry entry (``c`` or ``h``)."""
    key: str | None = None
    """For an observation port of dict observations, the observation key."""

    @property
    def batch_axis(self) -> int:
        return self.shape.index(BATCH)

    def entry(self) -> dict[str, Any]:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}


@dataclass(frozen=True)
class Signature:
    """The inputs and outputs of the file exported from a model under ``contract``."""

    contract: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    stochastic: bool
    check_finite: bool

    def names(self) -> tuple[list[str], list[str]]:
        return [p.name for p in self.inputs], [p.name for p in self.outputs]

    @property
    def layer_major(self) -> bool:
        """Whether carries are ``(num_layers, B, H)`` (Isaac Lab) rather than ``(B, ...)``."""
        return self.contract == "isaaclab"

    @property
    def has_reset(self) -> bool:
        return any(p.role == "reset" for p in self.inputs)


def signature(model: Any, contract: str = "rlmodels", stochastic: bool = False, check_finite: bool = False) -> Signature:
    """The :class:`Signature` of ``model`` exported under ``contract`` (see the module doc)."""
    if contract not in CONTRACTS:
        raise ValueError(f"expected contract one of {list(CONTRACTS)}, got {contract!r}")
    meta, carry, sizes = model.metadata, carry_shapes(model), observation_inputs(model)
    dtype, A, discrete = meta["dtype"], meta["action_space_size"], meta["discrete"]
    action_shape = (BATCH,) if discrete else (BATCH, A)
    action_dtype = "int64" if discrete else dtype
    head = [Port("logits", (BATCH, A), dtype, "logits")] if discrete else [
        Port("mean", (BATCH, A), dtype, "mean"), Port("std", (BATCH, A), dtype, "std")]  # fmt: skip
    if contract == "rlmodels":
        if isinstance(sizes, dict):  # dict observations: one input per key, named by it
            inputs = [Port(key, (BATCH, n), dtype, "observation", key=key) for key, n in sizes.items()]
        else:
            inputs = [Port("observation", (BATCH, sizes), dtype, "observation")]
        inputs += [Port(n, (BATCH, *s), dtype, "carry", n) for n, s in carry.items()]
        inputs += [Port("reset", (BATCH,), "bool", "reset")] if carry else []
        outputs = [Port("action", action_shape, action_dtype, "action"), Port("value", (BATCH, 1), dtype, "value")]
        outputs += head if stochastic else []
        outputs += [Port(f"{n}_out", (BATCH, *s), dtype, "carry", n) for n, s in carry.items()]
        nonfinite = "observation_nonfinite"
    else:
        if stochastic:
            raise ValueError(
                "the isaaclab contract carries the deterministic actions only (as rsl_rl's exporter writes them); "
                "export with the rlmodels contract for the policy's mean and std or logits"
            )
        if isinstance(sizes, dict):
            raise ValueError(
                "the isaaclab contract has one observation input, obs (as Isaac Lab's and rsl_rl's exporters write it); "
                f"this {model.type_name} reads dict observations ({describe_keys(list(sizes))}): export with the rlmodels "
                "contract, which takes one input per key"
            )
        # rsl_rl's order: h before c; nn.LSTM / nn.GRU layout: (num_layers, batch, features)
        order = sorted(carry, key=lambda n: n != "h")
        layered = {n: (*carry[n][:-1], BATCH, carry[n][-1]) if len(carry[n]) > 1 else (1, BATCH, carry[n][0]) for n in order}
        inputs = [Port("obs", (BATCH, sizes), dtype, "observation")]
        inputs += [Port(f"{n}_in", layered[n], dtype, "carry", n) for n in order]
        outputs = [Port("actions", action_shape, action_dtype, "action")]
        outputs += [Port(f"{n}_out", layered[n], dtype, "carry", n) for n in order]
        nonfinite = "obs_nonfinite"
    if check_finite:
        outputs.append(Port(nonfinite, (BATCH,), "bool", "nonfinite"))
    clash = sorted({p.name for p in inputs} & {p.name for p in outputs})
    if clash:
        raise ValueError(
            f"the observation keys {clash} are also names of the exported file's outputs {[p.name for p in outputs]}; "
            "a file's input and output names must differ: rename the keys (actor_observation_key, critic_observation_key "
            "and the normalizer.<key> parameters)"
        )
    return Signature(contract, tuple(inputs), tuple(outputs), stochastic, check_finite)


def observation(sig: Signature, args: tuple[Any, ...]) -> Any:
    """The model's observation among a file's inputs ``args`` (in the order of
    ``sig.inputs``): the one observation, or with dict observations a dict by key."""
    ports = [(p, a) for p, a in zip(sig.inputs, args) if p.role == "observation"]
    return ports[0][1] if ports[0][0].key is None else {p.key: a for p, a in ports}


def manifest(model: Any, format: str, sig: Signature, tune_batch: int | None = None) -> dict[str, Any]:
    """What the file exported from ``model`` takes and gives (embedded in it);
    ``tune_batch``: the batch size a compiled package's kernels were tuned at."""
    facts = describe(model)
    carry_in = [p.name for p in sig.inputs if p.role == "carry"]
    carry_out = [p.name for p in sig.outputs if p.role == "carry"]
    if model.discrete:
        action = "the most likely choice (argmax of the logits)"
        sampling = "sample an index from softmax(logits) (logits are log-probabilities)"
    else:
        space = facts["action_space"]["type"]
        action = f"the deterministic action, already mapped through the action space ({space} applied to the Gaussian mean)"
        sampling = f"sample u ~ Normal(mean, std) per dimension, then map u through the action space ({space}); mean and std are not mapped"
    if not carry_in:
        carry_rule = None
    elif sig.has_reset:
        carry_rule = (
            f"feed {', '.join(carry_out)} back as {', '.join(carry_in)} at the next step; start from zeros "
            "or set reset True where an episode starts (it zeroes the incoming carry)"
        )
    else:
        carry_rule = (
            f"feed {', '.join(carry_out)} back as {', '.join(carry_in)} at the next step; start from zeros and zero "
            f"the columns (axis 1, the batch) of environments that were done, as rsl_rl's reset(dones) does"
        )
    nonfinite = [p.name for p in sig.outputs if p.role == "nonfinite"]
    return {
        **facts,
        "format": format,
        "contract": sig.contract,
        "inputs": [p.entry() for p in sig.inputs],
        "outputs": [p.entry() for p in sig.outputs],
        "action": action,
        "action_mapped": not model.discrete,
        "stochastic_head": sampling if sig.stochastic else None,
        "carry_rule": carry_rule,
        "nonfinite_check": (
            f"{nonfinite[0]} is True for the environments whose observation holds a NaN or an infinity "
            "(their actions are then meaningless)"
        ) if nonfinite else None,
        "tune_batch": tune_batch,
    }  # fmt: skip


def manifest_text(model: Any, format: str, sig: Signature, tune_batch: int | None = None) -> str:
    """:func:`manifest` as the JSON text embedded in the file."""
    return json.dumps(manifest(model, format, sig, tune_batch))


def example_inputs(model: Any, sig: Signature, batch: int, seed: int = 0) -> tuple[Any, ...]:
    """Random inputs for ``sig`` at batch size ``batch``: a standard normal
    observation, a random carry and random reset flags (about 30% set)."""
    import torch

    rng = np.random.default_rng(seed)
    out = []
    for port in sig.inputs:
        shape = tuple(batch if d == BATCH else d for d in port.shape)
        if port.role == "reset":
            out.append(torch.as_tensor(rng.random(shape) < 0.3))
        else:
            scale = 1.0 if port.role == "observation" else 0.5
            out.append(torch.as_tensor(scale * rng.standard_normal(shape), dtype=getattr(torch, port.dtype)))
    return tuple(out)
