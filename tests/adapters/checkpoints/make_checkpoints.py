"""Write the adapter tests' checkpoints with rlmodels_jax. Needs JAX; run from
the repository root with ``python -m tests.adapters.checkpoints.make_checkpoints
[NAME...]`` (only the cases named, if any: each draws from its own generator)."""

from __future__ import annotations

import sys

import jax
import numpy as np

import rlmodels_jax as rj
from tests.adapters.checkpoints.cases import CASES, checkpoint


def main(names: list[str]) -> None:
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        raise SystemExit(f"unknown cases {unknown}; the cases are {sorted(CASES)}")
    for name, (model_type, config) in CASES.items():
        if names and name not in names:
            continue
        config = dict(config)
        entry = config.pop("action_space", None)
        space = rj.ActionSpace.create(entry["type"], **entry["kwargs"]) if entry else None
        model = rj.Model.create(model_type, key=0, action_space=space, **config)
        # A trained-looking policy: no parameter at its (often zero) initial value.
        rng = np.random.default_rng(len(name))
        params = {k: v + 0.1 * rng.standard_normal(v.shape).astype(v.dtype) for k, v in model.canonical_params().items()}
        model.load_canonical_params(params)
        print(rj.save(model, checkpoint(name)))


if __name__ == "__main__":
    with jax.default_device(jax.devices("cpu")[0]):
        main(sys.argv[1:])
