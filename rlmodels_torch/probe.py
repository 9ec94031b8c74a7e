"""Run a model on probe inputs and record every output as numpy (for parity checks).

See ``rlmodels_common.probe`` for the inputs and ``rlmodels_common.report`` for
the comparison; ``rlmodels_jax.probe`` is the mirror image.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.distributions import Categorical

from rlmodels_common.probe import ProbeInputs, Sequence, Step

from .distributions import deterministic_action
from .dtypes import TORCH_DTYPES
from .models import Model


def run(model: Model, inputs: ProbeInputs) -> list[dict[str, np.ndarray]]:
    """One record per step and one for the sequence. An LSTM's first record is
    the carry it holds (``held_carry``, so a hand-over is compared); the rollout
    goes on from it (from zeros where the batch shape differs), resets after
    each step as told, and the model gets its carry back afterwards."""
    saved = tuple(a.detach().clone() for a in model.carry) if model.carry is not None else None
    records = [] if saved is None else [{"held_carry": torch.stack(saved).cpu().numpy()}]
    with torch.no_grad():
        for step in inputs.steps:
            pi, value = model(step.observation)
            record = _record(model, pi, value, step)
            if step.reset is not None:
                model.reset(step.observation.shape, mask=step.reset)
            if saved is not None:
                record["carry"] = torch.stack(model.carry).numpy()
            records.append(record)
        if inputs.sequence is not None:
            pi, value = _sequence_call(model, inputs.sequence)
            records.append(_record(model, pi, value, inputs.sequence))
    if saved is not None:
        model.c, model.h = saved
    return records


def gradients(model: Model, inputs: ProbeInputs) -> dict[str, np.ndarray]:
    """Gradients of ``sum(log_prob(gradient_action) + entropy + value)`` with
    respect to every parameter, by canonical name: on the sequence for
    recurrent models, else on step ``inputs.gradient_step``. (``gradient_action``
    is the probe's action pulled inside the action space; see
    ``rlmodels_common.probe.interior``.)"""
    target = inputs.sequence if inputs.sequence is not None else inputs.steps[inputs.gradient_step]
    model.zero_grad(set_to_none=True)
    pi, value = _sequence_call(model, target) if isinstance(target, Sequence) else model(target.observation)
    torch.sum(pi.log_prob(_action(model, target, gradient=True)) + pi.entropy() + value[..., 0]).backward()
    grads = model.canonical_grads()
    model.zero_grad(set_to_none=True)
    return grads


def gradient_scales(model: Model, inputs: ProbeInputs) -> dict[str, np.ndarray]:
    """Per parameter entry, how far the :func:`gradients` move when the Gaussian
    difference ``x - loc`` is off by the size of its operands, ``|x| + |loc|``:
    the gradient's error scale in ``rlmodels_common.tolerances``.

    ``d log p / d loc = z / std`` and ``d log p / d std = (z^2 - 1) / std`` with
    ``z = (x - loc) / std``; moving ``x - loc`` by ``m = |x| + |loc|`` moves them
    by ``m / std^2`` and ``2 |z| m / std^2``. Those are pulled back to the
    parameters in one backward pass. Near the mode (``x ~ loc``) a gradient of
    size ``|x - loc| / std^2`` is known only to ``eps (|x| + |loc|) / std^2`` in
    float32, in any implementation. Empty for discrete policies (softmax
    gradients have no such difference)."""
    if model.discrete:
        return {}
    target = inputs.sequence if inputs.sequence is not None else inputs.steps[inputs.gradient_step]
    model.zero_grad(set_to_none=True)
    pi, _ = _sequence_call(model, target) if isinstance(target, Sequence) else model(target.observation)
    normal = pi.distribution.base_dist
    with torch.no_grad():
        x = model.bij.inverse_and_log_det(_action(model, target, gradient=True))[0]
        operands = torch.abs(x) + torch.abs(normal.loc)
        z = (x - normal.loc) / normal.scale
        w_loc = operands / normal.scale**2
        w_scale = 2.0 * torch.abs(z) * w_loc
    torch.sum(w_loc * normal.loc + w_scale * normal.scale).backward()
    scales = {name: np.abs(g) for name, g in model.canonical_grads().items()}
    model.zero_grad(set_to_none=True)
    return scales


def _sequence_call(model: Model, seq: Sequence):
    carry = None if seq.initial_carry is None else (torch.as_tensor(seq.initial_carry[0]), torch.as_tensor(seq.initial_carry[1]))
    return model(seq.observation, sequence=True, done=seq.done, initial_carry=carry)


def _action(model: Model, step: Step | Sequence, gradient: bool = False) -> torch.Tensor:
    action = step.gradient_action if gradient and step.gradient_action is not None else step.action
    if model.discrete:
        return torch.as_tensor(action)
    return torch.as_tensor(action, dtype=TORCH_DTYPES[model.dtype])


def _record(model: Model, pi, value: torch.Tensor, step: Step | Sequence) -> dict[str, np.ndarray]:
    action = _action(model, step)
    out = {
        "value": value,
        "log_prob": pi.log_prob(action),
        "entropy": pi.entropy(),
        "deterministic": deterministic_action(pi),
    }
    noise = torch.as_tensor(step.noise, dtype=TORCH_DTYPES[model.dtype])
    if isinstance(pi, Categorical):
        scores = pi.logits + noise  # Gumbel-max
        out |= {"logits": pi.logits, "sample": torch.argmax(scores, dim=-1)}
        out |= {"_deterministic_scores": pi.logits, "_sample_scores": scores}
    else:
        normal = pi.distribution.base_dist
        x, log_det = model.bij.inverse_and_log_det(action)
        # The log-density's sensitivity to the action, an error scale for the
        # report (log p sums independent rows, so this is each row's gradient).
        with torch.enable_grad():
            probe = action.clone().requires_grad_(True)
            (d_action,) = torch.autograd.grad(pi.log_prob(probe).sum(), probe)
        base_sample = normal.loc + normal.scale * noise
        out |= {
            "_log_prob_sensitivity": torch.sum(torch.abs(d_action * action), dim=-1),
            # How the actions move with their inputs, to carry loc's and scale's
            # tolerance over to them (rlmodels_common.tolerances.propagated_scale).
            "_deterministic_jacobian": _abs_jacobian(model.bij, normal.loc),
            "_sample_jacobian": _abs_jacobian(model.bij, base_sample),
            "_noise": noise,
            "loc": normal.loc,
            "scale": normal.scale,
            "sample": model.bij(base_sample),
            "_x": x,
            "_log_det": log_det,
            "_log_det_expectation": model.bij.log_det_expectation(normal.loc, normal.scale),
        }
    return {k: v.detach().numpy() for k, v in out.items()}


def _abs_jacobian(bijector, u: torch.Tensor) -> torch.Tensor:
    """``|d bijector(u) / du|`` for each action vector, ``(..., d, d)``: one
    backward pass per action dimension (the action spaces map rows independently)."""
    with torch.enable_grad():
        u = u.detach().clone().requires_grad_(True)
        y = bijector(u)
        rows = [torch.autograd.grad(y[..., i].sum(), u, retain_graph=True)[0] for i in range(y.shape[-1])]
    return torch.stack(rows, dim=-2).abs()
