"""Write the golden files: a checkpoint per case, the outputs rlmodels_jax
gives on fixed inputs, and the float64 truth of those outputs (the same
weights and inputs in float64, ``truth.*``), in ``expected.safetensors``.
Needs JAX; run from the repository root with ``python -m tests.golden.make_golden [NAME...]``:
only the cases named are written (each case draws from its own seeded
generator, so the others are untouched); ``--truth`` adds the truth to existing
files, leaving the rest as it is. The torch tests load these without JAX and
must reproduce the outputs within the parity rule; the JAX tests check the
reference still does."""

from __future__ import annotations

import pathlib
import sys

import jax
import jax.numpy as jnp
import numpy as np
import safetensors.numpy

import rlmodels_jax as rj
from rlmodels_common.carry import entries, from_entries
from rlmodels_common.contract import carry_shapes
from tests.golden.cases import BATCH, CASES, STEPS

HERE = pathlib.Path(__file__).parent


def build(model_type: str, config: dict) -> rj.Model:
    config = dict(config)
    entry = config.pop("action_space", None)
    space = rj.ActionSpace.create(entry["type"], **entry["kwargs"]) if entry else None
    return rj.Model.create(model_type, key=0, action_space=space, **config)


def outputs(model: rj.Model, pi, value, actions) -> dict[str, np.ndarray]:
    out = {"value": value, "entropy": pi.entropy(), "deterministic": rj.deterministic_action(pi),
           "log_prob": pi.log_prob(actions)}  # fmt: skip
    if model.discrete:
        out["logits"] = pi.logits
    else:
        out["loc"], out["scale"] = pi.distribution.loc, pi.distribution.scale_diag
    return {k: np.asarray(v) for k, v in out.items()}


def actions_for(model: rj.Model, pi, rng: np.random.Generator) -> jnp.ndarray:
    """Actions to score: integers, or samples with one row pushed onto the bounds."""
    if model.discrete:
        return jnp.asarray(rng.integers(0, model.config.action_space_size, pi.batch_shape))
    base = pi.distribution
    x = np.asarray(base.loc) + np.asarray(base.scale_diag) * rng.standard_normal(base.loc.shape)
    x[..., 0, :] *= 40.0  # far out: actions within float rounding of the bounds
    return model.bij.forward(jnp.asarray(x, dtype=model.dtype))


def main(args: list[str]) -> None:
    truth_only = "--truth" in args
    names = [a for a in args if a != "--truth"]
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        raise SystemExit(f"unknown golden cases {unknown}; the cases are {sorted(CASES)}")
    for name, (model_type, config) in CASES.items():
        if names and name not in names:
            continue
        if truth_only:
            add_truth(name)
            continue
        # float32 cases run as JAX users run them: without 64-bit mode.
        with jax.enable_x64(config.get("dtype") == "float64"):
            write_case(name, model_type, config)
        add_truth(name)


def add_truth(name: str) -> None:
    """Add ``truth.<key>`` for every output and carry of a case: the stored
    checkpoint and inputs evaluated in float64."""
    directory = HERE / name
    arrays = safetensors.numpy.load_file(str(directory / "expected.safetensors"))
    with jax.enable_x64(True):
        model = rj.with_dtype(rj.load(directory / "checkpoint"), "float64")
        truth = evaluate(model, arrays)
    arrays = {k: v for k, v in arrays.items() if not k.startswith("truth.")}
    arrays |= {f"truth.{k}": v for k, v in truth.items()}
    safetensors.numpy.save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(directory / "expected.safetensors"))
    print(f"added the float64 truth to {directory}")


def evaluate(model: rj.Model, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every output and carry of ``model`` on the stored inputs, keyed as in the file."""
    cast = lambda a: jnp.asarray(np.asarray(a, np.float64)) if a.dtype.kind == "f" else jnp.asarray(a)  # noqa: E731
    if "x" in arrays:
        pi, value = model(cast(arrays["x"]))
        return {f"out.{k}": v for k, v in outputs(model, pi, value, cast(arrays["actions"])).items()}
    out: dict[str, np.ndarray] = {}
    names = list(carry_shapes(model.type_name, model.metadata))
    xs, masks = arrays["xs"], arrays["masks"].astype(bool)
    model.reset(xs[0].shape)
    for t in range(STEPS):
        pi, value = model(cast(xs[t]))
        out |= {f"step{t}.out.{k}": v for k, v in outputs(model, pi, value, cast(arrays[f"step{t}.actions"])).items()}
        model.reset(xs[t].shape, mask=masks[t])
        out |= {f"step{t}.{n}": np.asarray(a) for n, a in zip(names, entries(model.carry))}
    carry = from_entries(tuple(cast(arrays[f"seq.{n}0"]) for n in names))
    pi, value = model(cast(xs), sequence=True, done=masks, initial_carry=carry)
    return out | {f"seq.out.{k}": v for k, v in outputs(model, pi, value, cast(arrays["seq.actions"])).items()}


def write_case(name: str, model_type: str, config: dict) -> None:
    model = build(model_type, config)
    rng = np.random.default_rng(len(name))
    # A trained-looking policy: the initialisation plus a perturbation, so
    # no parameter is at its (often zero) initial value.
    model.load_canonical_params({
        k: (v + 0.3 * rng.standard_normal(v.shape)).astype(v.dtype) for k, v in model.canonical_params().items()
    })  # fmt: skip
    obs = model.obs_dim
    arrays: dict[str, np.ndarray] = {}
    names = list(carry_shapes(model_type, model.metadata))
    if not names:
        x = rng.standard_normal((BATCH, obs)).astype(model.dtype)
        pi, value = model(x)
        actions = actions_for(model, pi, rng)
        arrays |= {"x": x, "actions": np.asarray(actions)}
        arrays |= {f"out.{k}": v for k, v in outputs(model, pi, value, actions).items()}
    else:
        xs = rng.standard_normal((STEPS, BATCH, obs)).astype(model.dtype)
        masks = rng.random((STEPS, BATCH)) < 0.3
        arrays |= {"xs": xs, "masks": masks.astype(np.float32)}
        model.reset(xs[0].shape)
        for t in range(STEPS):  # single steps with masked resets
            pi, value = model(xs[t])
            actions = actions_for(model, pi, rng)
            arrays[f"step{t}.actions"] = np.asarray(actions)
            arrays |= {f"step{t}.out.{k}": v for k, v in outputs(model, pi, value, actions).items()}
            model.reset(xs[t].shape, mask=masks[t])
            arrays |= {f"step{t}.{n}": np.asarray(a) for n, a in zip(names, entries(model.carry))}
        shape = next(iter(carry_shapes(model_type, model.metadata).values()))  # every entry's (LSTM: c, h)
        carry = tuple((0.5 * rng.standard_normal((len(names), BATCH, *shape))).astype(model.dtype))
        pi, value = model(xs, sequence=True, done=masks, initial_carry=from_entries(carry))
        actions = actions_for(model, pi, rng)
        arrays |= {f"seq.{n}0": a for n, a in zip(names, carry)} | {"seq.actions": np.asarray(actions)}
        arrays |= {f"seq.out.{k}": v for k, v in outputs(model, pi, value, actions).items()}
    directory = HERE / name
    rj.save(model, directory / "checkpoint")
    safetensors.numpy.save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(directory / "expected.safetensors"))
    print(f"wrote {directory}")


if __name__ == "__main__":
    main(sys.argv[1:])
