"""load in JAX: arrays placed on the device asked for (the shared contract is
in tests/backends/test_checkpoint.py)."""

import os
import subprocess
import sys

from tests.broken_checkpoints import golden


def test_load_places_every_array_on_the_device_asked_for():
    # Two host devices, so the one asked for is not the default (set before JAX starts).
    script = (
        "import jax, rlmodels_jax as rj\n"
        "from flax import nnx\n"
        f"model = rj.load({str(golden('lstm_box'))!r}, device=jax.devices()[1])\n"
        "print(sorted({d.id for a in jax.tree.leaves(nnx.state(model)) for d in a.devices()}))\n"
    )
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2", "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[1]"
