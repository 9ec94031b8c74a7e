"""The Brax mapping without a framework: the numpy reference forward on the
mapped parameters computes Brax's own float64 outputs (the proof
``rlmodels import-brax`` prints), and what the mapping refuses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rlmodels_common.brax import BraxError, convert, read_brax
from rlmodels_common.reference import forward
from rlmodels_common.tolerances import tolerance

DATA = Path(__file__).parents[1] / "brax" / "data"
CASES = sorted(p.name for p in DATA.iterdir())


@pytest.mark.parametrize("case", CASES)
def test_the_reference_forward_on_the_mapped_parameters_is_braxs(case):
    want = np.load(DATA / case / "expected.npz")
    imported = convert(read_brax(DATA / case / "run"))
    keys = [k.removeprefix("obs.") for k in want.files if k.startswith("obs.")]
    got = forward(imported.config, imported.tensors, {k: want[f"obs.{k}"] for k in keys} if keys else want["obs"])
    tol = tolerance("float64")
    for ours, brax in (("loc", "loc"), ("scale", "scale"), ("deterministic", "deterministic_action")):
        assert tol.error(got[ours], want[f"f64.{brax}"]) <= 1, (case, ours)
    assert tol.error(got["value"][..., 0], want["f64.value"]) <= 1, case


def test_the_normaliser_is_applied_only_where_brax_applies_it():
    saved = read_brax(DATA / "no_normalizer" / "run")
    assert np.any(saved.normalizer.std != 1)  # ppo.train saved real-looking statistics anyway
    imported = convert(saved)
    assert not imported.config.normalize_observations and "normalizer.mean" not in imported.tensors
    assert any("normalize_observations is false" in why for _, why in imported.dropped)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda k: k.update(activation="celu"), r"activation 'celu' is none we compute; supported: \["),
        (lambda k: k.update(use_distributional_critic=True), "a distributional critic"),
    ],
)
def test_what_we_cannot_compute_is_refused_by_name(tmp_path, edit, message):
    run = tmp_path / "run"
    shutil.copytree(DATA / "tanh_normal" / "run", run)
    for path in run.glob("*/ppo_network_config.json"):
        config = json.loads(path.read_text())
        edit(config["network_factory_kwargs"])
        path.write_text(json.dumps(config))
    with pytest.raises(BraxError, match=message):
        convert(read_brax(run))


def test_parameters_the_config_does_not_explain_are_named():
    source = read_brax(DATA / "tanh_normal" / "run")
    policy = dict(source.policy_params, **{"params/extra/kernel": np.zeros((2, 2), np.float32)})
    with pytest.raises(BraxError, match=r"does not explain: \['policy params/extra/kernel'\]"):
        convert(type(source)(**{**source.__dict__, "policy_params": policy}))


def test_import_brax_writes_prints_and_proves_the_import(capsys, tmp_path):
    from rlmodels.cli import EXIT_BAD_INPUT, EXIT_OK, main

    out = tmp_path / "policy"
    assert main(["import-brax", str(DATA / "normal_mean_clip" / "run"), "-o", str(out)]) == EXIT_OK
    text = capsys.readouterr().out
    assert "1/params/Dense_0/kernel" in text and "actor_mu.kernel" in text and "normalizer.std" in text
    assert "the imported model agrees with the Brax policy" in text and (out / "config.json").is_file()
    assert main(["import-brax", str(DATA / "normal_mean_clip" / "run"), "-o", str(out)]) == EXIT_BAD_INPUT
    assert "exists; choose another output or pass --force" in capsys.readouterr().err
    pickle = DATA / "normal_mean_clip" / "params.pkl"
    assert main(["import-brax", str(pickle), "-o", str(out), "--force"]) == EXIT_BAD_INPUT  # no config
    assert "pass config= the ppo_network_config.json" in " ".join(capsys.readouterr().err.split())
    config = next((DATA / "normal_mean_clip" / "run").glob("*/ppo_network_config.json"))
    assert main(["import-brax", str(pickle), "--config", str(config), "-o", str(out), "--force"]) == EXIT_OK


def test_import_brax_bad_input_writes_nothing(capsys, tmp_path):
    from rlmodels.cli import EXIT_BAD_INPUT, main

    run = tmp_path / "run"
    shutil.copytree(DATA / "dict_obs" / "run", run)
    for path in run.glob("*/ppo_network_config.json"):  # a key the observations do not have
        path.write_text(path.read_text().replace('"value_obs_key": "privileged_state"', '"value_obs_key": "pixels"'))
    assert main(["import-brax", str(run), "-o", str(tmp_path / "p")]) == EXIT_BAD_INPUT
    assert "value_obs_key is 'pixels', not one of the observation keys" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_import_brax_proves_a_dict_observation_policy(capsys, tmp_path):
    from rlmodels.cli import EXIT_OK, main

    assert main(["import-brax", str(DATA / "dict_obs" / "run"), "-o", str(tmp_path / "p")]) == EXIT_OK
    text = capsys.readouterr().out
    assert "0/std/privileged_state" in text and "normalizer.privileged_state.std" in text
    assert "the imported model agrees with the Brax policy" in text
