"""The adapters live behind extras: the torch-only core never imports them, and
a missing one is named with the command that installs it."""

import subprocess
import sys

import pytest

from rlmodels_common.extras import require_extra


def test_the_core_imports_no_adapter_library():
    code = (
        "import sys, rlmodels, rlmodels_torch, rlmodels.export, rlmodels.cli\n"
        "loaded = [m for m in ('torchrl', 'tensordict', 'stable_baselines3', 'sb3_contrib', 'gymnasium') if m in sys.modules]\n"
        "sys.exit(f'imported {loaded}' if loaded else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout


@pytest.mark.parametrize("extra, packages", [("torchrl", ("torchrl", "no_such_module_a")), ("sb3", ("no_such_module_b",))])
def test_a_missing_extra_is_named(extra, packages):
    with pytest.raises(ImportError) as info:
        require_extra(extra, packages, f"rlmodels.{extra}")
    message = str(info.value)
    missing = [p for p in packages if p.startswith("no_such")]
    assert message.startswith(f"rlmodels.{extra} needs {missing[0]}, which is not installed")
    assert f"pip install 'rlmodels-parity[{extra}]'" in message and "torchrl and" not in message
