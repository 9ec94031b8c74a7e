"""rlmodels_jax must work where torch is not installed: it never imports it."""

import subprocess
import sys

import rlmodels_jax


def test_import_does_not_load_torch():
    code = (
        "import sys, rlmodels_jax, rlmodels_jax.checkpoint; "
        "bad = sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.') or m.startswith('rlmodels_torch')); "
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_names_exist():
    for name in rlmodels_jax.__all__:
        assert hasattr(rlmodels_jax, name), name
