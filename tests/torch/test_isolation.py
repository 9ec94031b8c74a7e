"""rlmodels_torch must work where JAX is not installed: it never imports it."""

import subprocess
import sys

import rlmodels_torch


def test_import_does_not_load_jax():
    code = (
        "import sys, rlmodels_torch, rlmodels_torch.checkpoint; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib', 'flax', 'distrax', 'rlmodels_jax')); "
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_names_exist():
    for name in rlmodels_torch.__all__:
        assert hasattr(rlmodels_torch, name), name
