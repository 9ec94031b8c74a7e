"""Write the checkpoints ``test_compat`` loads: one model of each built-in
type, saved by rlmodels at commit f6b986d (the last one before the model
descriptions moved to ``rlmodels_common.configs``), with the outputs that
commit's JAX models computed. Run with that commit's packages first on the
path; the files are committed, so nothing runs this in CI::

    git worktree add --detach /tmp/f6b986d f6b986d
    cd /tmp && PYTHONPATH=/tmp/f6b986d python /path/to/tests/compat/make_compat.py
"""

from __future__ import annotations

import pathlib
import subprocess

import jax.numpy as jnp
import numpy as np
import safetensors.numpy

import rlmodels_jax as rj

HERE = pathlib.Path(__file__).parent / "f6b986d"

CASES = {
    "shared_box": ("SharedActorCritic", dict(architecture=[6, 5], action_space=rj.Box(-1.0, 2.0), activation="tanh")),
    "actor_critic_discrete": ("ActorCritic", dict(actor_architecture=[6], critic_architecture=[5, 4], discrete=True)),
    "lstm_max_norm_sigma": ("LSTMActorCritic", dict(hidden_features=6, lstm_features=5, action_space=rj.MaxNorm(1.5), actor_sigma_head=True)),
    "mingru_free": ("MinGRUActorCritic", dict(hidden_features=6, gru_features=5, num_layers=2, activation="relu")),
}


def main() -> None:
    source = pathlib.Path(rj.__file__).parents[1]
    same = subprocess.run(["git", "-C", str(source), "diff", "--quiet", "f6b986d", "--", "rlmodels_jax", "rlmodels_common"])
    if same.returncode != 0:
        raise SystemExit(f"expected the packages of commit f6b986d on the path, got {source}, which differs from it")
    rng = np.random.default_rng(0)
    for name, (model_type, kwargs) in CASES.items():
        model = rj.Model.create(model_type, observation_space_size=4, action_space_size=3, key=1, **kwargs)
        model.load_canonical_params({k: (v + 0.3 * rng.standard_normal(v.shape)).astype(v.dtype) for k, v in model.canonical_params().items()})
        rj.save(model, HERE / name / "checkpoint")
        x = rng.standard_normal((2, 4)).astype(np.float32)
        pi, value, carry = model.step(jnp.asarray(x), None)
        out = {"observation": x, "value": np.asarray(value)}
        if model.discrete:
            out["logits"] = np.asarray(pi.logits)
        else:
            out |= {"loc": np.asarray(pi.distribution.loc), "scale": np.asarray(pi.distribution.scale_diag)}
        for i, entry in enumerate([] if carry is None else (carry if isinstance(carry, tuple) else (carry,))):
            out[f"carry.{i}"] = np.asarray(entry)
        safetensors.numpy.save_file(out, str(HERE / name / "outputs.safetensors"))


if __name__ == "__main__":
    main()
