"""Each backend works where the other framework is not installed: it never
imports it."""

import subprocess
import sys

FRAMEWORK_MODULES = {"jax": ("jax", "jaxlib", "flax", "distrax", "rlmodels_jax"), "torch": ("torch", "rlmodels_torch")}


def test_import_does_not_load_the_other_framework(backend):
    code = (
        f"import sys, rlmodels_{backend.name}, rlmodels_{backend.name}.checkpoint; "
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORK_MODULES[backend.other]!r} "
        f"or m.startswith('rlmodels_{backend.other}')); "
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_names_exist(backend):
    for name in backend.rb.__all__:
        assert hasattr(backend.rb, name), name
