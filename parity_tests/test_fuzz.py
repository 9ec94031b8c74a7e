"""``rlmodels fuzz``: campaigns find a planted drift and report its layer,
survive a crashed worker, share failures through Redis, stop on Ctrl-C.

Each test spawns real worker processes (importing JAX and torch, compiling one
probe), on the smallest model that has a torso layer to name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rlmodels_torch as rt
from rlmodels.fuzz import CampaignConfig, checkpoint_targets, run_campaign
from rlmodels.fuzz.examples import load_example

DRIFT = 1e-4


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "policy"
    rt.save(rt.SharedActorCritic(3, 2, key=0, architecture=[4], activation="tanh", action_space=rt.Box(-1.0, 1.0)), path)
    return path


def targets(path: Path) -> tuple:
    model = rt.load(path)
    return tuple(checkpoint_targets(str(path), model.type_name, model.metadata)[:1])  # float32, one layout


def drifted_worker(config, events, stop) -> None:
    """The campaign's worker, with one torch weight of the torso's first layer off by DRIFT."""
    import torch

    import rlmodels_torch

    load = rlmodels_torch.load

    def drifted(*args, **kwargs):
        model = load(*args, **kwargs)
        with torch.no_grad():
            model.network.layers[0].weight[0, 0] += DRIFT
        return model

    rlmodels_torch.load = drifted
    from rlmodels.fuzz.worker import main

    main(config, events, stop)


def crashing_then_drifted_worker(config, events, stop) -> None:
    """Dies (SIGABRT, as XLA does) in its first process's first comparison; the restarted one runs drifted."""
    from rlmodels.fuzz import examples

    marker = Path(config.workdir) / "crashed-once"
    run = examples.run

    def run_or_crash(*args):
        if not marker.exists():
            marker.touch()
            os.abort()
        return run(*args)

    examples.run = run_or_crash
    drifted_worker(config, events, stop)


def test_a_crashed_worker_is_restarted_and_a_planted_drift_is_reported_at_its_layer(checkpoint, tmp_path):
    config = CampaignConfig(targets(checkpoint), workers=1, minutes=2.0, database=str(tmp_path / "db"),
                            workdir=str(tmp_path), shrink=False, exitfirst=True)  # fmt: skip
    progress = run_campaign(config, worker=crashing_then_drifted_worker)
    assert [c.cause for c in progress.crashes] == ["signal SIGABRT"]
    target, example, _ = load_example(progress.crashes[0].path)  # the example it was running is kept
    assert target == config.targets[0] and example.inputs.steps
    (failure,) = progress.failures
    assert "network.layers.0" in failure.divergence, failure.report
    assert "NO   torch drifted" in failure.report
    assert Path(failure.path).exists() and failure.replay_command() == f"rlmodels fuzz --replay {failure.path}"
    summary = progress.closing("test", 0)
    assert "FAILURE 1" in summary and "CRASH: worker 1 died (signal SIGABRT)" in summary


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server); the Redis database is untested here")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


def test_a_failure_found_by_one_worker_is_replayed_by_another_from_redis(checkpoint, tmp_path, redis_url):
    import redis

    found = CampaignConfig(targets(checkpoint), workers=1, minutes=2.0, database=redis_url,
                           workdir=str(tmp_path / "a"), shrink=False, exitfirst=True)  # fmt: skip
    assert len(run_campaign(found, worker=drifted_worker).failures) == 1
    assert redis.Redis.from_url(redis_url).keys("hypothesis-example:*")
    # Another process, another work directory, generating nothing: it can only
    # fail on the example it reads from the shared database.
    replayed = CampaignConfig(found.targets, workers=1, minutes=2.0, database=redis_url,
                              workdir=str(tmp_path / "b"), replay_only=True)  # fmt: skip
    progress = run_campaign(replayed, worker=drifted_worker)
    (failure,) = progress.failures
    assert "network.layers.0" in failure.divergence
    assert progress.total == 2  # the database's example, run again by hypothesis to report it


def test_ctrl_c_stops_the_command_with_the_summary_and_exit_status_0(checkpoint, tmp_path):
    command = [sys.executable, "-m", "rlmodels", "fuzz", str(checkpoint), "--minutes", "5", "--workers", "1",
               "--workdir", str(tmp_path)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    running = tmp_path / "running" / "worker-1.npz"  # written before each comparison
    deadline = time.time() + 60
    while not running.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "campaign interrupted after" in out and "0 failing, 0 crashed" in out


def test_bad_options_exit_2(checkpoint, tmp_path):
    from rlmodels.cli import main

    assert main(["fuzz", str(checkpoint), "--workers", "0"]) == 2
    assert main(["fuzz", str(checkpoint), "--database", "redis://127.0.0.1:1", "--workdir", str(tmp_path)]) == 2
