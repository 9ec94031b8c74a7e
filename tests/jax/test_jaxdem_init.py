"""The same key and constructor arguments give JaxDEM's initial weights (JaxDEM
5d9c13a, recorded in tests/jaxdem/init/head), every parameter bit for bit, so a
JaxDEM training script with ``rlmodels_jax.Model.create`` in place of
``jaxdem.rl.Model.create`` starts the same run.

JaxDEM's names map to ours as the importer maps them (docs/jaxdem.md):
``_log_std`` is our ``log_std`` where it is used (continuous, no sigma head);
``actor_sigma.net.layers.0.*`` is ``actor_sigma.layers.0.*``; the LSTM's fused
head ``(F, A + 1)`` is our ``actor_mu`` (columns ``[:A]``) and ``critic``
(column ``A``); JaxDEM's unused recurrent ``actor_mu`` / ``critic`` have no
counterpart, but drawing them moves every key after them.

The parameters are drawn in a child process with XLA's default flags, as
JaxDEM drew them: the test environment's ``--xla_backend_optimization_level=0``
(tox.ini) changes the orthogonal initialiser's float32 rounding (up to 6e-7),
for JaxDEM's own models as much as for ours."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).parents[1] / "jaxdem" / "init" / "head"
CONFIGS = sorted(p.stem for p in ROOT.glob("*.json"))
NOT_ARGUMENTS = {"model_type", "key", "jaxdem_commit"}


def config(name: str) -> dict:
    return json.loads((ROOT / f"{name}.json").read_text())


def write_initial_params(out: str) -> None:
    """Build every configuration as ``Model.create(type, key=nnx.Rngs(jax.random.key(1)), **arguments)``
    (JaxDEM's call) and save its canonical parameters to ``out`` as ``<config>/<name>`` entries."""
    import jax
    from flax import nnx

    import rlmodels_jax as rj

    arrays = {}
    for name in CONFIGS:
        cfg = config(name)
        kwargs = {k: v for k, v in cfg.items() if k not in NOT_ARGUMENTS}
        space = kwargs.pop("action_space", None)
        if space is not None:
            kwargs["action_space"] = rj.ActionSpace.create(space["type"], **space["kwargs"])
        model = rj.Model.create(cfg["model_type"], key=nnx.Rngs(jax.random.key(1)), **kwargs)
        arrays |= {f"{name}/{k}": v for k, v in model.canonical_params().items()}
    np.savez(out, **arrays)


@pytest.fixture(scope="module")
def ours(tmp_path_factory) -> dict[str, dict[str, np.ndarray]]:
    out = tmp_path_factory.mktemp("init") / "ours.npz"
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"} | {"JAX_PLATFORMS": "cpu"}
    script = f"from tests.jax.test_jaxdem_init import write_initial_params; write_initial_params({str(out)!r})"
    root = Path(__file__).parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with np.load(out) as f:
        flat = {k: f[k] for k in f.files}
    return {name: {k.split("/", 1)[1]: v for k, v in flat.items() if k.startswith(f"{name}/")} for name in CONFIGS}


def jaxdem_params_as_ours(name: str) -> dict[str, np.ndarray]:
    """JaxDEM's recorded arrays of ``name`` under our canonical names, the unused ones left out."""
    cfg = config(name)
    with np.load(ROOT / f"{name}.npz") as f:
        arrays = {k: f[k] for k in f.files}
    actions = cfg["action_space_size"]
    continuous = not cfg.get("discrete", False)
    sigma_head = continuous and cfg.get("actor_sigma_head", False)
    recurrent = cfg["model_type"] in ("LSTMActorCritic", "MinGRUActorCritic")
    out = {}
    for key, value in arrays.items():
        if key == "_log_std":
            if continuous and not sigma_head:
                out["log_std"] = value
        elif key.startswith("actor_sigma.net.layers.0."):
            if sigma_head:
                out[key.replace("actor_sigma.net.", "actor_sigma.")] = value
        elif recurrent and key.startswith(("actor_mu.", "critic.")):
            pass  # built by JaxDEM, never used: the fused head computes both
        elif cfg["model_type"] == "LSTMActorCritic" and key.startswith("fused_head."):
            leaf = key.removeprefix("fused_head.")
            out[f"actor_mu.{leaf}"] = value[..., :actions]
            out[f"critic.{leaf}"] = value[..., actions:]
        else:
            out[key] = value
    return out


def test_every_recorded_configuration_is_tested():
    assert len(CONFIGS) == 11, CONFIGS
    assert {config(n)["model_type"] for n in CONFIGS} == {
        "SharedActorCritic", "ActorCritic", "LSTMActorCritic", "MinGRUActorCritic",
    }  # fmt: skip


@pytest.mark.parametrize("name", CONFIGS)
def test_same_key_and_arguments_give_jaxdems_initial_parameters(name, ours):
    got, want = ours[name], jaxdem_params_as_ours(name)
    assert sorted(got) == sorted(want)
    differing = {
        k: float(np.max(np.abs(got[k].astype(np.float64) - want[k])))
        for k in want
        if got[k].dtype != want[k].dtype or not np.array_equal(got[k], want[k])
    }
    assert not differing, f"{name}: parameters differing from JaxDEM's (largest absolute difference): {differing}"
