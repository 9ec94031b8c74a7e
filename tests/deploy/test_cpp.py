"""The C++ recipe (docs/deploy.md): ``examples/cpp/run_policy.cpp`` built with
CMake against the libtorch of the installed torch wheel loads a compiled
package with ``AOTIModelPackageLoader``, runs one step and prints every output,
which agree with eager torch."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from rlmodels import export as ex
from rlmodels.manifest import read_manifest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cpp"


@pytest.fixture(scope="session")
def run_policy(tmp_path_factory) -> Path:
    """The built ``run_policy`` program."""
    for tool in ("cmake", "g++"):
        assert shutil.which(tool), f"the deploy tests build C++ and need {tool} on PATH"
    build = tmp_path_factory.mktemp("cpp")
    prefix = torch.utils.cmake_prefix_path
    for command in (
        ["cmake", "-S", str(EXAMPLE), "-B", str(build), f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release"],
        ["cmake", "--build", str(build)],
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return build / "run_policy"


def run(program: Path, package: Path, observation: list[float]) -> dict[str, np.ndarray]:
    done = subprocess.run([str(program), str(package), *map(repr, observation)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    outputs = {}
    for line in done.stdout.splitlines():
        name, values = line.split(":", 1)
        outputs[name] = np.array([float(v) for v in values.split()])
    return outputs


@pytest.mark.parametrize("name", ["lstm", "mingru"])
def test_the_cpp_program_gives_eager_torchs_step(packages, run_policy, name):
    """One environment, the carry from zeros (reset false): the action, value and
    new carry libtorch prints are eager torch's."""
    model, path = packages[name]
    sig = ex.signature(model, read_manifest(path)["contract"])
    observation = [0.3, -1.2, 0.7, 2.0, -0.4]
    args = [torch.tensor([observation])] + [torch.zeros([1 if d == "batch" else d for d in p.shape], dtype=getattr(torch, p.dtype))
                                             for p in sig.inputs[1:]]  # fmt: skip
    want = dict(zip(sig.names()[1], ex.reference(model, sig, tuple(args))))
    got = run(run_policy, path, observation)
    assert list(got) == sig.names()[1]
    for key, value in want.items():
        np.testing.assert_allclose(got[key], value.reshape(-1), rtol=1e-5, atol=1e-6, err_msg=key)


def test_the_cpp_program_refuses_a_wrong_observation_size(packages, run_policy):
    _, path = packages["lstm"]
    done = subprocess.run([str(run_policy), str(path), "1.0", "2.0"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "expected 5 observation values, got 2" in done.stderr
