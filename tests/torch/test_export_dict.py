"""Exporting an ``ActorCritic`` that reads dict observations: one input per
observation key, named by the key, with each key's normaliser inside the
graph; the manifest and ``rlmodels inspect`` state them; Isaac Lab's
contract (one ``obs``) refuses them."""

import numpy as np
import pytest

import rlmodels_torch as rt
from rlmodels import export as ex
from rlmodels.cli import EXIT_BAD_INPUT, EXIT_OK, main
from rlmodels.manifest import read_manifest
from tests.backends.builders import randomize


def dict_model():
    model = rt.ActorCritic(
        {"state": 3, "privileged_state": 5}, 2, key=0, actor_architecture=[4], critic_architecture=[6],
        actor_observation_key="state", critic_observation_key="privileged_state", normalize_observations=True,
        action_space=rt.Box(-1.0, 2.0),
    )  # fmt: skip
    randomize(model)
    return model


@pytest.mark.parametrize("format", ["onnx", "torchscript", "exported-program"])
def test_a_dict_observation_policy_exports_one_input_per_key(tmp_path, capsys, format):
    model = dict_model()
    path = ex.export(model, tmp_path / f"policy.{format}", format, stochastic=True, check_finite=True)
    manifest = read_manifest(path)
    assert manifest["inputs"] == [
        {"name": "state", "shape": ["batch", 3], "dtype": "float32"},
        {"name": "privileged_state", "shape": ["batch", 5], "dtype": "float32"},
    ]
    assert manifest["observation_keys"] == {"actor": "state", "critic": "privileged_state"}
    assert ex.verify(model, path, batches=(1, 4)).ok
    sig = ex.signature(model, check_finite=True)
    args = list(ex.example_inputs(model, sig, 3))
    args[1][2, 4] = float("nan")  # the critic's input counts too
    assert np.flatnonzero(ex.runner(path, format, sig.names()[0])(tuple(args))[-1]).tolist() == [2]
    capsys.readouterr()
    assert main(["inspect", str(path)]) == EXIT_OK
    assert "observations state (3, actor), privileged_state (5, critic), action size 2" in capsys.readouterr().out


def test_the_isaaclab_contract_refuses_dict_observations(tmp_path, capsys):
    model = dict_model()
    with pytest.raises(ValueError, match=r"the isaaclab contract has one observation input, obs .*; this ActorCritic reads "
                       r"dict observations \(keys 'state' and 'privileged_state'\): export with the rlmodels contract"):
        ex.export(model, tmp_path / "policy.onnx", contract="isaaclab")
    assert not (tmp_path / "policy.onnx").exists()
    rt.save(model, tmp_path / "checkpoint")
    assert main(["export", str(tmp_path / "checkpoint"), "-o", str(tmp_path / "p.onnx"), "--io", "isaaclab"]) == EXIT_BAD_INPUT
    assert "export with the rlmodels contract" in capsys.readouterr().err
