"""Checkpoints saved by either backend load in either, with the same outputs."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rlmodels_jax as rj
import rlmodels_torch as rt
from parity_tests.pairs import CASES, DIRECTIONS, DTYPES, build_pair, case_id, group, pairs, x64
from rlmodels import compare, compare_checkpoint

# One case per model type and policy kind; their configurations (and compiled
# probes) are the output tests'.
CHECKPOINT_CASES = [CASES[i] for i in (3, 7, 14, 25)]


@pytest.mark.parametrize("writer", ["jax", "torch"])
@pytest.mark.parametrize(
    ("case", "dtype"),
    [pytest.param(c, d, id=f"{case_id(c)}-{d}", marks=group(case_id(c))) for c in CHECKPOINT_CASES for d in DTYPES],
)
@settings(max_examples=2 * settings.default.max_examples)  # cheap next to the rest: twice the profile
@given(data=st.data())
def test_saved_by_either_loaded_by_either(tmp_path_factory, case, dtype, writer, data):
    direction = DIRECTIONS[writer == "torch"]
    model_type, metadata, params, layout = data.draw(pairs(case, dtype, direction))
    path = tmp_path_factory.mktemp("ckpt") / "policy"
    with x64(dtype):
        jax_model, torch_model = build_pair(model_type, metadata, params, direction)
        (rj if writer == "jax" else rt).save(jax_model if writer == "jax" else torch_model, path)
        loaded = rj.load(path), rt.load(path)
        report = compare(*loaded)
        assert report.ok, f"\n{report}"
        # ... and what was loaded is what was saved.
        assert compare(jax_model, loaded[1]).ok
        assert compare(loaded[0], torch_model).ok
    assert compare_checkpoint(path).ok
