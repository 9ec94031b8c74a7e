"""Run an ``rlmodels_jax`` model on probe inputs through one compiled function.

The model is split once into its static structure (``nnx.GraphDef``, hashable
and equal for equal configurations) and its arrays; the whole probe (rollout,
sequence, log-probs, entropies, values, carries and gradients) is one pure
function jitted with the structure static. Examples that change only weights
and inputs therefore reuse one compilation per configuration and input
layout. The float64 truth runs the same function on the float64 structure of
the same configuration, built abstractly (no initializer runs).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import json
from typing import Any

import distrax
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from rlmodels_common.carry import entries, from_entries, map_carry
from rlmodels_common.intermediates import recording
from rlmodels_jax import Model, deterministic_action

from . import inputs as inputs_module
from .inputs import ProbeInputs
from .memory import release_compiled
from .records import Probe, Record, segments, stacked

Arrays = dict[str, Any]


def run(
    model: Model,
    inputs: ProbeInputs,
    dtype: str,
    gradients: bool = True,
    stages: bool = False,
    nudge: tuple[int, str] | None = None,
    jacobians: bool = False,
) -> Probe:
    """``model`` evaluated in ``dtype`` on ``inputs`` (the model itself is not
    touched: its carry, the rollout's start, is read, not advanced). ``nudge``
    ``(seed, ulp_dtype)`` moves every parameter by at most one ``ulp_dtype`` ulp
    at random first (the same moves for any ``dtype``; see ``inputs.nudge``)."""
    with jax.enable_x64(True) if "float64" in (dtype, model.dtype) else contextlib.nullcontext():
        graphdef, params, rest = _split(model, dtype, nudge)
        arrays = _arrays(inputs, dtype)
        outputs, grads = jax.device_get(_probe(graphdef, params, rest, arrays, gradients=gradients, stages=stages, jacobians=jacobians))
    records = [] if model.carry is None else [Record("held carry", 0, {"held_carry": outputs.pop(0)["held_carry"]})]
    labels = [(start, "rollout") for start, _ in segments(inputs)] + ([(0, "sequence")] if inputs.sequence else [])
    for (first, label), (values, stage_values) in zip(labels, outputs):
        records.append(Record(label, first, dict(values), dict(stage_values)))
    if grads is not None:
        grads = {".".join(map(str, path)): np.asarray(v) for path, v in nnx.to_flat_state(grads)}
    return Probe(records, grads)


def _split(model: Model, dtype: str, nudge: tuple[int, str] | None = None) -> tuple[nnx.GraphDef, nnx.State, nnx.State]:
    """``model``'s structure for ``dtype`` and its arrays in ``dtype`` (parameters nudged if asked)."""
    graphdef, params, rest = nnx.split(model, nnx.Param, ...)
    if model.dtype == dtype and nudge is None:
        return graphdef, params, rest
    if model.dtype != dtype:
        graphdef = _graphdef(model.type_name, json.dumps(model.metadata, sort_keys=True), dtype)
    rng = None if nudge is None else np.random.default_rng(nudge[0])

    def convert(a: jax.Array, moved: bool) -> jax.Array | np.ndarray:
        if not jnp.issubdtype(a.dtype, jnp.floating):
            return a
        a = np.asarray(a)
        if moved and rng is not None:
            a = inputs_module.nudge(a, nudge[1], rng)
        # Cast in numpy: a cast on the device would compile one op per shape.
        return a.astype(dtype)

    # One device_put for the whole state: a transfer per array costs more than its cast.
    moved = jax.tree.map(lambda a: convert(a, True), params), jax.tree.map(lambda a: convert(a, False), rest)
    return graphdef, *jax.device_put(moved)


@functools.lru_cache(maxsize=256)
def _graphdef(model_type: str, metadata: str, dtype: str) -> nnx.GraphDef:
    """The structure of ``model_type`` with ``metadata`` in ``dtype``, built
    abstractly (``nnx.eval_shape``: shapes only, no initializer runs)."""
    config = {**json.loads(metadata), "dtype": dtype}
    return nnx.split(nnx.eval_shape(lambda: Model.from_metadata(model_type, config)), nnx.Param, ...)[0]


def _arrays(inputs: ProbeInputs, dtype: str) -> Arrays:
    """The probe inputs as a pytree of arrays: floats in ``dtype``, one entry per
    stackable run of steps (see ``records.segments``)."""

    def cast(a: Any) -> Any:
        # Cast in numpy: a cast on the device would compile one more op per shape.
        if a is None:
            return None
        if isinstance(a, dict):  # dict observations, key by key
            return {k: cast(v) for k, v in a.items()}
        return jax.device_put(a.astype({"f": dtype, "i": np.int32}.get(a.dtype.kind, a.dtype), copy=False))

    runs = [
        {name: cast(stacked(steps, name)) for name in ("observation", "action", "noise", "reset")}
        for _, steps in segments(inputs)
    ]
    seq = inputs.sequence
    target = seq if seq is not None else inputs.steps[inputs.gradient_step]
    gradient = {"observation": cast(target.observation), "action": cast(_gradient_action(target))}
    if seq is None:
        return {"runs": runs, "sequence": None, "gradient": gradient}
    carry = None if seq.initial_carry is None else cast(seq.initial_carry)
    sequence = {"observation": cast(seq.observation), "action": cast(seq.action), "noise": cast(seq.noise),
                "done": cast(seq.done), "initial_carry": carry}  # fmt: skip
    return {"runs": runs, "sequence": sequence, "gradient": {**gradient, "done": sequence["done"], "initial_carry": carry}}


def _gradient_action(inputs: Any) -> np.ndarray:
    return inputs.action if inputs.gradient_action is None else inputs.gradient_action


def _pure_probe(
    graphdef: nnx.GraphDef, params: nnx.State, rest: nnx.State, arrays: Arrays, gradients: bool, stages: bool, jacobians: bool
):
    """Every record of the probe (and the gradients), as one pure function."""
    model = nnx.merge(graphdef, params, rest)
    recurrent = model.carry is not None
    out: list[Any] = [{"held_carry": _stacked(model.carry)[None]}] if recurrent else []
    for run_arrays in arrays["runs"]:
        if recurrent:
            out.append(_rollout(model, graphdef, params, run_arrays, stages, jacobians))
        else:  # feed-forward: a run of same-shaped steps is one call on the stacked batch
            values, found, pi = _call(model, run_arrays, stages)
            out.append((values | _outputs(model, pi, values["value"], run_arrays["action"], run_arrays["noise"], jacobians), found))
    if arrays["sequence"] is not None:
        out.append(_sequence(model, arrays["sequence"], stages, jacobians))
    grads = jax.grad(_loss, argnums=2)(graphdef, rest, params, arrays["gradient"]) if gradients else None
    return out, grads


FAST_COMPILE = {
    "xla_backend_optimization_level": 0,
    "xla_cpu_use_fusion_emitters": False,
    "xla_llvm_disable_expensive_passes": True,
}
"""XLA options for the probe: its arrays are tiny, so code generation costs far
more than the code saves (about 3x less compile time, a few ms more run time)."""


def _jit(options: dict[str, Any] | None) -> Any:
    return jax.jit(_pure_probe, static_argnames=("graphdef", "gradients", "stages", "jacobians"), compiler_options=options)


_compiled = _jit(FAST_COMPILE)


def _probe(*args: Any, **kwargs: Any) -> Any:
    """The jitted probe; without the options if this XLA does not know them.
    Compiled programs are dropped before the process runs out of memory
    mappings (``memory``)."""
    global _compiled
    release_compiled()
    try:
        return _compiled(*args, **kwargs)
    except jax.errors.JaxRuntimeError as e:
        if "No such compile option" not in str(e):
            raise
        _compiled = _jit(None)
        return _compiled(*args, **kwargs)


def _call(model: Model, step: Arrays, stages: bool) -> tuple[Arrays, Arrays, Any]:
    """One call of the model (a rollout step): the policy's parameters, the
    value, the carry after the reset, and (if asked) the intermediates the
    model recorded, in the order it computed them (an OrderedDict: JAX keeps
    its order through jit, where a dict's keys are sorted)."""
    x = step["observation"]
    with recording() if stages else contextlib.nullcontext({}) as found:
        pi, value = model(x)
    if step["reset"] is not None:
        model.reset(x.shape, mask=step["reset"])
    values = {**_parameters(pi), "value": value}
    if model.carry is not None:
        values["carry"] = _stacked(model.carry)
    return values, collections.OrderedDict(found), pi


def _rollout(model: Model, graphdef: nnx.GraphDef, params: nnx.State, run_arrays: Arrays, stages: bool, jacobians: bool):
    """A run of same-shaped steps: the first outside a scan (it may re-allocate
    the carry), the rest in ``lax.scan`` over the model's remaining state. The
    log-probs, entropies and actions of the whole run are then computed at once,
    by the policy class the model returned, on the stacked parameters."""
    first, found, pi = _call(model, jax.tree.map(lambda a: a[0], run_arrays), stages)
    stacked = jax.tree.map(lambda a: a[None], (first, found))
    if run_arrays["observation"].shape[0] > 1:

        def body(rest: nnx.State, step: Arrays):
            m = nnx.merge(graphdef, params, rest)
            return nnx.state(m, nnx.Not(nnx.Param)), _call(m, step, stages)[:2]

        rest, later = jax.lax.scan(body, nnx.state(model, nnx.Not(nnx.Param)), jax.tree.map(lambda a: a[1:], run_arrays))
        nnx.update(model, rest)
        stacked = jax.tree.map(lambda a, b: jnp.concatenate([a, b]), stacked, later)
    values, found = stacked
    pi = _policy_like(pi, values)
    return values | _outputs(model, pi, values["value"], run_arrays["action"], run_arrays["noise"], jacobians), found


def _sequence(model: Model, seq: Arrays, stages: bool, jacobians: bool) -> tuple[Arrays, Arrays]:
    carry = _unstacked(seq["initial_carry"])
    pi, value = model(seq["observation"], sequence=True, done=seq["done"], initial_carry=carry)
    outputs = _outputs(model, pi, value, seq["action"], seq["noise"], jacobians)
    if not stages:
        return outputs, {}
    start = carry if carry is not None else model.initial_carry(seq["observation"].shape[1:-1])

    def body(carry, inputs):  # the sequence stepped, recording each step's intermediates
        x, done = inputs
        with recording() as found:
            carry = model.step(x, carry)[2]
        if done is not None:
            carry = map_carry(lambda a: jnp.where(done.reshape(done.shape + (1,) * (a.ndim - done.ndim)), 0, a), carry)
        return carry, collections.OrderedDict(found)

    return outputs, jax.lax.scan(body, start, (seq["observation"], seq["done"]))[1]


def _loss(graphdef: nnx.GraphDef, rest: nnx.State, params: nnx.State, target: Arrays) -> jax.Array:
    """``sum(log_prob(gradient action) + entropy + value)`` on the gradient target."""
    model = nnx.merge(graphdef, params, rest)
    if "done" in target:
        pi, value = model(target["observation"], sequence=True, done=target["done"], initial_carry=_unstacked(target["initial_carry"]))
    else:
        pi, value = model(target["observation"])
    return jnp.sum(pi.log_prob(target["action"]) + pi.entropy() + value[..., 0])


def _stacked(carry: Any) -> jax.Array:
    """A carry's entries stacked along a new leading axis (``records``' ``carry``)."""
    return jnp.stack(entries(carry))


def _unstacked(stacked: jax.Array | None) -> Any:
    """The carry a model takes, from its stacked entries (None stays None)."""
    return None if stacked is None else from_entries(tuple(stacked))


def _parameters(pi: Any) -> Arrays:
    if isinstance(pi, distrax.Categorical):
        return {"logits": pi.logits}
    return {"loc": pi.distribution.loc, "scale": pi.distribution.scale_diag}


def _policy_like(pi: Any, values: Arrays) -> Any:
    """A policy of ``pi``'s classes (and bijector) on the parameters in ``values``."""
    if isinstance(pi, distrax.Categorical):
        return type(pi)(logits=values["logits"])
    return type(pi)(type(pi.distribution)(values["loc"], values["scale"]), pi.bijector)


def _outputs(model: Model, pi: Any, value: jax.Array, action: jax.Array, noise: jax.Array, jacobians: bool = False) -> Arrays:
    out = {**_parameters(pi), "value": value, "log_prob": pi.log_prob(action), "entropy": pi.entropy(),
           "deterministic": deterministic_action(pi)}  # fmt: skip
    if isinstance(pi, distrax.Categorical):
        scores = pi.logits + noise  # Gumbel-max
        return out | {"sample": jnp.argmax(scores, axis=-1), "deterministic:scores": pi.logits, "sample:scores": scores}
    base = pi.distribution
    out["sample"] = model.bij.forward(base.loc + base.scale_diag * noise)
    if action.dtype == jnp.float64:  # the truth: how far a relative change of the action moves log_prob
        d_action = jax.grad(lambda a: jnp.sum(pi.log_prob(a)))(action)  # rows are independent
        out["log_prob:sensitivity"] = jnp.sum(jnp.abs(d_action * action), axis=-1)
    if jacobians:  # asked of the truth where an action fails without them
        # Actions are the bijector at loc + scale * noise (at loc): how far
        # errors in loc and scale move them (``assess._inherited``).
        out["sample:jacobian"] = _abs_jacobian(model.bij, base.loc + base.scale_diag * noise)
        out["sample:noise"] = jnp.abs(noise)
        out["deterministic:jacobian"] = _abs_jacobian(model.bij, base.loc)
    return out


def _abs_jacobian(bij: Any, u: jax.Array) -> jax.Array:
    """``|d forward(u)_i / d u_j|`` ``(..., A, A)``, row by row."""
    rows = u.reshape(-1, u.shape[-1])
    jacobians = jax.vmap(jax.jacfwd(lambda r: bij.forward(r[None])[0]))(rows)
    return jnp.abs(jacobians).reshape(*u.shape, u.shape[-1])
