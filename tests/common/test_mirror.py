"""The two backends are mirror images: the same module tree and the same
public names. Read from the source, so this runs with neither framework."""

import ast
import pathlib

SRC = pathlib.Path(__file__).resolve().parents[2]


def modules(package):
    root = SRC / package
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.py"))


def public_names(package):
    tree = ast.parse((SRC / package / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return sorted(ast.literal_eval(node.value))
    raise AssertionError(f"{package}/__init__.py has no __all__")


JAX_ONLY = {"models/jaxdem_trainer.py"}
"""What JaxDEM's trainers (JAX programs) read of a model: nothing in torch reads it."""


def test_module_trees_match():
    assert sorted(set(modules("rlmodels_jax")) - JAX_ONLY) == modules("rlmodels_torch")


def test_public_names_match():
    assert public_names("rlmodels_jax") == public_names("rlmodels_torch")
    assert {"from_jax", "from_torch"} <= set(public_names("rlmodels_jax"))


def test_every_package_lists_its_public_names():
    for package in ("rlmodels_jax", "rlmodels_torch", "rlmodels_common"):
        assert public_names(package)
