"""Suites that hold both backends to one contract: every test taking the
``backend`` fixture runs once per installed framework (the jax and torch tox
envs each have one; a development install with both runs both)."""

import importlib.util

import pytest

from tests.backends.frameworks import load

INSTALLED = [name for name in ("jax", "torch") if importlib.util.find_spec(name) is not None]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", INSTALLED, indirect=True)


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest):
    # Session scope: hypothesis refuses function-scoped fixtures in @given tests.
    return load(request.param)
