"""Run a model on probe inputs and record every output as numpy (for parity checks).

See ``rlmodels_common.probe`` for the inputs and ``rlmodels_common.report`` for
the comparison; ``rlmodels_torch.probe`` is the mirror image. Probes run
eagerly: JAX then compiles each operation once per shape, shared by every model
of those sizes, whereas jitting a whole record would compile anew for every
configuration (Box bounds are compile-time constants) and keep it forever.
"""

from __future__ import annotations

import distrax
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from rlmodels_common.probe import ProbeInputs, Sequence, Step

from .distributions import deterministic_action
from .models import Model


def run(model: Model, inputs: ProbeInputs) -> list[dict[str, np.ndarray]]:
    """One record per step and one for the sequence. An LSTM's first record is
    the carry it holds (``held_carry``, so a hand-over is compared); the rollout
    goes on from it (from zeros where the batch shape differs), resets after
    each step as told, and the model gets its carry back afterwards."""
    saved = model.carry if model.carry is not None else None
    records = [] if saved is None else [_numpy({"held_carry": jnp.stack(saved)})]
    for step in inputs.steps:
        record = _step_record(model, *_arrays(model, step))
        if step.reset is not None:
            model.reset(step.observation.shape, mask=step.reset)
        if saved is not None:
            record["carry"] = jnp.stack(model.carry)
        records.append(_numpy(record))
    if inputs.sequence is not None:
        records.append(_numpy(_sequence_record(model, *_arrays(model, inputs.sequence), *_sequence_args(inputs.sequence))))
    if saved is not None:
        model.c.set_value(saved[0]), model.h.set_value(saved[1])
    return records


def gradients(model: Model, inputs: ProbeInputs) -> dict[str, np.ndarray]:
    """Gradients of ``sum(log_prob(gradient_action) + entropy + value)`` with
    respect to every parameter, by canonical name: on the sequence for
    recurrent models, else on step ``inputs.gradient_step``. (``gradient_action``
    is the probe's action pulled inside the action space; see
    ``rlmodels_common.probe.interior``.)"""
    if inputs.sequence is not None:
        seq = inputs.sequence
        grads = _sequence_gradients(model, *_arrays(model, seq, gradient=True), *_sequence_args(seq))
    else:
        grads = _step_gradients(model, *_arrays(model, inputs.steps[inputs.gradient_step], gradient=True))
    return {".".join(map(str, path)): np.asarray(v.get_value()) for path, v in nnx.to_flat_state(grads)}


def _arrays(model: Model, step: Step | Sequence, gradient: bool = False) -> tuple[jax.Array, jax.Array, jax.Array]:
    action = step.gradient_action if gradient and step.gradient_action is not None else step.action
    action = jnp.asarray(action) if model.discrete else jnp.asarray(action, model.dtype)
    return jnp.asarray(step.observation, model.dtype), action, jnp.asarray(step.noise, model.dtype)


def _sequence_args(seq: Sequence) -> tuple[jax.Array | None, tuple[jax.Array, jax.Array] | None]:
    carry = None if seq.initial_carry is None else (jnp.asarray(seq.initial_carry[0]), jnp.asarray(seq.initial_carry[1]))
    return (None if seq.done is None else jnp.asarray(seq.done)), carry


def _numpy(record: dict[str, jax.Array]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in record.items()}


def _step_record(model: Model, x: jax.Array, action: jax.Array, noise: jax.Array) -> dict[str, jax.Array]:
    pi, value = model(x)
    return _record(model, pi, value, action, noise)


def _sequence_record(model: Model, x, action, noise, done, carry) -> dict[str, jax.Array]:
    pi, value = model(x, sequence=True, done=done, initial_carry=carry)
    return _record(model, pi, value, action, noise)


def _loss(model: Model, pi, value: jax.Array, action: jax.Array) -> jax.Array:
    return jnp.sum(pi.log_prob(action) + pi.entropy() + value[..., 0])


def _step_gradients(model: Model, x, action, noise):
    return nnx.grad(lambda m: _loss(m, *m(x), action))(model)


def _sequence_gradients(model: Model, x, action, noise, done, carry):
    return nnx.grad(lambda m: _loss(m, *m(x, sequence=True, done=done, initial_carry=carry), action))(model)


def _record(model: Model, pi, value: jax.Array, action: jax.Array, noise: jax.Array) -> dict[str, jax.Array]:
    out = {
        "value": value,
        "log_prob": pi.log_prob(action),
        "entropy": pi.entropy(),
        "deterministic": deterministic_action(pi),
    }
    if isinstance(pi, distrax.Categorical):
        scores = pi.logits + noise  # Gumbel-max
        out |= {"logits": pi.logits, "sample": jnp.argmax(scores, axis=-1)}
        out |= {"_deterministic_scores": pi.logits, "_sample_scores": scores}
        return out
    loc, scale = pi.distribution.loc, pi.distribution.scale_diag
    x, log_det = model.bij.inverse_and_log_det(action)
    # The log-density's sensitivity to the action (one of the error scales)
    # comes from the torch probe: eager autodiff here would triple the cost.
    out |= {
        "loc": loc,
        "scale": scale,
        "sample": model.bij.forward(loc + scale * noise),
        "_x": x,
        "_log_det": log_det,
        "_log_det_expectation": model.bij.log_det_expectation(loc, scale),
    }
    return out
