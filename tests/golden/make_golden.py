"""Write the golden files: a checkpoint per case and the outputs rlmodels_jax
gives on fixed inputs (``expected.safetensors``). Needs JAX; run from the
repository root with ``python -m tests.golden.make_golden``. The torch tests
load these without JAX and must reproduce the outputs; the JAX tests check the
reference still does. ``python -m tests.golden.make_golden NAME...`` writes only
the cases named (each case draws from its own seeded generator, so the others
are untouched)."""

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
        return jnp.asarray(rng.integers(0, model.action_space_size, pi.batch_shape))
    base = pi.distribution
    x = np.asarray(base.loc) + np.asarray(base.scale_diag) * rng.standard_normal(base.loc.shape)
    x[..., 0, :] *= 40.0  # far out: actions within float rounding of the bounds
    return model.bij.forward(jnp.asarray(x, dtype=model.dtype))


def main(names: list[str]) -> None:
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        raise SystemExit(f"unknown golden cases {unknown}; the cases are {sorted(CASES)}")
    for name, (model_type, config) in CASES.items():
        if names and name not in names:
            continue
        # float32 cases run as JAX users run them: without 64-bit mode.
        with jax.enable_x64(config.get("dtype") == "float64"):
            write_case(name, model_type, config)


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
