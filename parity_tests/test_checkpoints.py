"""Checkpoints saved by either backend load in either, with the same outputs."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rlmodels_jax as rj
import rlmodels_torch as rt
from parity_tests.pairs import DIRECTIONS, build_pair, x64
from rlmodels import compare, compare_checkpoint, strategies


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("writer", ["jax", "torch"])
@settings(max_examples=2 * settings.default.max_examples)  # cheap next to the rest: twice the profile
@given(data=st.data())
def test_saved_by_either_loaded_by_either(tmp_path_factory, writer, dtype, data):
    model_type, metadata = data.draw(strategies.model_configs(dtype=dtype))
    seed = data.draw(strategies.seeds())
    path = tmp_path_factory.mktemp("ckpt") / "policy"
    with x64(dtype):
        jax_model, torch_model = build_pair(model_type, metadata, seed, DIRECTIONS[writer == "torch"])
        (rj if writer == "jax" else rt).save(jax_model if writer == "jax" else torch_model, path)
        report = compare(rj.load(path), rt.load(path), seed=seed % 2**31, gradients=False)
        assert report.ok, f"\n{report}"
        # ... and what was loaded is what was saved.
        assert compare(jax_model, rt.load(path), seed=seed % 2**31, gradients=False).ok
        assert compare(rj.load(path), torch_model, seed=seed % 2**31, gradients=False).ok
    assert compare_checkpoint(path, gradients=False).ok
