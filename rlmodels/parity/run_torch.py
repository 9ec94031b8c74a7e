"""Run an ``rlmodels_torch`` model on probe inputs: the mirror image of ``run_jax``.

Eager torch, as users run it: each rollout step is one call of the model,
records are stacked per run of same-shaped steps so they line up with the
JAX records.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import torch
from torch.distributions import Categorical

import rlmodels_torch
from rlmodels_common.carry import entries, from_entries, map_carry
from rlmodels_common.intermediates import recording
from rlmodels_common.observations import map_observation
from rlmodels_torch import Model, deterministic_action

from .inputs import ProbeInputs, SequenceInputs, StepInputs
from .records import Probe, Record, segments

Tensors = dict[str, torch.Tensor]


def run(model: Model, inputs: ProbeInputs, dtype: str, gradients: bool = True, stages: bool = False) -> Probe:
    """``model`` evaluated in ``dtype`` on ``inputs``; its carry (the rollout's
    start) is given back afterwards."""
    if model.dtype != dtype:
        model = rlmodels_torch.with_dtype(model, dtype)
    kind = getattr(torch, dtype)
    saved = map_carry(lambda a: a.detach().clone(), model.carry)
    records = [] if saved is None else [Record("held carry", 0, {"held_carry": _stacked(saved)[None].numpy()})]
    # One thread: the probe's tensors are tiny, and torch's thread pool next to
    # XLA's in one process slows small ops down by a factor of 10 to 100.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        if saved is not None:
            model.carry = map_carry(torch.clone, saved)
        with torch.no_grad():
            for start, steps in segments(inputs):
                calls = [_call(model, step, kind, stages) for step in steps]
                records.append(Record("rollout", start, _stack([c[0] for c in calls]), _stack([c[1] for c in calls])))
            if inputs.sequence is not None:
                records.append(Record("sequence", 0, *_sequence(model, inputs.sequence, kind, stages)))
        grads = _gradients(model, inputs, kind) if gradients else None
    finally:
        torch.set_num_threads(threads)
        if saved is not None:
            model.carry = saved
    return Probe(records, grads)


def _stack(values: list[Tensors]) -> dict[str, np.ndarray]:
    return {name: torch.stack([v[name] for v in values]).numpy() for name in values[0]}


def _call(model: Model, step: StepInputs, kind: torch.dtype, stages: bool) -> tuple[Tensors, Tensors]:
    x = _observation(step.observation, kind)
    action = _action(model, step.action, kind)
    with recording() if stages else contextlib.nullcontext({}) as found:
        pi, value = model(x)
    outputs = _outputs(model, pi, value, action, torch.as_tensor(step.noise, dtype=kind))
    if step.reset is not None:  # recurrent models only, which read arrays
        model.reset(tuple(x.shape), mask=step.reset)
    if model.carry is not None:
        outputs["carry"] = _stacked(model.carry)
    return outputs, found


def _sequence(model: Model, seq: SequenceInputs, kind: torch.dtype, stages: bool) -> tuple[dict, dict]:
    x = torch.as_tensor(seq.observation, dtype=kind)
    carry = _unstacked(seq.initial_carry, kind)
    pi, value = model(x, sequence=True, done=seq.done, initial_carry=carry)
    action = _action(model, seq.action, kind)
    outputs = {k: v.numpy() for k, v in _outputs(model, pi, value, action, torch.as_tensor(seq.noise, dtype=kind)).items()}
    if not stages:
        return outputs, {}
    if carry is None:
        carry = model.initial_carry(tuple(x.shape[1:-1]))
    found = []
    for t in range(x.shape[0]):  # the sequence stepped, recording each step's intermediates
        with recording() as values:
            carry = model.step(x[t], carry)[2]
        if seq.done is not None:
            done = torch.as_tensor(seq.done[t])
            carry = map_carry(lambda a: torch.where(done.reshape(done.shape + (1,) * (a.ndim - done.ndim)), 0.0, a), carry)
        found.append(values)
    return outputs, _stack(found) if found else {}


def _gradients(model: Model, inputs: ProbeInputs, kind: torch.dtype) -> dict[str, np.ndarray]:
    target: StepInputs | SequenceInputs = inputs.sequence if inputs.sequence is not None else inputs.steps[inputs.gradient_step]
    action = _action(model, target.action if target.gradient_action is None else target.gradient_action, kind)
    x = _observation(target.observation, kind)
    model.zero_grad(set_to_none=True)
    if isinstance(target, SequenceInputs):
        pi, value = model(x, sequence=True, done=target.done, initial_carry=_unstacked(target.initial_carry, kind))
    else:
        pi, value = model(x)
    torch.sum(pi.log_prob(action) + pi.entropy() + value[..., 0]).backward()
    grads = model.canonical_grads()
    model.zero_grad(set_to_none=True)
    return grads


def _stacked(carry: Any) -> torch.Tensor:
    """A carry's entries stacked along a new leading axis (``records``' ``carry``)."""
    return torch.stack(entries(carry))


def _unstacked(stacked: np.ndarray | None, kind: torch.dtype) -> Any:
    """The carry a model takes, from its stacked entries (None stays None)."""
    return None if stacked is None else from_entries(tuple(torch.as_tensor(stacked, dtype=kind)))


def _observation(x: Any, kind: torch.dtype) -> Any:
    """An observation (or with dict observations each key's) as a tensor of ``kind``."""
    return map_observation(lambda a: torch.as_tensor(a, dtype=kind), x)


def _action(model: Model, action: np.ndarray, kind: torch.dtype) -> torch.Tensor:
    return torch.as_tensor(action) if model.discrete else torch.as_tensor(action, dtype=kind)


def _outputs(model: Model, pi: Any, value: torch.Tensor, action: torch.Tensor, noise: torch.Tensor) -> Tensors:
    out = {"value": value, "log_prob": pi.log_prob(action), "entropy": pi.entropy(), "deterministic": deterministic_action(pi)}
    if isinstance(pi, Categorical):
        return out | {"logits": pi.logits, "sample": torch.argmax(pi.logits + noise, dim=-1)}  # Gumbel-max
    base = pi.distribution.base_dist
    return out | {"loc": base.loc, "scale": base.scale, "sample": model.bij(base.loc + base.scale * noise)}
