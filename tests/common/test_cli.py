"""The ``rlmodels`` command's framework-free parts: ``inspect``, ``--help`` and
the error paths (bad paths, bad checkpoints, bad options, a missing backend).
Runs in both the jax and the torch environment."""

import importlib.metadata
import importlib.util
import os
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rlmodels.cli import EXIT_BAD_INPUT, EXIT_OK, main
from tests.broken_checkpoints import EDIT_ERRORS, EDITS, broken, golden

CHECKPOINT = golden("lstm_box")


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_inspect_shows_type_configuration_and_every_parameter(capsys):
    status, out, err = run(capsys, "inspect", str(CHECKPOINT))
    assert status == EXIT_OK and err == ""
    assert out.splitlines()[0] == f"{CHECKPOINT}: LSTMActorCritic, 1,701 parameters in 10 tensors"
    config = dict(line.split(maxsplit=1) for line in out.split("configuration\n")[1].split("\n\n")[0].splitlines())
    assert config["lstm_features"] == "16" and config["cell_type"] == "OptimizedLSTMCell"
    assert json.loads(config["action_space"])["type"] == "Box"
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("  cell.")}
    assert rows["cell.dense_i.kernel"] == ["(8,", "64)", "float32", "512"]
    assert rows["cell.dense_h.bias"] == ["(64,)", "float32", "64"]
    assert len(rows) == 3


@pytest.mark.parametrize("how", sorted(EDITS))
def test_inspect_refuses_what_load_refuses(capsys, tmp_path, how):
    # checked as load checks it (rlmodels_common.contract), without jax or torch
    path = broken(tmp_path, how)
    status, out, err = run(capsys, "inspect", str(path))
    assert status == EXIT_BAD_INPUT and out == ""
    assert err.startswith("rlmodels inspect: error: ") and str(path) in err and err.count("\n") == 1
    assert EDIT_ERRORS[how] in err


@pytest.mark.parametrize("command", [[], ["inspect"], ["check"], ["export"], ["demo"]])
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as exit:
        main([*command, "--help"])
    assert exit.value.code == 0
    assert "usage: rlmodels" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "the following arguments are required: COMMAND"),
        (["inspect"], "the following arguments are required: checkpoint"),
        (["check", "ckpt", "--examples", "0"], "expected a positive integer, got 0"),
        (["check", "ckpt", "--dtype", "float16"], "invalid choice: 'float16'"),
        (["export", "ckpt", "--format", "tflite", "-o", "x"], "invalid choice: 'tflite'"),
        (["export", "ckpt", "--format", "onnx"], "the following arguments are required: -o/--output"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_options_exit_2_with_usage(capsys, argv, message):
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err


BAD_CHECKPOINTS = {
    "missing weights": "model.safetensors is missing",
    "truncated weights": "is corrupt or truncated",
    "not json": "is corrupt or truncated",
    "bfloat16 weights": "have unsupported dtypes",
}
COMMANDS = [["inspect"], ["check"], ["export", "--format", "torchscript", "-o", "out.pt"]]


@pytest.mark.parametrize(
    "command, how, message",
    [
        (command, how, message)
        for command in COMMANDS
        for how, message in BAD_CHECKPOINTS.items()
    ],
)
def test_bad_checkpoints_are_one_line_errors(capsys, tmp_path, command, how, message):
    # checked before any backend is imported, so this holds in every environment
    path = broken(tmp_path, how)
    status, out, err = run(capsys, command[0], str(path), *command[1:])
    assert status == EXIT_BAD_INPUT and out == ""
    assert err.count("\n") == 1 and err.startswith(f"rlmodels {command[0]}: error: ")
    assert message in err


@pytest.mark.parametrize("command", ["inspect", "check"])
def test_missing_path_is_a_one_line_error(capsys, tmp_path, command):
    status, out, err = run(capsys, command, str(tmp_path / "nowhere"))
    assert status == EXIT_BAD_INPUT
    assert err == f"rlmodels {command}: error: {tmp_path / 'nowhere'} does not exist; a checkpoint is a directory holding config.json and model.safetensors\n"


@pytest.mark.skipif(
    all(importlib.util.find_spec(m) for m in ("jax", "torch")), reason="runs where one backend is absent (jax, torch envs)"
)
def test_check_without_both_backends_says_what_to_install(capsys):
    status, out, err = run(capsys, "check", str(CHECKPOINT))
    assert status == EXIT_BAD_INPUT
    assert "rlmodels.compare_checkpoint needs" in err and "pip install 'rlmodels-parity[" in err and "constraints.txt" not in err


def test_the_console_script_is_installed_and_runs():
    script = shutil.which("rlmodels", path=str(Path(sys.executable).parent))
    assert script, "the rlmodels console script is not installed next to this python"
    done = subprocess.run([script, "inspect", str(CHECKPOINT)], capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_OK, done.stderr
    assert "LSTMActorCritic, 1,701 parameters" in done.stdout
    done = subprocess.run([script, "inspect", "/nonexistent"], capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_BAD_INPUT and done.stderr.count("\n") == 1


@pytest.mark.parametrize("argv", [["inspect", str(CHECKPOINT)], ["--help"], ["inspect", "--help"], ["--version"]])
def test_a_reader_closing_stdout_is_not_an_error(argv):
    # The pipe's read end is closed before the command starts, so every write
    # meets EPIPE, deterministically (with `| head -1` that is a race).
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "rlmodels.cli", *argv], stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (EXIT_OK, "")


def test_inspect_piped_to_head_prints_one_line_and_no_error(tmp_path):
    done = subprocess.run(
        f"{sys.executable} -m rlmodels.cli inspect {CHECKPOINT} | head -1; echo status ${{PIPESTATUS[0]}}",
        shell=True, executable="bash", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.stdout == f"{CHECKPOINT}: LSTMActorCritic, 1,701 parameters in 10 tensors\nstatus 0\n"
    assert done.stderr == ""


def test_version_names_the_release_every_package_shares(capsys):
    import rlmodels
    import rlmodels_common

    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.startswith(f"rlmodels {rlmodels_common.__version__} (jax ")
    assert rlmodels.__version__ == rlmodels_common.__version__ == importlib.metadata.version("rlmodels-parity")


@pytest.mark.parametrize("command", ["inspect", "check", "export", "demo"])
def test_each_command_says_what_it_does_in_its_help(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    description = capsys.readouterr().out.split("\n\n")[1]
    assert description[0].isupper() and description.endswith(".") and description.count(".") == 1, description
