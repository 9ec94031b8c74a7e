"""``rlmodels check`` and ``rlmodels demo``: the commands that need both backends."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.xdist_group("cli")

import rlmodels_jax as rj
import rlmodels_torch as rt
from rlmodels.cli import EXIT_BAD_INPUT, EXIT_DISAGREE, EXIT_OK, main
from tests.broken_checkpoints import broken, golden

ROWS = ("loc", "scale", "log_prob", "entropy", "deterministic", "sample", "value", "held_carry", "carry", "gradients", "metadata")


def rows(table: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split()[1:] for line in table.splitlines() if line.split() and line.split()[0] in ROWS}


@pytest.mark.parametrize("writer", ["jax", "torch"])
def test_check_passes_on_a_checkpoint_written_by_either_backend(capsys, tmp_path, writer):
    path = tmp_path / "policy"
    sizes = {"hidden_features": 16, "lstm_features": 32}
    if writer == "jax":
        model = rj.LSTMActorCritic(observation_space_size=3, action_space_size=2, key=1, action_space=rj.MaxNorm(2.0), **sizes)
        rj.save(model, path)
    else:
        model = rt.LSTMActorCritic(observation_space_size=3, action_space_size=2, key=1, action_space=rt.Box(-1.0, 3.0), **sizes)
        rt.save(model, path)
    status = main(["check", str(path), "--examples", "2", "--seed", "5"])
    out, err = capsys.readouterr()
    assert status == EXIT_OK, out
    table = rows(out)
    assert set(table) == set(ROWS) and all(r[-1] == "yes" for r in table.values())
    assert int(table["carry"][0]) > 2 * 52 * 3 * 32  # two rollouts of 52 steps, c and h
    assert "comparing: 100%" in err and "| 2/2 " in err  # the progress bar (tqdm), on stderr


def test_check_in_float64_of_a_float32_checkpoint(capsys):
    status = main(["check", str(golden("actor_critic_discrete")), "--examples", "1", "--dtype", "float64"])
    out = capsys.readouterr().out
    assert status == EXIT_OK and "float64: torch agrees where |torch - truth| <= 1e-11 + 1e-09 * |truth|" in out
    assert "logits" in out


def test_check_exits_1_and_names_the_output_when_the_backends_disagree(capsys, monkeypatch):
    load = rt.load

    def perturbed(path):
        model = load(path)
        params = model.canonical_params()
        params["critic.bias"] = params["critic.bias"] + np.float32(1e-3)
        model.load_canonical_params(params)
        return model

    monkeypatch.setattr(rt, "load", perturbed)
    status = main(["check", str(golden("shared_box")), "--examples", "1"])
    out = capsys.readouterr().out
    table = rows(out)
    assert status == EXIT_DISAGREE
    assert table["value"][4:8] == ["NO", "torch", "drifted,", "worst"]  # out of tolerance, in torch
    assert table["loc"][-1] == "yes" and table["gradients"][-1] == "yes"
    assert "torch parts from the truth first at `critic`, #0 rollout step 0" in out


def test_check_passes_on_a_dict_observation_policy(capsys, tmp_path):
    """Playground's split inputs: the actor reads ``state``, the critic ``privileged_state``, each normalised."""
    model = rj.ActorCritic(
        {"state": 3, "privileged_state": 5}, 2, key=2, actor_architecture=[4], critic_architecture=[6],
        actor_observation_key="state", critic_observation_key="privileged_state", normalize_observations=True,
        action_space=rj.Box(-1.0, 1.0),
    )  # fmt: skip
    rj.save(model, tmp_path / "policy")
    status = main(["check", str(tmp_path / "policy"), "--examples", "1"])
    out = capsys.readouterr().out
    assert status == EXIT_OK, out
    assert all(r[-1] == "yes" for r in rows(out).values()) and "gradients" in rows(out)


def test_check_names_an_unknown_model_type(capsys, tmp_path):
    status = main(["check", str(broken(tmp_path, "unknown model type"))])
    err = capsys.readouterr().err
    assert status == EXIT_BAD_INPUT and err.count("\n") == 1
    assert "'Transformer'" in err and "LSTMActorCritic" in err


def test_the_demo_command_does_the_whole_job(tmp_path):
    script = shutil.which("rlmodels", path=str(Path(sys.executable).parent))
    done = subprocess.run([script, "demo", "--dir", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == EXIT_OK, done.stdout + done.stderr
    assert (tmp_path / "policy" / "model.safetensors").is_file() and (tmp_path / "policy.onnx").is_file()
    lines = done.stdout.splitlines()
    assert [line[:2] for line in lines if line[:1].isdigit()] == ["1.", "2.", "3.", "4.", "5."]
    assert all(r[-1] == "yes" for r in rows(done.stdout).values())
    verdict = next(line for line in lines if line.startswith("all "))
    assert verdict.startswith("all 11 outputs agree") and verdict.endswith(f"Files in {tmp_path}")
    assert lines[-4:] == [
        "next, try:",
        f"  rlmodels inspect {tmp_path / 'policy'}",
        f"  rlmodels check {tmp_path / 'policy'} --examples 10",
        f"  rlmodels export {tmp_path / 'policy'} --format torchscript -o {tmp_path / 'policy.pt'}",
    ]
    assert "comparing: 100%" in done.stderr
