"""The compiled ``.pt2`` (AOTInductor): it computes what eager torch computes,
loads in a process that never imports our packages, carries its manifest in
the archive and in the library's metadata, and a missing C++ compiler is named."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from rlmodels import export as ex
from rlmodels.cli import EXIT_BAD_INPUT
from rlmodels.manifest import read_manifest
from tests.broken_checkpoints import golden


@pytest.mark.parametrize("name", ["lstm", "mingru", "discrete"])
def test_a_compiled_package_agrees_with_eager_torch(packages, name):
    model, path = packages[name]
    result = ex.verify(model, path)
    assert result.ok, result
    assert read_manifest(path)["format"] == "pt2"
    assert read_manifest(path)["tune_batch"] == (1 if name == "lstm" else None)


@pytest.mark.parametrize("name", ["lstm", "mingru"])
def test_a_compiled_package_runs_without_our_packages(packages, tmp_path, name):
    """A fresh interpreter, isolated from the source tree and PYTHONPATH, loads the
    package with torch alone, runs it and reads the manifest from its metadata."""
    model, path = packages[name]
    stated = read_manifest(path)
    sig = ex.signature(model, stated["contract"])
    args = ex.example_inputs(model, sig, 4, seed=3)
    torch.save(list(args), tmp_path / "inputs.pt")
    script = textwrap.dedent(f"""
        import json, sys, torch
        policy = torch._inductor.aoti_load_package({str(path)!r})
        outputs = policy(*torch.load({str(tmp_path / 'inputs.pt')!r}))
        torch.save([o for o in outputs], {str(tmp_path / 'outputs.pt')!r})
        ours = sorted(m for m in sys.modules if m.split('.')[0] in ('rlmodels', 'rlmodels_torch', 'rlmodels_common'))
        print(json.dumps({{"imported": ours, "manifest": json.loads(policy.get_metadata()["rlmodels_manifest"])}}))
    """)
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["imported"] == [] and report["manifest"] == stated
    got = torch.load(tmp_path / "outputs.pt")
    for a, b in zip(got, ex.reference(model, sig, args)):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-5, atol=1e-6)


def test_the_finite_check_and_the_head_in_a_compiled_package(packages):
    model, path = packages["discrete"]
    sig = ex.signature(model, stochastic=True, check_finite=True)
    args = list(ex.example_inputs(model, sig, 3))
    args[0][2, 0] = float("nan")
    action, value, logits, bad = ex.runner(path, "pt2", sig.names()[0])(tuple(args))
    assert action.dtype == np.int64 and logits.shape == (3, 4) and bad.tolist() == [False, False, True]


def test_a_missing_compiler_is_named(tmp_path):
    """PATH without g++ and CXX naming a compiler that does not exist: exit 2 with
    what to do, before any work."""
    env = {**os.environ, "PATH": os.path.dirname(sys.executable), "CXX": str(tmp_path / "no-such-g++")}
    done = subprocess.run(
        [sys.executable, "-m", "rlmodels", "export", str(golden("shared_box")), "-o", str(tmp_path / "p.pt2")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert "needs a C++ compiler at export time; none found" in done.stderr and "no-such-g++ from $CXX" in done.stderr
    assert not (tmp_path / "p.pt2").exists()
