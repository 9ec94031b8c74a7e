"""Under tox the suites test the built wheel, not the source tree beside them."""

import importlib.util
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("rlmodels", "rlmodels_common", "rlmodels_jax", "rlmodels_torch")


@pytest.mark.skipif(not os.environ.get("RLMODELS_TEST_INSTALLED"), reason="set by tox, which installs a wheel")
def test_packages_come_from_the_installed_wheel():
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None:  # a backend this environment does not install
            continue
        origin = pathlib.Path(spec.origin).resolve()
        assert origin.parent != ROOT / name, f"{name} imported from the source tree ({origin}), not the wheel"
        assert "site-packages" in origin.parts, f"{name} imported from {origin}, not an installed wheel"
