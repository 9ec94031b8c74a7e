"""Brax policies, imported: every option reproduces Brax's own outputs
(``tests/brax/data``: policies trained by Brax 0.14.2's ``ppo.train``, with
Brax's outputs recorded in float32 and float64 on observations inside and far
outside the normaliser's range), from the Orbax run folder and from the
``save_params`` pickle, in both backends.

float64 is held to the float64 rule against Brax's float64 outputs; float32
to the float32 rule against the same truth, with Brax's own float32 rounding
noise as the reference (``noise.npz``: its largest distance from the truth
over twelve float32 runs, ``tools/brax/make_data.py``; ``rlmodels.parity.oracle``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rlmodels.parity.oracle import excess
from rlmodels_common.intermediates import recording
from rlmodels_common.tolerances import tolerance

DATA = Path(__file__).parents[1] / "brax" / "data"
CASES = sorted(p.name for p in DATA.iterdir())


def source(case: str, kind: str) -> tuple[Path, Path | None]:
    if kind == "orbax":
        return DATA / case / "run", None
    config = next((DATA / case / "run").glob("*/ppo_network_config.json"))
    return DATA / case / "params.pkl", config


def observations(want) -> np.ndarray | dict[str, np.ndarray]:
    """The recorded observations: ``obs``, or ``obs.<key>`` per key (dict observations)."""
    keys = [k.removeprefix("obs.") for k in want.files if k.startswith("obs.")]
    return {k: want[f"obs.{k}"] for k in keys} if keys else want["obs"]


def outputs(backend, model, x, u: np.ndarray, actions: np.ndarray | None, dtype: str) -> dict[str, np.ndarray]:
    """Our outputs named as Brax's recorded ones (``expected.npz``)."""
    keys = model.config.observation_keys
    with recording() as found:
        pi, value = model({k: backend.array(v, dtype) for k, v in x.items()} if keys else backend.array(x, dtype))
    loc, scale = backend.gaussian(pi)
    u_ = backend.array(u, dtype)
    if backend.name == "jax":
        log_prob_u = pi.distribution.log_prob(u_) - pi.bijector.forward_log_det_jacobian(u_)
    else:
        log_prob_u = pi.distribution.log_prob(u_) - pi.bijector.log_abs_det_jacobian(u_, None)
    out = {
        "normalized_obs.policy": normalized(found, x, keys and keys[0]),
        "normalized_obs.value": normalized(found, x, keys and keys[-1]), "loc": loc, "scale": scale, "log_prob_u": log_prob_u,
        "deterministic_action": backend.rb.deterministic_action(pi), "value": value[..., 0],
    }  # fmt: skip
    if actions is not None:
        out["log_prob_action"] = pi.log_prob(backend.array(actions, dtype))
    return {k: backend.numpy(v) for k, v in out.items()}


def normalized(found, x, key: str | None):
    """What the network reading ``key`` (None: array observations) receives."""
    if key is None:
        return found.get("normalizer", x)
    return found.get(f"normalizer.{key}", x[key])


@pytest.mark.parametrize("kind", ["orbax", "pickle"])
@pytest.mark.parametrize("case", CASES)
def test_imported_brax_policy_computes_braxs_outputs(backend, case, kind):
    want, noise = np.load(DATA / case / "expected.npz"), np.load(DATA / case / "noise.npz")
    path, config = source(case, kind)
    model = backend.rb.from_brax(path, config=config)
    tanh = json.loads((DATA / case / "case.json").read_text())["ppo_network_config.json"]["network_factory_kwargs"]["distribution_type"] == "tanh_normal"
    for dtype in ("float64", "float32"):
        with backend.float64():
            m = backend.rb.with_dtype(model, dtype)
            got = outputs(backend, m, observations(want), want["u"], want["actions"] if tanh else None, dtype)
        tol = tolerance(dtype)
        for name, value in got.items():
            truth = want[f"f64.{name}"]
            reference = np.zeros_like(truth) if dtype == "float64" else noise[f"noise.{name}"]
            worst = float(np.max(excess(value, truth, reference, tol)))
            assert worst <= 1, f"{case} {kind} {dtype} {name}: {worst:.3g} x the rule; got {value}, Brax {truth}"


def test_the_mapping_table_names_every_brax_entry():
    from rlmodels_common.brax import convert, read_brax

    imported = convert(read_brax(DATA / "layer_norm" / "run"))
    table = imported.table()
    assert "1/params/LayerNorm_2/scale" in table and "actor_torso.layers.8.scale" in table
    assert "1/params/hidden_3/kernel[..., :2]" in table and "actor_sigma.layers.0.kernel" in table
    assert imported.config.actor_layer_norm and not imported.config.critic_layer_norm


def test_dict_observations_map_to_the_two_keys_and_their_statistics():
    from rlmodels_common.brax import convert, read_brax

    imported = convert(read_brax(DATA / "dict_obs" / "run"))
    config = imported.config
    assert config.observation_space_size == {"state": 11, "privileged_state": 19}
    assert (config.actor_observation_key, config.critic_observation_key) == ("state", "privileged_state")
    assert ("0/std/privileged_state", "normalizer.privileged_state.std") in imported.mapped
